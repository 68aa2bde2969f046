package moafetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/pdfgen"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback"
	"github.com/watch287g/watch287g/wayback/waybacktest"
)

// Faults the loopback server can play for one path.
const (
	serveOK        = "ok"
	serve404       = "404"
	serve410       = "410"
	serve403       = "403"
	serve429       = "429"
	serveHTML      = "html"      // an error page with status 200
	serveTruncated = "truncated" // the first half of the PDF, Content-Length to match
	serveShort     = "short"     // Content-Length promises more than is sent
	serve500       = "500"
	serveStream    = "stream" // the PDF chunked, with no Content-Length
)

type doc struct {
	body    []byte
	modTime time.Time
	mode    string
}

type logged struct {
	Path, IMS, INM string
	Status         int
	Bytes          int
}

// server is a loopback ice.gov for documents: If-Modified-Since answered
// with 304, If-None-Match ignored (as ICE does), and a request log that
// records how many requests were in flight at once.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	docs     map[string]*doc
	log      []logged
	inFlight atomic.Int32
	maxIn    atomic.Int32
	// hit, when set, receives each request's path once it is answered.
	hit chan string
}

func newServer(t *testing.T) *server {
	s := &server{docs: map[string]*doc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) set(path string, d *doc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = d
}

func (s *server) setMode(path, mode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path].mode = mode
}

func (s *server) requests() []logged {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	if n := s.inFlight.Add(1); n > s.maxIn.Load() {
		s.maxIn.Store(n)
	}
	defer s.inFlight.Add(-1)
	s.mu.Lock()
	d := s.docs[r.URL.Path]
	var cp doc
	if d != nil {
		cp = *d
	}
	s.mu.Unlock()
	status, n := s.answer(w, r, d, cp)
	s.mu.Lock()
	s.log = append(s.log, logged{Path: r.URL.Path, IMS: r.Header.Get("If-Modified-Since"), INM: r.Header.Get("If-None-Match"), Status: status, Bytes: n})
	s.mu.Unlock()
	if s.hit != nil {
		s.hit <- r.URL.Path
	}
}

func (s *server) answer(w http.ResponseWriter, r *http.Request, d *doc, cp doc) (int, int) {
	if d == nil {
		http.NotFound(w, r)
		return 404, 0
	}
	write := func(status int, ctype string, body []byte) (int, int) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(status)
		n, _ := w.Write(body)
		return status, n
	}
	switch cp.mode {
	case serve404:
		return write(404, "text/html", []byte("<html>Page not found</html>"))
	case serve410:
		return write(410, "text/html", []byte("<html>Gone</html>"))
	case serve403:
		return write(403, "text/html", []byte("<html>Access denied</html>"))
	case serve429:
		w.Header().Set("Retry-After", "3600")
		return write(429, "text/html", []byte("<html>Too many requests</html>"))
	case serve500:
		return write(500, "text/html", []byte("<html>error</html>"))
	case serveHTML:
		return write(200, "text/html", []byte("<!DOCTYPE html><html><body>We are sorry, this page is unavailable.</body></html>"))
	case serveTruncated:
		return write(200, "application/pdf", cp.body[:len(cp.body)/2])
	case serveStream:
		w.Header().Set("Content-Type", "application/pdf")
		w.WriteHeader(200)
		n := 0
		for i := 0; i < len(cp.body); i += 1024 {
			k, _ := w.Write(cp.body[i:min(i+1024, len(cp.body))])
			n += k
			w.(http.Flusher).Flush()
		}
		return 200, n
	case serveShort:
		w.Header().Set("Content-Length", fmt.Sprint(len(cp.body)))
		w.WriteHeader(200)
		n, _ := w.Write(cp.body[:len(cp.body)/2])
		return 200, n // the handler returns early: the client sees an unexpected EOF
	}
	w.Header().Set("Last-Modified", cp.modTime.UTC().Format(http.TimeFormat))
	w.Header().Set("ETag", fmt.Sprintf("%q", fmt.Sprint(cp.modTime.Unix())))
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !cp.modTime.Truncate(time.Second).After(ims) {
		w.WriteHeader(304)
		return 304, 0
	}
	return write(200, "application/pdf", cp.body)
}

