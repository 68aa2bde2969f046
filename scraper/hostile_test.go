package scraper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
)

// logRecorder keeps every log record's message and attribute values as
// given to slog, before any handler quotes them: a handler that prints
// them raw (a terminal) must get nothing it could misread.
type logRecorder struct {
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: &sync.Mutex{}, lines: &[]string{}}
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%s", a.Key, a.Value.String())
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	h.mu.Lock()
	*h.lines = append(*h.lines, b.String())
	h.mu.Unlock()
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{mu: h.mu, lines: h.lines, attrs: append(append([]slog.Attr{}, h.attrs...), as...)}
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

func (h *logRecorder) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string{}, *h.lines...)
}

// controlChars reports a control character a terminal would act on.
func controlChars(s string) bool {
	return strings.ContainsAny(s, "\x00\r\n\x1b\x07\x08\u009b")
}

// The defect: names from Content-Disposition were kept whole (5,000
// characters) and printed raw (CR/LF, NUL, ANSI escapes).
func TestFetchHostileFileNames(t *testing.T) {
	long := "participatingAgencies09022025am" + strings.Repeat("A", 5000) + ".xlsx"
	tests := []struct {
		name        string
		disposition string
		noHeader    bool   // serve a workbook whose header is not recognised (its name is logged)
		wantName    string // the published name kept as data
		wantWarn    string
	}{
		{
			name:        "CR LF and ANSI escape in filename*",
			disposition: "attachment; filename*=UTF-8''participatingAgencies09022025am%0D%0Alevel%3DERROR%20msg%3Dforged%1B%5B31m.xlsx",
			noHeader:    true,
			wantName:    "participatingAgencies09022025am\r\nlevel=ERROR msg=forged\x1b[31m.xlsx",
			wantWarn:    "no recognisable header",
		},
		{
			name:        "NUL",
			disposition: "attachment; filename*=UTF-8''participating%00Agencies.xlsx",
			noHeader:    true,
			wantName:    "participating\x00Agencies.xlsx",
			wantWarn:    "no recognisable header",
		},
		{
			name:        "5,000 characters",
			disposition: `attachment; filename="` + long + `"`,
			wantName:    long[:MaxNameBytes],
			wantWarn:    fmt.Sprintf("the served file name is %d bytes; kept its first %d", len(long), MaxNameBytes),
		},
		{
			name:        "long and multi-byte: cut on a rune boundary",
			disposition: "attachment; filename*=UTF-8''" + url.PathEscape(strings.Repeat("é", 600)) + ".xlsx",
			wantName:    strings.Repeat("é", MaxNameBytes/2),
			wantWarn:    "the served file name is 1205 bytes",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			if tc.noHeader {
				part.Body = scrapertest.Workbook(t, []string{"Name", "Place"}, [][]string{{"a", "b"}})
			}
			partPath, _ := srv.SetLinks(scrapertest.FileDownload, part, pend)
			srv.SetFile(partPath, part.Body, time.Date(2025, 9, 2, 14, 30, 0, 0, time.UTC), tc.disposition)
			logs := newLogRecorder()
			s, _ := newTestScraper(t, srv, func(o *Options) { o.Logger = slog.New(logs) })

			res, err := s.Fetch(t.Context(), nil)
			if err != nil {
				t.Fatalf("Fetch: got error %v, want none", err)
			}
			f := fileOf(t, res, sheet.Participating)
			if f.Name != tc.wantName {
				t.Errorf("name: got %q (%d bytes), want %q (%d bytes)", f.Name, len(f.Name), tc.wantName, len(tc.wantName))
			}
			if len(f.Body) != len(part.Body) {
				t.Errorf("body: got %d bytes, want %d", len(f.Body), len(part.Body))
			}
			warned := false
			for _, w := range res.Warnings {
				if controlChars(w) {
					t.Errorf("warning holds control characters: %q", w)
				}
				if len(w) > 2*MaxNameBytes {
					t.Errorf("warning is %d bytes, want the name cut short in it", len(w))
				}
				warned = warned || strings.Contains(w, tc.wantWarn)
			}
			if !warned {
				t.Errorf("warnings: got %q, want one containing %q", res.Warnings, tc.wantWarn)
			}
			lines := logs.all()
			if len(lines) == 0 {
				t.Fatal("got no log records, want some")
			}
			for _, l := range lines {
				if controlChars(l) {
					t.Errorf("log record holds control characters: %q", l)
				}
			}
		})
	}
}

