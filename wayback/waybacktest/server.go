// Package waybacktest is a stand-in for the Internet Archive's Wayback
// Machine on loopback: a real HTTP server with a CDX API
// (/cdx/search/cdx: url, matchType, output=json, fl, filter, collapse,
// from, to, limit, showResumeKey, resumeKey) and raw playback
// (/web/<timestamp>id_/<original>, original headers as X-Archive-Orig-*),
// built from captures a test adds: real corpus files (CorpusDocs) or
// generated workbooks, published through captures of the 287(g) page
// (Publish), with the archive's quirks: CDX paging, 503s and 429s with
// Retry-After (Fault), dropped connections, gzip bodies without
// Content-Encoding, redirects to the nearest capture, warc/revisit records,
// captured block pages and truncated captures, duplicate captures, and
// decoy workbooks under the download prefix that no page links.
//
// It logs every request with its start and end, so tests can prove
// politeness: never two at once, none inside the delay, each digest
// downloaded once.
package waybacktest

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ICE is the host the captures are of.
const ICE = "www.ice.gov"

// BlockPage is a captured 200 "Access Denied" page under a file's URL.
const BlockPage = `<!DOCTYPE html><html><head><title>Access Denied</title></head>` +
	`<body><h1>Access Denied</h1><p>You don't have permission to access this resource.</p></body></html>`

// Mime types the archive records.
const (
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	HTML = "text/html"
)

// Capture is one archived response.
type Capture struct {
	// Timestamp is YYYYMMDDhhmmss, UTC.
	Timestamp string
	// Original is the captured URL, https://www.ice.gov/….
	Original string
	// MimeType defaults to XLSX for a zip body, else HTML.
	MimeType string
	// Status is the captured status, default 200.
	Status int
	// Body is the payload as captured.
	Body []byte
	// Disposition is the captured Content-Disposition, if any.
	Disposition string
	// Gzip serves the body as a gzip stream with no Content-Encoding.
	Gzip bool
	// Revisit makes the capture a warc/revisit record of the latest earlier
	// capture of the same URL with the same Body: CDX lists it with that
	// digest and mime type warc/revisit; playback redirects to it.
	Revisit bool
	// Truncate keeps only the first Truncate bytes: a capture cut short.
	Truncate int

	digest string
	key    string
}

// Fault is an answer served instead of the normal one.
type Fault struct {
	// Status is served with an HTML body (503, 429, …).
	Status int
	// RetryAfter is sent as the Retry-After header when set.
	RetryAfter string
	// Drop closes the connection without an answer (a refused or reset
	// connection, as the archive does after quick requests).
	Drop bool
}

// Request is one request served.
type Request struct {
	Path  string
	Query url.Values
	// Start and End are when the handler began and finished.
	Start, End time.Time
	Status     int
	// Digest is the capture's digest for a 200 playback of a file.
	Digest string
	// Overlapped is true when another request was in flight.
	Overlapped bool
}

// Server is the stand-in archive.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	caps     []*Capture
	faults   map[string][]Fault // by path prefix: "/cdx/" or "/web/"
	log      []Request
	inflight int
	// pageLimit caps rows per CDX page whatever the client asks (0: none).
	pageLimit int
	nextID    int
	hook      func(path string)
}

// NewServer starts an empty archive, closed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{faults: map[string][]Fault{}, nextID: 100000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the archive's base URL (for --wayback-url).
func (s *Server) URL() string { return s.srv.URL }

// SetPageLimit caps the rows of one CDX page, so a few captures already
// need resume keys.
func (s *Server) SetPageLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLimit = n
}

// Fault queues faults for the next requests whose path starts with prefix
// ("/cdx/" or "/web/"), served one per request, in order.
func (s *Server) Fault(prefix string, fs ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[prefix] = append(s.faults[prefix], fs...)
}

// OnRequest calls hook with each request's path as it arrives (a test
// cancels a backfill in the middle with it).
func (s *Server) OnRequest(hook func(path string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = hook
}

// Add archives captures.
func (s *Server) Add(cs ...Capture) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		c := c
		if c.Status == 0 {
			c.Status = http.StatusOK
		}
		if c.Truncate > 0 && c.Truncate < len(c.Body) {
			c.Body = c.Body[:c.Truncate]
		}
		if c.MimeType == "" {
			c.MimeType = HTML
			if bytes.HasPrefix(c.Body, []byte("PK")) {
				c.MimeType = XLSX
			}
		}
		c.key = urlKey(c.Original)
		c.digest = Digest(c.Body)
		if c.Revisit {
			c.MimeType = "warc/revisit"
		}
		s.caps = append(s.caps, &c)
	}
	slices.SortStableFunc(s.caps, func(a, b *Capture) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.Timestamp, b.Timestamp)
	})
}