// testParse reads test list bodies: JSON sheet.Files.
func testParse(b []byte) (*sheet.File, error) {
	var f sheet.File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("test reader: %w", sheet.ErrNotXLSX)
	}
	return &f, nil
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var t0 = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

// commitList accepts a participating list whose agreements link urls (one
// agreement per address; an addendum when the address ends -add.pdf is
// linked from the previous agreement's ADDENDUM column).
func commitList(t *testing.T, st *store.Store, published string, urls []string) {
	t.Helper()
	var recs []sheet.Record
	for i, u := range urls {
		if strings.HasSuffix(u, "-add.pdf") && len(recs) > 0 {
			recs[len(recs)-1].Extra = map[string]string{"ADDENDUM": "link", "ADDENDUM URL": u}
			continue
		}
		name := fmt.Sprintf("Agency %c%c County Sheriff's Office", 'A'+i%26, 'A'+i/26)
		recs = append(recs, sheet.Record{
			Row: len(recs) + 2, State: "TX", StateName: "TEXAS", Agency: name, AgencyRaw: name, Type: "County",
			Model: sheet.JailEnforcement, ModelRaw: "Jail Enforcement Model", Signed: "2025-01-15", MOAURL: u,
		})
	}
	body, err := json.Marshal(&sheet.File{List: sheet.Participating, Records: recs, Warnings: []sheet.Warning{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Commit(context.Background(), store.Cycle{At: t0, Inputs: []store.Input{{
		Source: "https://www.ice.gov/doclib/participating.xlsx", Name: "participating" + published + ".xlsx",
		Body: body, Published: published,
	}}})
	if err != nil {
		t.Fatal(err)
	}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func newFetcher(st *store.Store, c *clock, opt Options) *Fetcher {
	opt.Delay = NoDelay
	opt.Now = c.now
	opt.Logger = slog.New(slog.DiscardHandler)
	if opt.Operators == nil {
		opt.Operators = []string{"email:ops@example.org"}
	}
	return New(st, opt)
}

// samplePDFs returns up to n of the shared MOA PDFs (smallest first), or
// n generated ones when the sample is absent.
func samplePDFs(t *testing.T, n int) [][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "moa")
	names, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	type f struct {
		b []byte
	}
	var got []f
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err == nil {
			got = append(got, f{b})
		}
	}
	sort.Slice(got, func(i, j int) bool { return len(got[i].b) < len(got[j].b) })
	var out [][]byte
	for i := 0; i < len(got) && len(out) < n; i++ {
		out = append(out, got[i].b)
	}
	if len(out) < n {
		t.Logf("shared MOA sample not found (or short) at %s: using generated PDFs", dir)
	}
	for i := len(out); i < n; i++ {
		out = append(out, pdfgen.PDF(fmt.Sprintf("MEMORANDUM OF AGREEMENT %d", i)))
	}
	return out
}

func changesOf(t *testing.T, st *store.Store, kinds ...diff.Kind) []diff.Change {
	t.Helper()
	chs, _, err := st.Changes(context.Background(), store.ChangeQuery{Filter: diff.Filter{Kinds: kinds}})
	if err != nil {
		t.Fatal(err)
	}
	return chs
}

// TestRoundsEndToEnd walks a list's documents through the store and the
// loopback server: archived once by sha, revalidated with
// If-Modified-Since (304, no bytes), re-uploaded, gone with the copy
// kept, back, while HTML and truncated answers never become documents.
func TestRoundsEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	st := openStore(t)
	pdfs := samplePDFs(t, 3)
	mod := t0.Add(-30 * 24 * time.Hour)
	paths := []string{"/doclib/287gMOA/a.pdf", "/doclib/287gMOA/a-add.pdf", "/doclib/287gMOA/b.pdf", "/doclib/287gMOA/html.pdf", "/doclib/287gMOA/trunc.pdf", "/doclib/287gMOA/short.pdf", "/doclib/287gMOA/same-as-b.pdf"}
	srv.set(paths[0], &doc{body: pdfs[0], modTime: mod})
	srv.set(paths[1], &doc{body: pdfs[1], modTime: mod})
	srv.set(paths[2], &doc{body: pdfs[2], modTime: mod})
	srv.set(paths[3], &doc{body: pdfs[0], modTime: mod, mode: serveHTML})
	srv.set(paths[4], &doc{body: pdfs[0], modTime: mod, mode: serveTruncated})
	srv.set(paths[5], &doc{body: pdfs[0], modTime: mod, mode: serveShort})
	srv.set(paths[6], &doc{body: pdfs[2], modTime: mod})
	var urls []string
	for _, p := range paths {
		urls = append(urls, srv.URL+p)
	}
	commitList(t, st, "2025-06-30", urls)
	c := &clock{t: t0}
	recips := []store.Recipient{{ID: "email:all@example.org"}}
	f := newFetcher(st, c, Options{Recipients: recips})

	// Round 1: every link is new; the baseline archives and announces nothing.
	sum, err := f.Round(ctx)
	if err != nil {
		t.Fatalf("round 1: %v", err)
	}
	if sum.Links != 7 || sum.NewLinks != 7 || sum.Requests != 7 || sum.Archived != 3 || sum.Unchanged != 1 || sum.Failed != 3 || !sum.Baseline {
		t.Errorf("round 1: got %+v, want 7 links, 7 requests, 3 archived, 1 unchanged (same bytes as b), 3 failed, baseline", sum)
	}
	files, _ := st.DocumentFiles(ctx)
	if len(files) != 3 {
		t.Errorf("got %d archived PDFs, want 3 (one per distinct sha)", len(files))
	}
	for i, p := range paths[:3] {
		u, err := st.DocumentURL(ctx, srv.URL+p)
		if err != nil {
			t.Fatal(err)
		}
		_, body, err := st.Document(ctx, u.SHA256)
		if err != nil || !bytes.Equal(body, pdfs[i]) {
			t.Errorf("%s: archived %d bytes (%v), want the %d served byte for byte", p, len(body), err, len(pdfs[i]))
		}
	}
	for _, p := range paths[3:6] {
		u, _ := st.DocumentURL(ctx, srv.URL+p)
		if u.SHA256 != "" || u.Status != store.DocumentNew || u.Failures != 1 || u.LastError == "" {
			t.Errorf("%s: got %+v, want a failed fetch: no document, status new, one failure with its error", p, u)
		}
	}
	if chs := changesOf(t, st, diff.DocumentAdded); len(chs) != 4 {
		t.Errorf("got %d document_added, want 4 (three agreements' MOAs and one addendum)", len(chs))
	}
	if dl, _ := st.Deliveries(ctx, ""); len(dl) != 0 {
		t.Errorf("baseline queued %d deliveries, want 0", len(dl))
	}

	// Round 2, a day later: nothing is due (failed ones wait an hour, then
	// retry: they are due) — only the three failed links are retried.
	c.set(t0.Add(24 * time.Hour))
	before := len(srv.requests())
	sum, err = f.Round(ctx)
	if err != nil {
		t.Fatalf("round 2: %v", err)
	}
	if sum.Requests != 3 || sum.Failed != 3 || sum.Baseline {
		t.Errorf("round 2: got %+v, want the 3 failed links retried and still failing, after the baseline", sum)
	}
	for _, r := range srv.requests()[before:] {
		if r.Path != paths[3] && r.Path != paths[4] && r.Path != paths[5] {
			t.Errorf("round 2 requested %s, which was not due", r.Path)
		}
	}

	// Round 3, eight days on: every known document revalidates with
	// If-Modified-Since and gets 304 with no bytes; b is re-uploaded.
	srv.set(paths[2], &doc{body: pdfgen.PDF("re-uploaded b"), modTime: t0.Add(48 * time.Hour)})
	c.set(t0.Add(8 * 24 * time.Hour))
	before = len(srv.requests())
	sum, err = f.Round(ctx)
	if err != nil {
		t.Fatalf("round 3: %v", err)
	}
	if sum.NotModified != 3 || sum.Archived != 1 || sum.Changes != 1 {
		t.Errorf("round 3: got %+v, want 3 not modified, 1 archived (the re-upload), 1 change", sum)
	}
	for _, r := range srv.requests()[before:] {
		if r.Path == paths[0] && (r.IMS != mod.Format(http.TimeFormat) || r.Status != 304 || r.Bytes != 0) {
			t.Errorf("revalidation of a: got %+v, want If-Modified-Since %s, 304, 0 bytes", r, mod.Format(http.TimeFormat))
		}
		if r.INM != "" {
			t.Errorf("%s: sent If-None-Match %q; ICE ignores it", r.Path, r.INM)
		}
	}
	rep := changesOf(t, st, diff.DocumentReplaced)
	if len(rep) != 1 || rep[0].Document.URL != srv.URL+paths[2] || rep[0].Document.PreviousSHA256 == "" || rep[0].Document.PreviousSHA256 == rep[0].Document.SHA256 {
		t.Errorf("got replaced %+v, want one for b with both digests", rep)
	}
	if dl, _ := st.Deliveries(ctx, ""); len(dl) != 1 || dl[0].ChangeID != rep[0].ID {
		t.Errorf("got deliveries %+v, want one for the replacement", dl)
	}

	// Round 4: a is gone (404) — its copy stays; then it comes back.
	srv.setMode(paths[0], serve404)
	c.set(t0.Add(16 * 24 * time.Hour))
	if _, err := f.Round(ctx); err != nil {
		t.Fatalf("round 4: %v", err)
	}
	gone := changesOf(t, st, diff.DocumentGone)
	if len(gone) != 1 || gone[0].Document.URL != srv.URL+paths[0] || gone[0].Document.HTTPStatus != 404 {
		t.Fatalf("got gone %+v, want one for a with HTTP 404", gone)
	}
	u, _ := st.DocumentURL(ctx, srv.URL+paths[0])
	if _, body, err := st.Document(ctx, u.SHA256); u.Status != store.DocumentGone || err != nil || !bytes.Equal(body, pdfs[0]) {
		t.Errorf("after 404: got status %s, copy %d bytes (%v); want gone with the copy kept", u.Status, len(body), err)
	}
	srv.setMode(paths[0], serveOK)
	c.set(t0.Add(24 * 24 * time.Hour))
	if _, err := f.Round(ctx); err != nil {
		t.Fatalf("round 5: %v", err)
	}
	if back := changesOf(t, st, diff.DocumentBack); len(back) != 1 || back[0].Document.URL != srv.URL+paths[0] {
		t.Errorf("got back %+v, want one for a", back)
	}
	if u, _ := st.DocumentURL(ctx, srv.URL+paths[0]); u.Status != store.DocumentOK {
		t.Errorf("after coming back: got status %s, want ok", u.Status)
	}
	if m := srv.maxIn.Load(); m != 1 {
		t.Errorf("got at most %d requests in flight, want 1", m)
	}
}

// TestBlockedStopsTheRound: a 403 or 429 stops the round at once and
// alerts the operator, once per day however many rounds are blocked.
func TestBlockedStopsTheRound(t *testing.T) {
	for _, mode := range []string{serve403, serve429} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			srv := newServer(t)
			st := openStore(t)
			var urls []string
			for i := range 5 {
				p := fmt.Sprintf("/doclib/287gMOA/%d.pdf", i)
				srv.set(p, &doc{body: pdfgen.PDF(fmt.Sprint("MOA ", i)), modTime: t0})
				urls = append(urls, srv.URL+p)
			}
			srv.setMode("/doclib/287gMOA/2.pdf", mode)
			commitList(t, st, "2025-06-30", urls)
			c := &clock{t: t0}
			f := newFetcher(st, c, Options{Operators: []string{"email:ops@example.org", "webhook:https://ops.example.org/hook"}})
			sum, err := f.Round(ctx)
			if !errors.Is(err, ErrBlocked) {
				t.Fatalf("got error %v, want ErrBlocked", err)
			}
			if !sum.Blocked || sum.Requests != 3 || sum.Archived != 2 || sum.Left != 3 || sum.BlockedStatus != map[string]int{serve403: 403, serve429: 429}[mode] {
				t.Errorf("got %+v, want blocked after 3 requests (2 archived), 3 left", sum)
			}
			if n := len(srv.requests()); n != 3 {
				t.Errorf("server saw %d requests, want 3 (none after the block)", n)
			}
			alerts := func() []store.Delivery {
				var out []store.Delivery
				dl, _ := st.Deliveries(ctx, "")
				for _, d := range dl {
					if d.Alert != nil && d.Alert.Kind == store.AlertDocumentsBlocked {
						out = append(out, d)
					}
				}
				return out
			}
			if a := alerts(); len(a) != 2 || !strings.Contains(a[0].Alert.Body, "HTTP "+mode) {
				t.Fatalf("got alerts %+v, want one per operator channel naming HTTP %s", a, mode)
			}
			// Blocked again two hours later: no second alert that day.
			c.set(t0.Add(2 * time.Hour))
			if _, err := f.Round(ctx); !errors.Is(err, ErrBlocked) {
				t.Fatalf("second round: got %v, want ErrBlocked", err)
			}
			if a := alerts(); len(a) != 2 {
				t.Errorf("got %d alerts after a second blocked round, want still 2", len(a))
			}
			// Unblocked: the round finishes the rest.
			srv.setMode("/doclib/287gMOA/2.pdf", serveOK)
			c.set(t0.Add(5 * time.Hour))
			sum, err = f.Round(ctx)
			if err != nil || sum.Archived != 1 || sum.Blocked {
				t.Errorf("after the block: got %+v, %v; want the blocked one archived", sum, err)
			}
			if files, _ := st.DocumentFiles(ctx); len(files) != 5 {
				t.Errorf("got %d archived, want all 5", len(files))
			}
		})
	}
}

