package scraper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
)

const testUA = "watch287g-test/1.0 (+mailto:test@example.org)"

// sleeper records the waits the scraper asks for and returns at once, so
// backoff and Retry-After are asserted without waiting.
type sleeper struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.d)
}

// fixedNow is the injected clock.
var fixedNow = time.Date(2025, 9, 2, 15, 0, 0, 0, time.UTC)

// newTestScraper builds a Scraper against srv with tiny waits recorded by
// the returned sleeper. edit adjusts the options.
func newTestScraper(t *testing.T, srv *scrapertest.Server, edit func(*Options)) (*Scraper, *sleeper) {
	t.Helper()
	sl := &sleeper{}
	opts := Options{
		PageURL:     srv.URL(),
		UserAgent:   testUA,
		Delay:       time.Millisecond,
		Timeout:     10 * time.Second,
		Retries:     2,
		BackoffBase: 10 * time.Millisecond,
		BackoffMax:  40 * time.Millisecond,
		Now:         func() time.Time { return fixedNow },
		Sleep:       sl.sleep,
	}
	if edit != nil {
		edit(&opts)
	}
	s := New(opts)
	return s, sl
}

// docs are the two usual files.
func docs(t *testing.T) (participating, pending scrapertest.Doc) {
	t.Helper()
	return scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Participating, 3)},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Pending, 2)}
}

// fileOf returns the Result's file of the given link list.
func fileOf(t *testing.T, res *Result, list sheet.List) File {
	t.Helper()
	for _, f := range res.Files {
		if f.LinkList == list {
			return f
		}
	}
	t.Fatalf("no %s file in result (files: %d)", list, len(res.Files))
	return File{}
}

func TestFetchLinkStyles(t *testing.T) {
	for name, style := range map[string]scrapertest.LinkStyle{
		"doclib relative":        scrapertest.DocLib,
		"doclib absolute":        scrapertest.DocLibAbsolute,
		"file-download relative": scrapertest.FileDownload,
		"file-download absolute": scrapertest.FileDownloadAbsolute,
	} {
		t.Run(name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			partPath, pendPath := srv.SetLinks(style, part, pend)
			s, _ := newTestScraper(t, srv, nil)

			res, err := s.Fetch(t.Context(), nil)
			if err != nil {
				t.Fatalf("Fetch: got error %v, want none", err)
			}
			if len(res.Files) != 2 {
				t.Fatalf("files: got %d, want 2", len(res.Files))
			}
			for _, c := range []struct {
				list sheet.List
				doc  scrapertest.Doc
				path string
			}{{sheet.Participating, part, partPath}, {sheet.Pending, pend, pendPath}} {
				f := fileOf(t, res, c.list)
				if f.URL != srv.BaseURL()+c.path {
					t.Errorf("%s url: got %s, want %s", c.list, f.URL, srv.BaseURL()+c.path)
				}
				if f.Name != c.doc.Name {
					t.Errorf("%s name: got %q, want %q", c.list, f.Name, c.doc.Name)
				}
				if !bytes.Equal(f.Body, c.doc.Body) {
					t.Errorf("%s body: got %d bytes, want the %d served", c.list, len(f.Body), len(c.doc.Body))
				}
				if f.List != c.list || f.Parsed == nil || f.Parsed.List != c.list {
					t.Errorf("%s list: got %s (parsed %v), want %s", c.list, f.List, f.Parsed != nil, c.list)
				}
				if f.Published != "2025-09-02" {
					t.Errorf("%s published: got %q, want 2025-09-02", c.list, f.Published)
				}
				if f.LastModified != "Tue, 02 Sep 2025 14:30:00 GMT" {
					t.Errorf("%s last-modified: got %q, want the server's", c.list, f.LastModified)
				}
				if f.Status != http.StatusOK || f.NotModified || !f.FetchedAt.Equal(fixedNow) {
					t.Errorf("%s: got status %d, not-modified %v, fetched %v; want 200, false, %v", c.list, f.Status, f.NotModified, f.FetchedAt, fixedNow)
				}
			}
			// robots.txt (404), the page, two files: one Check each.
			if len(res.Checks) != 4 {
				t.Errorf("checks: got %d, want 4: %+v", len(res.Checks), res.Checks)
			}
			for _, c := range res.Checks {
				if c.Outcome != OutcomeOK {
					t.Errorf("check %s: got outcome %s (%s), want ok", c.URL, c.Outcome, c.Error)
				}
			}
			if res.Page.URL != srv.URL() || res.Page.Status != http.StatusOK {
				t.Errorf("page check: got %s %d, want %s 200", res.Page.URL, res.Page.Status, srv.URL())
			}
			reqs := srv.Requests()
			if len(reqs) != 4 {
				t.Errorf("requests: got %d, want 4", len(reqs))
			}
			for _, r := range reqs {
				if r.UserAgent != testUA {
					t.Errorf("request %s: got User-Agent %q, want %q", r.Path, r.UserAgent, testUA)
				}
			}
		})
	}
}