// The defect: credentials in the page URL (user:pass@, ?token=) reached
// logs, errors and Checks; links resolved against the page inherit the
// user:pass.
func TestFetchMasksCredentials(t *testing.T) {
	const pass, token = "s3cretpass", "t0kenvalue"
	withCreds := func(raw string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("reader", pass)
		u.RawQuery = "token=" + token
		return u.String()
	}
	assertClean := func(t *testing.T, what, s string) {
		t.Helper()
		if strings.Contains(s, pass) || strings.Contains(s, token) {
			t.Errorf("%s shows a credential: %q", what, s)
		}
	}
	check := func(t *testing.T, res *Result, err error, logs *logRecorder) {
		t.Helper()
		if err != nil {
			assertClean(t, "error", err.Error())
		}
		for _, c := range res.Checks {
			assertClean(t, "check url", c.URL)
			assertClean(t, "check error", c.Error)
		}
		for _, f := range res.Files {
			assertClean(t, "file url", f.URL)
		}
		for _, w := range res.Warnings {
			assertClean(t, "warning", w)
		}
		for _, l := range logs.all() {
			assertClean(t, "log", l)
		}
	}

	t.Run("success", func(t *testing.T) {
		srv := scrapertest.NewServer(t)
		part, pend := docs(t)
		srv.SetLinks(scrapertest.DocLib, part, pend)
		logs := newLogRecorder()
		var keys []string
		s, _ := newTestScraper(t, srv, func(o *Options) {
			o.PageURL = withCreds(srv.URL())
			o.Logger = slog.New(logs)
		})
		res, err := s.Fetch(t.Context(), func(u string) (string, string) {
			keys = append(keys, u)
			return "", ""
		})
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(res.Files) != 2 {
			t.Fatalf("files: got %d, want 2", len(res.Files))
		}
		check(t, res, err, logs)
		for i, k := range keys {
			assertClean(t, "validator key", k)
			if k != res.Files[i].URL {
				t.Errorf("validator key %d: got %q, want the file's URL %q", i, k, res.Files[i].URL)
			}
		}
		// The credentials were still sent: the server saw basic auth.
		reqs := srv.RequestsTo(scrapertest.PagePath)
		if len(reqs) == 0 {
			t.Fatal("got no page request")
		}
	})

	t.Run("file answers 404", func(t *testing.T) {
		srv := scrapertest.NewServer(t)
		part, pend := docs(t)
		partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
		srv.Fault(partPath, scrapertest.Fault{Status: http.StatusNotFound})
		logs := newLogRecorder()
		s, _ := newTestScraper(t, srv, func(o *Options) {
			o.PageURL = withCreds(srv.URL())
			o.Logger = slog.New(logs)
		})
		res, err := s.Fetch(t.Context(), nil)
		if !errors.Is(err, ErrStatus) {
			t.Fatalf("Fetch: got %v, want ErrStatus", err)
		}
		check(t, res, err, logs)
	})

	t.Run("connection refused", func(t *testing.T) {
		srv := scrapertest.NewServer(t)
		closed := httptest.NewServer(http.NotFoundHandler())
		page := withCreds(closed.URL + scrapertest.PagePath)
		closed.Close()
		logs := newLogRecorder()
		s, _ := newTestScraper(t, srv, func(o *Options) {
			o.PageURL = page
			o.IgnoreRobots = true
			o.Retries = 1
			o.Logger = slog.New(logs)
		})
		res, err := s.Fetch(t.Context(), nil)
		if err == nil {
			t.Fatal("Fetch: got no error, want a connection error")
		}
		if !strings.Contains(err.Error(), "token=***") {
			t.Errorf("got %q, want the URL shown with its token masked", err)
		}
		check(t, res, err, logs)
	})
}

// The defect (item 8): a corrupt workbook's error said its sentinel twice
// ("not an xlsx workbook: xlsx: …: not an xlsx workbook").
func TestFetchCorruptWorkbookErrorSaysItOnce(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	part.Body = append([]byte("PK\x03\x04"), strings.Repeat("x", 200)...)
	srv.SetLinks(scrapertest.DocLib, part, pend)
	s, _ := newTestScraper(t, srv, nil)
	_, err := s.Fetch(t.Context(), nil)
	if !errors.Is(err, ErrNotWorkbook) || !errors.Is(err, sheet.ErrNotXLSX) {
		t.Fatalf("Fetch: got %v, want ErrNotWorkbook and sheet.ErrNotXLSX", err)
	}
	if n := strings.Count(err.Error(), ErrNotWorkbook.Error()); n != 1 {
		t.Errorf("got %q, want %q said once, not %d times", err, ErrNotWorkbook, n)
	}
	if n := strings.Count(err.Error(), "scraper: "); n != 1 {
		t.Errorf("got %q, want the scraper: prefix once, not %d times", err, n)
	}
}

// A cycle cancelled while a workbook is being read stops the read (the
// reader gets the cycle's context) and is reported as cancelled, not as
// a bad file.
func TestFetchCancelDuringParse(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	srv.SetLinks(scrapertest.DocLib, part, pend)
	s, _ := newTestScraper(t, srv, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	started := make(chan struct{})
	s.parse = func(ctx context.Context, b []byte) (*sheet.File, error) {
		close(started)
		<-ctx.Done() // a reader that only stops when told
		return nil, fmt.Errorf("sheet: %w", ctx.Err())
	}
	go func() {
		<-started
		cancel()
	}()
	_, err := s.Fetch(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch: got %v, want context.Canceled", err)
	}
	if errors.Is(err, ErrNotWorkbook) {
		t.Errorf("Fetch: got %v, want no ErrNotWorkbook verdict on a cancelled read", err)
	}
}