// Digest is the archive's digest of a payload: base32 of its SHA-1.
func Digest(b []byte) string {
	sum := sha1.Sum(b)
	return base32.StdEncoding.EncodeToString(sum[:])
}

// NewID returns a fresh file-download id.
func (s *Server) NewID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID += 7
	return s.nextID
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Downloads counts the 200 playbacks of file captures (not pages) by
// digest.
func (s *Server) Downloads() map[string]int {
	out := map[string]int{}
	for _, r := range s.Requests() {
		if r.Digest != "" {
			out[r.Digest]++
		}
	}
	return out
}

// urlKey is how captures are matched: no scheme, no port, lower-case host.
func urlKey(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	host, rest, _ := strings.Cut(u, "/")
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	return strings.ToLower(host) + "/" + rest
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	req := Request{Path: r.URL.Path, Query: r.URL.Query(), Start: time.Now(), Overlapped: s.inflight > 0}
	s.inflight++
	var fault *Fault
	for prefix, q := range s.faults {
		if strings.HasPrefix(r.URL.Path, prefix) && len(q) > 0 {
			f := q[0]
			s.faults[prefix] = q[1:]
			fault = &f
			break
		}
	}
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(r.URL.Path)
	}
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	switch {
	case fault != nil && fault.Drop:
		rec.status = 0
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	case fault != nil:
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		http.Error(rec, http.StatusText(fault.Status), fault.Status)
	case r.URL.Path == "/cdx/search/cdx":
		s.serveCDX(rec, r)
	case strings.HasPrefix(r.URL.Path, "/web/"):
		req.Digest = s.servePlayback(rec, r)
	default:
		http.NotFound(rec, r)
	}
	s.mu.Lock()
	s.inflight--
	req.End, req.Status = time.Now(), rec.status
	if req.Status != http.StatusOK {
		req.Digest = ""
	}
	s.log = append(s.log, req)
	s.mu.Unlock()
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// cdxFields are the fields the archive knows.
var cdxFields = []string{"urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"}

func (c *Capture) field(name string) string {
	switch name {
	case "urlkey":
		return c.key
	case "timestamp":
		return c.Timestamp
	case "original":
		return c.Original
	case "mimetype":
		return c.MimeType
	case "statuscode":
		return strconv.Itoa(c.Status)
	case "digest":
		return c.digest
	case "length":
		return strconv.Itoa(len(c.Body))
	}
	return ""
}

type filter struct {
	field string
	re    *regexp.Regexp
	neg   bool
}