func TestFetchNotModified(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	partPath, pendPath := srv.SetLinks(scrapertest.DocLib, part, pend)
	s, _ := newTestScraper(t, srv, nil)

	first, err := s.Fetch(t.Context(), nil)
	if err != nil {
		t.Fatalf("first Fetch: %v", err)
	}
	seen := map[string]string{}
	for _, f := range first.Files {
		seen[f.URL] = f.LastModified
	}
	srv.ResetRequests()

	second, err := s.Fetch(t.Context(), func(u string) (string, string) { return seen[u], "" })
	if err != nil {
		t.Fatalf("second Fetch: %v", err)
	}
	if len(second.Files) != 2 {
		t.Fatalf("files: got %d, want 2", len(second.Files))
	}
	for _, f := range second.Files {
		if !f.NotModified || f.Status != http.StatusNotModified || f.Body != nil {
			t.Errorf("%s: got not-modified %v, status %d, %d body bytes; want true, 304, none", f.URL, f.NotModified, f.Status, len(f.Body))
		}
		if f.LastModified != seen[f.URL] {
			t.Errorf("%s last-modified: got %q, want %q", f.URL, f.LastModified, seen[f.URL])
		}
	}
	for _, p := range []string{partPath, pendPath} {
		reqs := srv.RequestsTo(p)
		if len(reqs) != 1 {
			t.Fatalf("%s: got %d requests, want 1", p, len(reqs))
		}
		if reqs[0].IfModifiedSince != "Tue, 02 Sep 2025 14:30:00 GMT" {
			t.Errorf("%s If-Modified-Since: got %q, want the Last-Modified seen", p, reqs[0].IfModifiedSince)
		}
		if reqs[0].Status != http.StatusNotModified || reqs[0].Bytes != 0 {
			t.Errorf("%s: server answered %d with %d bytes, want 304 with none", p, reqs[0].Status, reqs[0].Bytes)
		}
	}
	var notModified int
	for _, c := range second.Checks {
		if c.Outcome == OutcomeNotModified {
			notModified++
			if c.Bytes != 0 {
				t.Errorf("check %s: got %d bytes, want 0", c.URL, c.Bytes)
			}
		}
	}
	if notModified != 2 {
		t.Errorf("not-modified checks: got %d, want 2", notModified)
	}

	// A changed file is downloaded again.
	part.Body = scrapertest.Sample(t, sheet.Participating, 4)
	part.LastModified = time.Date(2025, 9, 3, 10, 0, 0, 0, time.UTC)
	srv.SetLinks(scrapertest.DocLib, part, pend)
	third, err := s.Fetch(t.Context(), func(u string) (string, string) { return seen[u], "" })
	if err != nil {
		t.Fatalf("third Fetch: %v", err)
	}
	if f := fileOf(t, third, sheet.Participating); f.NotModified || !bytes.Equal(f.Body, part.Body) {
		t.Errorf("changed file: got not-modified %v and %d bytes, want the new %d bytes", f.NotModified, len(f.Body), len(part.Body))
	}
	if f := fileOf(t, third, sheet.Pending); !f.NotModified {
		t.Errorf("unchanged pending file: got downloaded, want 304")
	}
}