func TestCancelStopsTheRound(t *testing.T) {
	srv := newServer(t)
	srv.hit = make(chan string, 10)
	st := openStore(t)
	var urls []string
	for i := range 3 {
		p := fmt.Sprintf("/%d.pdf", i)
		srv.set(p, &doc{body: pdfgen.PDF("x"), modTime: t0})
		urls = append(urls, srv.URL+p)
	}
	commitList(t, st, "2025-06-30", urls)
	ctx, cancel := context.WithCancel(context.Background())
	f := New(st, Options{Delay: time.Hour, Now: func() time.Time { return t0 }, Logger: slog.New(slog.DiscardHandler)})
	done := make(chan struct{})
	var sum Summary
	var err error
	go func() {
		defer close(done)
		sum, err = f.Round(ctx)
	}()
	// The first request goes out, then the round waits an hour: cancel it.
	select {
	case <-srv.hit:
	case <-done:
		t.Fatal("round ended before cancel")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("round did not end within 10 s of cancel")
	}
	// Cancel lands while the first answer is recorded or during the
	// delay: the first document is then left or archived, the rest left.
	if !errors.Is(err, context.Canceled) || sum.Requests != 1 || sum.Left < 2 {
		t.Errorf("got %+v, %v; want canceled after 1 request, at least 2 left", sum, err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestOversizedIsAFailedFetch(t *testing.T) {
	for _, mode := range []string{serveOK, serveStream} {
		t.Run(mode, func(t *testing.T) {
			srv := newServer(t)
			st := openStore(t)
			body := pdfgen.PDF(strings.Repeat("long text ", 400))
			srv.set("/big.pdf", &doc{body: body, modTime: t0, mode: mode})
			commitList(t, st, "2025-06-30", []string{srv.URL + "/big.pdf"})
			f := newFetcher(st, &clock{t: t0}, Options{})
			f.opt.Limits.MaxBytes = int64(len(body) - 1)
			sum, err := f.Round(context.Background())
			if err != nil || sum.Failed != 1 || sum.Archived != 0 {
				t.Errorf("got %+v, %v; want one failed fetch, nothing archived", sum, err)
			}
			u, _ := st.DocumentURL(context.Background(), srv.URL+"/big.pdf")
			if !strings.Contains(u.LastError, "size cap") {
				t.Errorf("got last error %q, want it to name the size cap", u.LastError)
			}
			// Within the cap, the streamed PDF is a document.
			f.opt.Limits.MaxBytes = int64(len(body))
			c := &clock{t: t0.Add(2 * time.Hour)}
			f.opt.Now = c.now
			if sum, err := f.Round(context.Background()); err != nil || sum.Archived != 1 {
				t.Errorf("within the cap: got %+v, %v; want it archived", sum, err)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	day := 24 * time.Hour
	now := t0.Add(30 * day)
	u := func(url, status string, lastCheck time.Time, failures int) store.DocumentURL {
		return store.DocumentURL{URL: url, Status: status, LastCheck: lastCheck, Failures: failures, FirstLinked: t0}
	}
	urls := []store.DocumentURL{
		u("k-old", store.DocumentOK, now.Add(-20*day), 0),
		u("k-recent", store.DocumentOK, now.Add(-2*day), 0),
		u("k-due", store.DocumentGone, now.Add(-8*day), 0),
		u("n-never", store.DocumentNew, time.Time{}, 0),
		u("n-failed-once", store.DocumentNew, now.Add(-2*time.Hour), 1),
		u("n-failed-twice-recent", store.DocumentNew, now.Add(-time.Hour), 2),
		u("k-failed", store.DocumentOK, now.Add(-3*time.Hour), 2),
		u("n-failed-many", store.DocumentNew, now.Add(-6*day), 40),
	}
	tests := []struct {
		name     string
		opt      Options
		want     []string
		wantNew  int
		wantLeft int
	}{
		{"defaults", Options{}, []string{"n-never", "n-failed-once", "k-old", "k-due", "k-failed"}, 2, 0},
		{"caps", Options{MaxNew: 1, MaxRevalidate: 1}, []string{"n-never", "k-old"}, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, n, left := Plan(urls, now, tt.opt)
			var got []string
			for _, x := range q {
				got = append(got, x.URL)
			}
			if !slices.Equal(got, tt.want) || n != tt.wantNew || left != tt.wantLeft {
				t.Errorf("got %v (%d new, %d left), want %v (%d new, %d left)", got, n, left, tt.want, tt.wantNew, tt.wantLeft)
			}
		})
	}
}

// roundsDone is a log handler that reports each finished round.
type roundsDone chan struct{}

func (h roundsDone) Enabled(context.Context, slog.Level) bool { return true }
func (h roundsDone) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "document round done" {
		select {
		case h <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h roundsDone) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h roundsDone) WithGroup(string) slog.Handler      { return h }

// TestRunRoundsUntilCancelled: Run's rounds fetch, and Run returns soon
// after its context ends.
func TestRunRoundsUntilCancelled(t *testing.T) {
	srv := newServer(t)
	st := openStore(t)
	srv.set("/a.pdf", &doc{body: pdfgen.PDF("a"), modTime: t0})
	commitList(t, st, "2025-06-30", []string{srv.URL + "/a.pdf"})
	rounds := make(roundsDone, 1)
	f := New(st, Options{Delay: NoDelay, Now: func() time.Time { return t0 }, Logger: slog.New(rounds)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, time.Millisecond) }()
	<-rounds
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("got %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of cancel")
	}
	if files, _ := st.DocumentFiles(context.Background()); len(files) != 1 {
		t.Errorf("got %d archived, want 1", len(files))
	}
	if r := srv.requests(); len(r) != 1 || r[0].Path != "/a.pdf" {
		t.Errorf("got requests %+v, want one for /a.pdf (nothing else due)", r)
	}
}

// TestDeadLinkRecoveredFromWayback: a link dead before any copy was
// archived is looked up in the Wayback Machine; the newest capture that
// is a PDF (not a captured error page) is archived with its provenance;
// a link with no capture is marked checked and not asked again for a
// month; a gone document whose copy is held here is never looked up.
func TestDeadLinkRecoveredFromWayback(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	st := openStore(t)
	held := pdfgen.PDF("held here")
	srv.set("/held.pdf", &doc{body: held, modTime: t0})
	commitList(t, st, "2025-06-30", []string{srv.URL + "/dead.pdf", srv.URL + "/none.pdf", srv.URL + "/held.pdf"})
	wb := waybacktest.NewServer(t)
	captured := pdfgen.PDF("captured in 2024")
	wb.Add(
		waybacktest.Capture{Timestamp: "20240101000000", Original: srv.URL + "/dead.pdf", MimeType: "application/pdf", Body: captured},
		waybacktest.Capture{Timestamp: "20250101000000", Original: srv.URL + "/dead.pdf", Body: []byte(waybacktest.BlockPage)},
	)
	client, err := wayback.New(wayback.Options{BaseURL: wb.URL(), Delay: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: t0}
	f := newFetcher(st, c, Options{Wayback: client})
	sum, err := f.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Recovered != 1 || sum.Gone != 2 || sum.Archived != 1 {
		t.Errorf("got %+v, want 1 recovered, 2 gone, 1 archived", sum)
	}
	u, _ := st.DocumentURL(ctx, srv.URL+"/dead.pdf")
	if u.Wayback == nil || u.Wayback.Timestamp != "20240101000000" || !strings.Contains(u.Wayback.PlaybackURL, "/web/20240101000000id_/") || u.Status != store.DocumentGone {
		t.Fatalf("dead.pdf: got %+v, want gone with the 2024 capture's provenance", u)
	}
	if _, body, err := st.Document(ctx, u.Wayback.SHA256); err != nil || !bytes.Equal(body, captured) {
		t.Errorf("recovered copy: got %d bytes, %v; want the capture byte for byte", len(body), err)
	}
	if u, _ := st.DocumentURL(ctx, srv.URL+"/none.pdf"); u.Wayback != nil || !u.WaybackChecked.Equal(t0) {
		t.Errorf("none.pdf: got %+v, want checked at %v with nothing found", u, t0)
	}
	// held.pdf goes dead: its copy is held, so the archive is not asked.
	srv.setMode("/held.pdf", serve404)
	cdx := func() int {
		n := 0
		for _, r := range wb.Requests() {
			if strings.HasPrefix(r.Path, "/cdx/") {
				n++
			}
		}
		return n
	}
	before := cdx()
	c.set(t0.Add(8 * 24 * time.Hour))
	if _, err := f.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := cdx() - before; n != 0 {
		t.Errorf("a week later: %d CDX lookups, want none (held copy; none.pdf rests a month; dead.pdf recovered)", n)
	}
	c.set(t0.Add(32 * 24 * time.Hour))
	if _, err := f.Round(ctx); err != nil {
		t.Fatal(err)
	}
	if n := cdx() - before; n != 1 {
		t.Errorf("a month later: %d CDX lookups, want 1 (none.pdf asked again)", n)
	}
}

// TestRunFetchesNewLinksSoonAfterAList: with an hour between rounds, a
// list that brings a new link starts a round within the poll.
func TestRunFetchesNewLinksSoonAfterAList(t *testing.T) {
	srv := newServer(t)
	srv.hit = make(chan string, 10)
	st := openStore(t)
	srv.set("/a.pdf", &doc{body: pdfgen.PDF("a"), modTime: t0})
	srv.set("/b.pdf", &doc{body: pdfgen.PDF("b"), modTime: t0})
	commitList(t, st, "2025-06-30", []string{srv.URL + "/a.pdf"})
	rounds := make(roundsDone, 10)
	f := New(st, Options{Delay: NoDelay, Poll: time.Millisecond, Now: func() time.Time { return t0 }, Logger: slog.New(rounds)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, time.Hour) }()
	// No round yet: the data has not moved since Run started. A new list
	// linking b moves it.
	commitList(t, st, "2025-07-31", []string{srv.URL + "/a.pdf", srv.URL + "/b.pdf"})
	got := map[string]bool{}
	for len(got) < 2 {
		got[<-srv.hit] = true
	}
	<-rounds
	cancel()
	if err := <-done; err != nil {
		t.Errorf("got %v, want nil", err)
	}
	if !got["/a.pdf"] || !got["/b.pdf"] {
		t.Errorf("got requests for %v, want a and b", got)
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("got %d requests, want 2 (the round's own writes start no other round with work)", n)
	}
}