func (s *Server) serveCDX(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target := q.Get("url")
	match := q.Get("matchType")
	if strings.HasSuffix(target, "*") {
		target, match = strings.TrimSuffix(target, "*"), "prefix"
	}
	if target == "" {
		http.Error(w, "url is required", http.StatusBadRequest)
		return
	}
	key := urlKey(target)
	fl := cdxFields
	if v := q.Get("fl"); v != "" {
		fl = strings.Split(v, ",")
	}
	var filters []filter
	for _, f := range q["filter"] {
		neg := strings.HasPrefix(f, "!")
		name, expr, ok := strings.Cut(strings.TrimPrefix(f, "!"), ":")
		re, err := regexp.Compile("^(?:" + expr + ")$")
		if !ok || err != nil {
			http.Error(w, "bad filter "+f, http.StatusBadRequest)
			return
		}
		filters = append(filters, filter{name, re, neg})
	}
	from, to := q.Get("from"), q.Get("to")
	s.mu.Lock()
	var rows []*Capture
	for _, c := range s.caps {
		if match == "prefix" && !strings.HasPrefix(c.key, key) || match != "prefix" && c.key != key {
			continue
		}
		if from != "" && c.Timestamp < pad(from, '0') || to != "" && c.Timestamp > pad(to, '9') {
			continue
		}
		keep := true
		for _, f := range filters {
			if f.re.MatchString(c.field(f.field)) == f.neg {
				keep = false
				break
			}
		}
		if keep {
			rows = append(rows, c)
		}
	}
	limit := s.pageLimit
	s.mu.Unlock()
	if col := q.Get("collapse"); col != "" {
		name, n, _ := strings.Cut(col, ":")
		width, _ := strconv.Atoi(n)
		val := func(c *Capture) string {
			v := c.field(name)
			if width > 0 && len(v) > width {
				v = v[:width]
			}
			return v
		}
		rows = slices.CompactFunc(rows, func(a, b *Capture) bool { return val(a) == val(b) })
	}
	if resume := q.Get("resumeKey"); resume != "" {
		i := slices.IndexFunc(rows, func(c *Capture) bool { return resumeKey(c) > resume })
		if i < 0 {
			i = len(rows)
		}
		rows = rows[i:]
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && (limit == 0 || n < limit) {
		limit = n
	}
	more := ""
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
		if q.Get("showResumeKey") == "true" {
			more = resumeKey(rows[len(rows)-1])
		}
	}
	out := [][]string{}
	if len(rows) > 0 {
		out = append(out, fl)
	}
	for _, c := range rows {
		row := make([]string, len(fl))
		for i, f := range fl {
			row[i] = c.field(f)
		}
		out = append(out, row)
	}
	if more != "" {
		out = append(out, []string{}, []string{more})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func resumeKey(c *Capture) string { return c.key + " " + c.Timestamp }

func pad(ts string, with byte) string {
	for len(ts) < 14 {
		ts += string(with)
	}
	return ts
}

// playback matches /web/<timestamp>id_/<original>.
var playback = regexp.MustCompile(`^/web/(\d{1,14})id_/(.+)$`)

// servePlayback answers raw playback and returns the digest served.
func (s *Server) servePlayback(w http.ResponseWriter, r *http.Request) string {
	m := playback.FindStringSubmatch(r.URL.Path)
	if m == nil {
		http.NotFound(w, r)
		return ""
	}
	ts, orig := m[1], m[2]
	if r.URL.RawQuery != "" {
		orig += "?" + r.URL.RawQuery
	}
	key := urlKey(orig)
	s.mu.Lock()
	var same []*Capture
	for _, c := range s.caps {
		if c.key == key {
			same = append(same, c)
		}
	}
	s.mu.Unlock()
	if len(same) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "<html><body><p>Wayback Machine has not archived that URL.</p></body></html>")
		return ""
	}
	var exact *Capture
	for _, c := range same {
		if c.Timestamp == ts {
			exact = c
		}
	}
	redirect := func(c *Capture) {
		// Absolute, as the archive sends it (http.Redirect would clean
		// the "//" of the original away).
		w.Header().Set("Location", "http://"+r.Host+"/web/"+c.Timestamp+"id_/"+c.Original)
		w.WriteHeader(http.StatusFound)
	}
	if exact == nil {
		// The nearest capture in time, as the archive does.
		want := pad(ts, '0')
		best := same[0]
		for _, c := range same[1:] {
			if distance(c.Timestamp, want) < distance(best.Timestamp, want) {
				best = c
			}
		}
		redirect(best)
		return ""
	}
	if exact.Revisit {
		for i := len(same) - 1; i >= 0; i-- {
			c := same[i]
			if !c.Revisit && c.digest == exact.digest && c.Timestamp < exact.Timestamp {
				redirect(c)
				return ""
			}
		}
		http.NotFound(w, r)
		return ""
	}
	body := exact.Body
	if exact.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
	}
	w.Header().Set("Content-Type", exact.MimeType)
	w.Header().Set("X-Archive-Orig-Content-Type", exact.MimeType)
	if exact.Disposition != "" {
		w.Header().Set("X-Archive-Orig-Content-Disposition", exact.Disposition)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(exact.Status)
	w.Write(body)
	if strings.HasSuffix(exact.key, "/287g") {
		return "" // a capture of the page, not of a file
	}
	return exact.digest
}

func distance(a, b string) time.Duration {
	ta, err1 := time.Parse("20060102150405", pad(a, '0'))
	tb, err2 := time.Parse("20060102150405", pad(b, '0'))
	if err1 != nil || err2 != nil {
		return 1 << 62
	}
	d := ta.Sub(tb)
	if d < 0 {
		d = -d
	}
	return d
}