func TestFetchETag(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
	srv.SetETag(partPath, `"v1"`)
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), func(u string) (string, string) {
		if strings.HasSuffix(u, partPath) {
			return "", `"v1"`
		}
		return "", ""
	})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if f := fileOf(t, res, sheet.Participating); !f.NotModified || f.ETag != `"v1"` {
		t.Errorf("got not-modified %v, etag %q; want true, \"v1\"", f.NotModified, f.ETag)
	}
	if r := srv.RequestsTo(partPath); len(r) != 1 || r[0].IfNoneMatch != `"v1"` {
		t.Errorf("If-None-Match: got %+v, want one request with \"v1\"", r)
	}
}

func TestFetchStatusFaults(t *testing.T) {
	httpDate := fixedNow.Add(30 * time.Second).Format(http.TimeFormat)
	for name, c := range map[string]struct {
		fault        scrapertest.Fault
		wantErr      error // nil: the participating file arrives
		wantRequests int   // to the participating file
		wantWait     time.Duration
	}{
		"403 is not retried":        {scrapertest.Fault{Status: 403, Times: 5}, ErrBlocked, 1, 0},
		"404 is not retried":        {scrapertest.Fault{Status: 404, Times: 5}, ErrStatus, 1, 0},
		"410 is not retried":        {scrapertest.Fault{Status: 410, Times: 5}, ErrStatus, 1, 0},
		"500 twice then ok":         {scrapertest.Fault{Status: 500, Times: 2}, nil, 3, 0},
		"503 past the retries":      {scrapertest.Fault{Status: 503, Times: 5}, ErrStatus, 3, 0},
		"429 retry-after seconds":   {scrapertest.Fault{Status: 429, RetryAfter: "7"}, nil, 2, 7 * time.Second},
		"429 retry-after date":      {scrapertest.Fault{Status: 429, RetryAfter: httpDate}, nil, 2, 30 * time.Second},
		"503 retry-after seconds":   {scrapertest.Fault{Status: 503, RetryAfter: "3"}, nil, 2, 3 * time.Second},
		"429 retry-after over cap":  {scrapertest.Fault{Status: 429, RetryAfter: "86400"}, ErrStatus, 1, 0},
		"200 block page":            {scrapertest.Fault{BlockPage: true}, ErrNotWorkbook, 1, 0},
		"truncated every time":      {scrapertest.Fault{Truncate: true, Times: 5}, ErrTruncated, 3, 0},
		"truncated once then whole": {scrapertest.Fault{Truncate: true}, nil, 2, 0},
	} {
		t.Run(name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
			srv.Fault(partPath, c.fault)
			s, sl := newTestScraper(t, srv, nil)

			res, err := s.Fetch(t.Context(), nil)
			if res == nil {
				t.Fatal("Fetch: got nil result, want one always")
			}
			if got := len(srv.RequestsTo(partPath)); got != c.wantRequests {
				t.Errorf("requests to the file: got %d, want %d", got, c.wantRequests)
			}
			// The other list succeeds whatever happens to this one.
			if f := fileOf(t, res, sheet.Pending); !bytes.Equal(f.Body, pend.Body) {
				t.Errorf("pending: got %d bytes, want %d", len(f.Body), len(pend.Body))
			}
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("Fetch: got error %v, want none", err)
				}
				if f := fileOf(t, res, sheet.Participating); !bytes.Equal(f.Body, part.Body) {
					t.Errorf("participating: got %d bytes, want %d", len(f.Body), len(part.Body))
				}
			} else {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Fetch: got error %v, want %v", err, c.wantErr)
				}
				if !strings.Contains(err.Error(), partPath) {
					t.Errorf("error %q does not name the URL %s", err, partPath)
				}
				if len(res.Files) != 1 {
					t.Errorf("files: got %d, want only the pending one", len(res.Files))
				}
			}
			if c.wantWait > 0 && !slices.Contains(sl.waits(), c.wantWait) {
				t.Errorf("waits: got %v, want one of %v (Retry-After)", sl.waits(), c.wantWait)
			}
			var failed int
			for _, ch := range res.Checks {
				if ch.Outcome == OutcomeError {
					failed++
				}
			}
			wantFailed := c.wantRequests
			if c.wantErr == nil {
				wantFailed--
			}
			if failed != wantFailed {
				t.Errorf("failed checks: got %d, want %d: %+v", failed, wantFailed, res.Checks)
			}
		})
	}
}

