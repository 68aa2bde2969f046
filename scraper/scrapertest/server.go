// Package scrapertest is a stand-in for ice.gov on loopback: a real HTTP
// server that serves a 287(g) page linking the two spreadsheets, answers
// If-Modified-Since with 304, and injects the faults ICE's servers have
// shown (403, 5xx, 429 with Retry-After, a 200 HTML block page, a
// truncated body, a slow answer). It records every request for
// assertions. Tests of the scraper, of `watch287g fetch` and of `serve`
// use it; Workbook and Sample build the xlsx bodies it serves.
//
// A typical test:
//
//	srv := scrapertest.NewServer(t)
//	srv.SetLinks(scrapertest.DocLib,
//		scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Participating, 3)},
//		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Pending, 2)})
//	s := scraper.New(scraper.Options{PageURL: srv.URL(), Delay: -1})
package scrapertest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Paths the server plays.
const (
	// PagePath is the page's current path on ice.gov.
	PagePath = "/identify-and-arrest/287g"
	// OldPagePath is a path the page had before; Redirect it to PagePath.
	OldPagePath = "/287g"
	// DocLibDir is where ICE served files named in the URL.
	DocLibDir = "/doclib/about/offices/ero/287g/"
	// FileDownloadDir is where ICE serves files by id, named only in
	// Content-Disposition.
	FileDownloadDir = "/file-download/download/public/"
)

// BlockPage is the body of the 200 HTML block page a Fault can serve.
const BlockPage = `<!DOCTYPE html><html><head><title>Access Denied</title></head>` +
	`<body><h1>Access Denied</h1><p>You don't have permission to access this resource.</p></body></html>`

// NoLinksPage is a page that links neither list (SetPage(NoLinksPage)).
const NoLinksPage = `<!DOCTYPE html><html><head><title>287(g)</title></head>` +
	`<body><h1>Delegation of Immigration Authority Section 287(g)</h1>` +
	`<p>The lists are being updated.</p><a href="/about">About ICE</a></body></html>`

// LinkStyle is how SetLinks links the files.
type LinkStyle int

// The link styles ICE has used, with relative or absolute hrefs.
const (
	// DocLib links DocLibDir + Doc.Name, relative to the host.
	DocLib LinkStyle = iota
	// DocLibAbsolute is DocLib with absolute (http://host/…) hrefs.
	DocLibAbsolute
	// FileDownload links FileDownloadDir + Doc.ID and names the file in
	// Content-Disposition, relative to the host.
	FileDownload
	// FileDownloadAbsolute is FileDownload with absolute hrefs.
	FileDownloadAbsolute
)

// Doc is one file the page links.
type Doc struct {
	// Name is the file name (in the doclib URL, or Content-Disposition).
	Name string
	// ID is the file-download id; SetLinks picks one when empty.
	ID string
	// Body is the file's bytes.
	Body []byte
	// LastModified is sent as Last-Modified; SetLinks uses a fixed time
	// when zero. If-Modified-Since at or after it gets 304.
	LastModified time.Time
	// Text is the link's text; "Participating Agencies" or "Pending
	// Agencies" when empty.
	Text string
}

// Fault is an injected misbehaviour for one path, served to the next
// Times requests of it (once when Times is 0). Exactly one of Status,
// BlockPage, Truncate or Hold is expected.
type Fault struct {
	Times int
	// Status is sent with a short text body (403, 404, 429, 500, 503, …).
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// BlockPage serves BlockPage as a 200 text/html.
	BlockPage bool
	// Truncate sends the headers with the full Content-Length, half the
	// body, then drops the connection.
	Truncate bool
	// Hold blocks the response until Hold is closed (or receives) or the
	// request's context ends; then the normal response is served. Held,
	// when set, receives the path once the request is waiting, so a test
	// can act while it hangs.
	Hold <-chan struct{}
	Held chan<- string
}

// Request is one request the server received.
type Request struct {
	Method          string
	Path            string
	IfModifiedSince string
	IfNoneMatch     string
	UserAgent       string
	// Status and Bytes are what the server answered (Bytes counts body
	// bytes written); they are set when the response is done.
	Status int
	Bytes  int64
}

// file is one served file.
type file struct {
	body         []byte
	lastModified time.Time
	etag         string
	disposition  string
}