func TestFetchBackoff(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
	srv.Fault(partPath, scrapertest.Fault{Status: 500, Times: 3})
	s, sl := newTestScraper(t, srv, func(o *Options) {
		o.Retries = 3
		o.Delay = time.Nanosecond
		o.BackoffBase = time.Second
		o.BackoffMax = 3 * time.Second
	})
	if _, err := s.Fetch(t.Context(), nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	// Waits: page, file (delay), then three backoffs: [0.5,1) [1,2) [1.5,3).
	var backoffs []time.Duration
	for _, d := range sl.waits() {
		if d > time.Nanosecond {
			backoffs = append(backoffs, d)
		}
	}
	bounds := [][2]time.Duration{{500 * time.Millisecond, time.Second}, {time.Second, 2 * time.Second}, {1500 * time.Millisecond, 3 * time.Second}}
	if len(backoffs) != len(bounds) {
		t.Fatalf("backoffs: got %v, want %d", backoffs, len(bounds))
	}
	for i, b := range bounds {
		if backoffs[i] < b[0] || backoffs[i] >= b[1] {
			t.Errorf("backoff %d: got %v, want in [%v, %v)", i, backoffs[i], b[0], b[1])
		}
	}
}

func TestFetchDelayBetweenRequests(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	srv.SetLinks(scrapertest.DocLib, part, pend)
	s, sl := newTestScraper(t, srv, func(o *Options) { o.Delay = 1500 * time.Millisecond })
	if _, err := s.Fetch(t.Context(), nil); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	// Four requests, a delay before each but the first.
	want := []time.Duration{1500 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond}
	if got := sl.waits(); !slices.Equal(got, want) {
		t.Errorf("waits: got %v, want %v", got, want)
	}
}

func TestFetchTooLarge(t *testing.T) {
	// stripLength hides Content-Length, as a chunked response would, so
	// only the body cap can catch the size (colly would truncate silently).
	stripLength := roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil {
			resp.Header.Del("Content-Length")
			resp.ContentLength = -1
		}
		return resp, err
	})
	for name, transport := range map[string]http.RoundTripper{
		"content-length announced": nil,
		"no content-length":        stripLength,
	} {
		t.Run(name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			part.Body = scrapertest.Sample(t, sheet.Participating, 400)
			pend.Body = scrapertest.Sample(t, sheet.Pending, 1)
			partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
			maxBody := int64(len(pend.Body) + 100)
			if int64(len(part.Body)) <= maxBody {
				t.Fatalf("fixture: participating is %d bytes, want over %d", len(part.Body), maxBody)
			}
			s, _ := newTestScraper(t, srv, func(o *Options) {
				o.MaxBody = maxBody
				o.Transport = transport
			})
			res, err := s.Fetch(t.Context(), nil)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Fetch: got error %v, want ErrTooLarge", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(maxBody)) {
				t.Errorf("error %q does not say the cap %d", err, maxBody)
			}
			for _, f := range res.Files {
				if f.LinkList == sheet.Participating {
					t.Errorf("got a participating file of %d bytes, want none", len(f.Body))
				}
			}
			if got := len(srv.RequestsTo(partPath)); got != 1 {
				t.Errorf("requests: got %d, want 1 (no retry)", got)
			}
		})
	}
}

// roundTripper adapts a function to http.RoundTripper.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestFetchTimeout(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	partPath, _ := srv.SetLinks(scrapertest.DocLib, part, pend)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	srv.Fault(partPath, scrapertest.Fault{Hold: hold, Times: 2})
	s, _ := newTestScraper(t, srv, func(o *Options) {
		o.Timeout = 50 * time.Millisecond
		o.Retries = 1
	})
	res, err := s.Fetch(t.Context(), nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Fetch: got error %v, want ErrTimeout", err)
	}
	if got := len(srv.RequestsTo(partPath)); got != 2 {
		t.Errorf("requests: got %d, want 2 (a timeout is retried)", got)
	}
	if f := fileOf(t, res, sheet.Pending); f.Body == nil {
		t.Error("pending: got no body, want the file")
	}
}

func TestFetchCancel(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	partPath, pendPath := srv.SetLinks(scrapertest.DocLib, part, pend)
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	held := make(chan string, 1)
	srv.Fault(partPath, scrapertest.Fault{Hold: hold, Held: held})
	s, _ := newTestScraper(t, srv, func(o *Options) { o.Timeout = time.Hour })

	ctx, cancel := context.WithCancel(t.Context())
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.Fetch(ctx, nil)
		done <- out{res, err}
	}()
	select {
	case <-held:
	case o := <-done:
		t.Fatalf("Fetch returned before the slow request: %v", o.err)
	}
	cancel()
	o := <-done
	if !errors.Is(o.err, context.Canceled) {
		t.Fatalf("Fetch: got error %v, want context.Canceled", o.err)
	}
	if got := len(srv.RequestsTo(pendPath)); got != 0 {
		t.Errorf("requests after cancel: got %d to %s, want 0", got, pendPath)
	}
	if len(o.res.Files) != 0 {
		t.Errorf("files: got %d, want 0", len(o.res.Files))
	}
}

func TestFetchNoLinks(t *testing.T) {
	for name, setup := range map[string]func(*scrapertest.Server, scrapertest.Doc, scrapertest.Doc) error{
		"page without links": func(srv *scrapertest.Server, _, _ scrapertest.Doc) error {
			srv.SetPage(scrapertest.NoLinksPage)
			return nil
		},
		"block page as the page": func(srv *scrapertest.Server, _, _ scrapertest.Doc) error {
			srv.SetPage(scrapertest.BlockPage)
			return nil
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			_ = setup(srv, part, pend)
			s, _ := newTestScraper(t, srv, nil)
			res, err := s.Fetch(t.Context(), nil)
			if !errors.Is(err, ErrNoLinks) {
				t.Fatalf("Fetch: got error %v, want ErrNoLinks", err)
			}
			if len(res.Files) != 0 {
				t.Errorf("files: got %d, want 0", len(res.Files))
			}
			if res.Page.Outcome != OutcomeError {
				t.Errorf("page check outcome: got %s, want error", res.Page.Outcome)
			}
		})
	}
}

func TestFetchOneListMissing(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, _ := docs(t)
	srv.SetLinks(scrapertest.DocLib, part, scrapertest.Doc{})
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), nil)
	if !errors.Is(err, ErrNoLinks) || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("Fetch: got error %v, want ErrNoLinks naming the pending list", err)
	}
	if f := fileOf(t, res, sheet.Participating); !bytes.Equal(f.Body, part.Body) {
		t.Errorf("participating: got %d bytes, want %d", len(f.Body), len(part.Body))
	}
}

func TestFetchSwappedLists(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	// 2025-09-22: each link served the other list.
	part.Body, pend.Body = pend.Body, part.Body
	srv.SetLinks(scrapertest.FileDownload, part, pend)
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), nil)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for link, want := range map[sheet.List]sheet.List{sheet.Participating: sheet.Pending, sheet.Pending: sheet.Participating} {
		if f := fileOf(t, res, link); f.List != want {
			t.Errorf("%s link: got list %s, want %s (its columns)", link, f.List, want)
		}
	}
	var warned int
	for _, w := range res.Warnings {
		if strings.Contains(w, "columns win") {
			warned++
		}
	}
	if warned != 2 {
		t.Errorf("warnings: got %q, want one per swapped file", res.Warnings)
	}
}