// Server is the loopback ice.gov. Its methods are safe to call while the
// server serves.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	page      string
	files     map[string]*file
	faults    map[string][]*Fault
	redirects map[string]string
	robots    *string
	requests  []Request
}

// NewServer starts a server on loopback, closed by t.Cleanup. The page
// is NoLinksPage until SetPage or SetLinks.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		page:      NoLinksPage,
		files:     map[string]*file{},
		faults:    map[string][]*Fault{},
		redirects: map[string]string{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the page's URL.
func (s *Server) URL() string { return s.srv.URL + PagePath }

// BaseURL is the server's root, http://127.0.0.1:port.
func (s *Server) BaseURL() string { return s.srv.URL }

// SetPage sets the page's HTML.
func (s *Server) SetPage(html string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.page = html
}

// SetFile serves body at path with Last-Modified lastModified (none when
// zero). A disposition, when not empty, is sent as Content-Disposition.
func (s *Server) SetFile(path string, body []byte, lastModified time.Time, disposition string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = &file{body: body, lastModified: lastModified.UTC().Truncate(time.Second), disposition: disposition}
}

// SetETag makes the file at path send an ETag and honour If-None-Match
// (ICE sends none; this is for completeness).
func (s *Server) SetETag(path, etag string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[path]; ok {
		f.etag = etag
	}
}

// defaultLastModified is a fixed Last-Modified, so tests are repeatable.
var defaultLastModified = time.Date(2025, 9, 2, 14, 30, 0, 0, time.UTC)

// SetLinks serves the two docs in the given style and sets a page that
// links them (with some unrelated links around, as ICE's page has). A doc
// with neither Name nor Body is left unlinked. It returns each doc's path,
// for Fault and for assertions; swap lists by passing the pending bytes
// as the participating doc.
func (s *Server) SetLinks(style LinkStyle, participating, pending Doc) (participatingPath, pendingPath string) {
	var hrefs [2]string
	var paths [2]string
	for i, d := range []Doc{participating, pending} {
		if d.Name == "" && d.Body == nil {
			continue
		}
		lm := d.LastModified
		if lm.IsZero() {
			lm = defaultLastModified
		}
		var p, disposition string
		switch style {
		case FileDownload, FileDownloadAbsolute:
			id := d.ID
			if id == "" {
				id = strconv.Itoa(1001 + i)
			}
			p = FileDownloadDir + id
			disposition = fmt.Sprintf(`attachment; filename="%s"`, d.Name)
		default:
			p = DocLibDir + d.Name
		}
		s.SetFile(p, d.Body, lm, disposition)
		paths[i] = p
		hrefs[i] = p
		if style == DocLibAbsolute || style == FileDownloadAbsolute {
			hrefs[i] = s.srv.URL + p
		}
	}
	texts := [2]string{participating.Text, pending.Text}
	if texts[0] == "" {
		texts[0] = "Participating Agencies"
	}
	if texts[1] == "" {
		texts[1] = "Pending Agencies"
	}
	var b []byte
	b = fmt.Appendf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Delegation of Immigration Authority Section 287(g) | ICE</title></head>\n<body>\n")
	b = fmt.Appendf(b, "<nav><a href=\"/\">Home</a> <a href=\"/about\">About</a> <a href=\"https://www.dhs.gov/\">DHS</a></nav>\n")
	b = fmt.Appendf(b, "<main><h1>Delegation of Immigration Authority Section 287(g) Immigration and Nationality Act</h1>\n")
	b = fmt.Appendf(b, "<p>ICE has 287(g) agreements with the law enforcement agencies listed below.</p>\n<ul>\n")
	for i := range hrefs {
		if hrefs[i] == "" {
			continue
		}
		b = fmt.Appendf(b, "<li><a href=\"%s\">%s</a> (XLSX)</li>\n", html.EscapeString(hrefs[i]), html.EscapeString(texts[i]))
	}
	b = fmt.Appendf(b, "</ul>\n<p><a href=\"/doclib/about/offices/ero/287g/287gFactSheet.pdf\">Fact sheet</a></p></main>\n</body></html>\n")
	s.SetPage(string(b))
	return paths[0], paths[1]
}

// SetRobots serves txt as /robots.txt (404 until set).
func (s *Server) SetRobots(txt string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots = &txt
}

// Redirect answers from with a 301 to to (a path or a URL).
func (s *Server) Redirect(from, to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redirects[from] = to
}

// Fault queues f for path (PagePath, a doc's path, "/robots.txt").
// Faults queued for one path are served in order.
func (s *Server) Fault(path string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times <= 0 {
		f.Times = 1
	}
	s.faults[path] = append(s.faults[path], &f)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the requests received for path.
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// counter records what a handler wrote.
type counter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (c *counter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *counter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.bytes += int64(n)
	return n, err
}

func (c *counter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// serve is the server's one handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	idx := len(s.requests)
	s.requests = append(s.requests, Request{
		Method:          r.Method,
		Path:            r.URL.Path,
		IfModifiedSince: r.Header.Get("If-Modified-Since"),
		IfNoneMatch:     r.Header.Get("If-None-Match"),
		UserAgent:       r.Header.Get("User-Agent"),
	})
	fault := s.nextFault(r.URL.Path)
	s.mu.Unlock()

	cw := &counter{ResponseWriter: w}
	defer func() {
		s.mu.Lock()
		if idx < len(s.requests) {
			s.requests[idx].Status = cw.status
			s.requests[idx].Bytes = cw.bytes
		}
		s.mu.Unlock()
	}()

	if fault != nil {
		if done := s.serveFault(cw, r, fault); done {
			return
		}
	}
	s.serveNormal(cw, r)
}

// nextFault pops the fault due for path. The caller holds mu.
func (s *Server) nextFault(path string) *Fault {
	q := s.faults[path]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	f.Times--
	if f.Times <= 0 {
		s.faults[path] = q[1:]
	}
	return f
}

// serveFault serves f; it reports false when the normal response should
// follow (a Hold that was released).
func (s *Server) serveFault(w *counter, r *http.Request, f *Fault) bool {
	switch {
	case f.Hold != nil:
		if f.Held != nil {
			select {
			case f.Held <- r.URL.Path:
			case <-r.Context().Done():
				return true
			}
		}
		select {
		case <-f.Hold:
			return false
		case <-r.Context().Done():
			return true
		}
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "%d %s\n", f.Status, http.StatusText(f.Status))
		return true
	case f.BlockPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, BlockPage)
		return true
	case f.Truncate:
		s.mu.Lock()
		fl := s.files[r.URL.Path]
		s.mu.Unlock()
		body := []byte(BlockPage)
		if fl != nil {
			body = fl.body
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		w.Flush()
		// The documented way to drop the connection mid-response.
		panic(http.ErrAbortHandler)
	}
	return false
}

// serveNormal serves robots.txt, redirects, the page and the files.
func (s *Server) serveNormal(w *counter, r *http.Request) {
	s.mu.Lock()
	robots := s.robots
	to, redirect := s.redirects[r.URL.Path]
	page := s.page
	f := s.files[r.URL.Path]
	s.mu.Unlock()

	switch {
	case r.URL.Path == "/robots.txt":
		if robots == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, *robots)
	case redirect:
		http.Redirect(w, r, to, http.StatusMovedPermanently)
	case r.URL.Path == PagePath:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	case f != nil:
		serveFile(w, r, f)
	default:
		http.NotFound(w, r)
	}
}

// serveFile answers like ICE's servers: Last-Modified, 304 on a matching
// If-Modified-Since (or If-None-Match when an ETag is set).
func serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	h := w.Header()
	if !f.lastModified.IsZero() {
		h.Set("Last-Modified", f.lastModified.Format(http.TimeFormat))
	}
	if f.etag != "" {
		h.Set("ETag", f.etag)
	}
	if f.disposition != "" {
		h.Set("Content-Disposition", f.disposition)
	}
	if notModified(r, f) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Length", strconv.Itoa(len(f.body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(f.body)
}

// notModified applies the conditional headers (If-None-Match first, as
// RFC 9110 says).
func notModified(r *http.Request, f *file) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" && f.etag != "" {
		return inm == f.etag || inm == "*"
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || f.lastModified.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	if err != nil {
		return false
	}
	return !f.lastModified.After(t)
}