func TestFetchUnrecognisedHeader(t *testing.T) {
	srv := scrapertest.NewServer(t)
	part, pend := docs(t)
	part.Body = scrapertest.Workbook(t, []string{"Name", "Place"}, [][]string{{"a", "b"}})
	srv.SetLinks(scrapertest.DocLib, part, pend)
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), nil)
	if err != nil {
		t.Fatalf("Fetch: got error %v, want none (the store quarantines it)", err)
	}
	f := fileOf(t, res, sheet.Participating)
	if !errors.Is(f.ParseErr, sheet.ErrNoHeader) || f.Parsed != nil || !bytes.Equal(f.Body, part.Body) {
		t.Errorf("got ParseErr %v, parsed %v, %d bytes; want ErrNoHeader, nil, the body", f.ParseErr, f.Parsed != nil, len(f.Body))
	}
	if f.List != sheet.Participating {
		t.Errorf("list: got %s, want the link's (participating)", f.List)
	}
}

func TestFetchOffHost(t *testing.T) {
	other := scrapertest.NewServer(t)
	part, pend := docs(t)
	otherPart, _ := other.SetLinks(scrapertest.DocLib, part, pend)

	srv := scrapertest.NewServer(t)
	_, pendPath := srv.SetLinks(scrapertest.DocLib, scrapertest.Doc{}, pend)
	srv.SetPage(fmt.Sprintf(`<html><body>
<a href="%s">Participating Agencies</a>
<a href="%s">Pending Agencies</a></body></html>`, other.BaseURL()+otherPart, pendPath))
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), nil)
	if !errors.Is(err, ErrNoLinks) {
		t.Fatalf("Fetch: got error %v, want ErrNoLinks for the off-host list", err)
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("other host: got %d requests, want 0", n)
	}
	if len(res.Files) != 1 || res.Files[0].LinkList != sheet.Pending {
		t.Errorf("files: got %d, want only pending", len(res.Files))
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "another host") }) {
		t.Errorf("warnings: got %q, want one about the other host", res.Warnings)
	}
}

func TestFetchRedirects(t *testing.T) {
	t.Run("within the host", func(t *testing.T) {
		srv := scrapertest.NewServer(t)
		part, pend := docs(t)
		srv.SetLinks(scrapertest.DocLib, part, pend)
		srv.Redirect(scrapertest.OldPagePath, scrapertest.PagePath)
		s, _ := newTestScraper(t, srv, func(o *Options) { o.PageURL = srv.BaseURL() + scrapertest.OldPagePath })
		res, err := s.Fetch(t.Context(), nil)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if len(res.Files) != 2 {
			t.Errorf("files: got %d, want 2", len(res.Files))
		}
		if n := len(srv.RequestsTo(scrapertest.PagePath)); n != 1 {
			t.Errorf("requests to the new page: got %d, want 1", n)
		}
	})
	t.Run("off the host", func(t *testing.T) {
		other := scrapertest.NewServer(t)
		part, pend := docs(t)
		other.SetLinks(scrapertest.DocLib, part, pend)
		srv := scrapertest.NewServer(t)
		srv.Redirect(scrapertest.OldPagePath, other.URL())
		s, _ := newTestScraper(t, srv, func(o *Options) { o.PageURL = srv.BaseURL() + scrapertest.OldPagePath })
		_, err := s.Fetch(t.Context(), nil)
		if !errors.Is(err, ErrOffHost) {
			t.Fatalf("Fetch: got error %v, want ErrOffHost", err)
		}
		if n := len(other.Requests()); n != 0 {
			t.Errorf("other host: got %d requests, want 0", n)
		}
	})
}

func TestFetchRobots(t *testing.T) {
	for name, c := range map[string]struct {
		robots       string
		robotsStatus int
		ignore       bool
		wantErr      error
		wantFiles    int
	}{
		"disallowed":               {robots: "User-agent: *\nDisallow: /doclib/\n", wantErr: ErrRobots},
		"disallowed, ignored":      {robots: "User-agent: *\nDisallow: /doclib/\n", ignore: true, wantFiles: 2},
		"disallowed for others":    {robots: "User-agent: OtherBot\nDisallow: /\n", wantFiles: 2},
		"page disallowed":          {robots: "User-agent: watch287g-test\nDisallow: /identify-and-arrest/\n", wantErr: ErrRobots},
		"robots.txt server errors": {robotsStatus: 500, wantErr: ErrRobots},
	} {
		t.Run(name, func(t *testing.T) {
			srv := scrapertest.NewServer(t)
			part, pend := docs(t)
			srv.SetLinks(scrapertest.DocLib, part, pend)
			if c.robots != "" {
				srv.SetRobots(c.robots)
			}
			if c.robotsStatus != 0 {
				srv.Fault("/robots.txt", scrapertest.Fault{Status: c.robotsStatus, Times: 10})
			}
			s, _ := newTestScraper(t, srv, func(o *Options) { o.IgnoreRobots = c.ignore })
			res, err := s.Fetch(t.Context(), nil)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("Fetch: got error %v, want %v", err, c.wantErr)
			}
			if len(res.Files) != c.wantFiles {
				t.Errorf("files: got %d, want %d", len(res.Files), c.wantFiles)
			}
			for _, r := range srv.Requests() {
				if strings.HasPrefix(r.Path, scrapertest.DocLibDir) && c.wantErr != nil {
					t.Errorf("got a request to disallowed %s", r.Path)
				}
				if r.Path == "/robots.txt" && c.ignore {
					t.Errorf("got a robots.txt request, want none when ignored")
				}
			}
		})
	}
}

func TestFetchBadPageURL(t *testing.T) {
	for _, u := range []string{"ftp://example.org/x", "/relative", "http://"} {
		s := New(Options{PageURL: u})
		res, err := s.Fetch(t.Context(), nil)
		if err == nil || res == nil {
			t.Errorf("Fetch(%q): got %v, %v; want an error and a result", u, res, err)
		}
	}
}

func TestFetchPageStatus(t *testing.T) {
	srv := scrapertest.NewServer(t)
	srv.Fault(scrapertest.PagePath, scrapertest.Fault{Status: 403})
	s, _ := newTestScraper(t, srv, nil)
	res, err := s.Fetch(t.Context(), nil)
	if !errors.Is(err, ErrBlocked) {
		t.Fatalf("Fetch: got error %v, want ErrBlocked", err)
	}
	if res.Page.Status != http.StatusForbidden || res.Page.Outcome != OutcomeError {
		t.Errorf("page check: got %d %s, want 403 error", res.Page.Status, res.Page.Outcome)
	}
}

func TestFetchConnectionRefused(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	u := dead.URL + scrapertest.PagePath
	dead.Close()
	s := New(Options{PageURL: u, Retries: 1, Sleep: (&sleeper{}).sleep, IgnoreRobots: true})
	res, err := s.Fetch(t.Context(), nil)
	if err == nil {
		t.Fatal("Fetch: got no error, want connection refused")
	}
	if len(res.Checks) != 2 {
		t.Errorf("checks: got %d, want 2 (retried once)", len(res.Checks))
	}
}

// BenchmarkFetchNotModified is an unchanged poll on loopback: robots.txt,
// the page, and two 304s.
func BenchmarkFetchNotModified(b *testing.B) {
	srv := scrapertest.NewServer(b)
	part := scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: scrapertest.Sample(b, sheet.Participating, 3)}
	pend := scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(b, sheet.Pending, 2)}
	srv.SetLinks(scrapertest.DocLib, part, pend)
	s := New(Options{PageURL: srv.URL(), Delay: -1})
	lm := "Tue, 02 Sep 2025 14:30:00 GMT"
	for b.Loop() {
		res, err := s.Fetch(b.Context(), func(string) (string, string) { return lm, "" })
		if err != nil || len(res.Files) != 2 || !res.Files[0].NotModified {
			b.Fatalf("Fetch: %v", err)
		}
	}
}
