package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Bounds of the response cache. The bytes bound keeps a crawler walking
// every search query from growing the process without limit; the entries
// bound keeps the bookkeeping of many tiny answers (404s are not cached,
// but short search results are) small as well.
const (
	defaultCacheBytes   = 24 << 20
	defaultCacheEntries = 2048
)

// maxCachedBody keeps one huge response (the whole agreements list with
// every field) from evicting everything else. It is still rendered once
// for all the requests waiting on it, just not kept.
const maxCachedBody = 4 << 20

// renderTimeout bounds one shared render. The render runs detached from
// the request that started it, so a reader who hangs up does not fail
// everyone waiting on the same key.
const renderTimeout = 30 * time.Second

// response is one rendered answer, ready to be written or cached.
type response struct {
	status      int
	contentType string
	// csp is the Content-Security-Policy header, for pages.
	csp string
	// retryAfter is the Retry-After header of a 503.
	retryAfter string
	// disposition is the Content-Disposition header of a download.
	disposition string
	body        []byte
	// version is the version the response was rendered at (set by
	// cache.do): its ETag's.
	version string
	// gz is body gzipped, computed once by the first request that accepts it.
	gzOnce sync.Once
	gz     []byte
}

// renderFunc renders one request from the store.
type renderFunc func(r *http.Request) *response

// cache holds rendered responses, each with the version it was rendered
// at: an entry answers only requests of its own version, so nothing is
// invalidated by hand (a partial invalidation is where stale pages come
// from), and a route whose version moves (the overview, at every poll)
// does not drop the others' entries.
//
// It renders each key at most once at a time: right after a poll, hundreds
// of readers asking for / must not each render their own copy (that once
// took 857 MB and answered none of them within 10 s). The first request
// renders. The others get the key's answer of the version before, at
// once, while that render runs (so a new version costs the readers of the
// moment no wait, and its ETag is the old one, so they revalidate); with
// no answer before, they wait for the render's bytes.
type cache struct {
	mu         sync.Mutex
	entries    map[string]*list.Element // of *cacheEntry, most recently used first
	lru        *list.List
	bytes      int
	maxBytes   int
	maxEntries int
	// flights are the renders under way, by version and key.
	flights map[string]*flight
	// onWait, when set (by tests), is called each time a request starts
	// waiting for another's render.
	onWait func(key string)

	// overview is the overview's data of one data version (overviewData).
	overviewMu  sync.Mutex
	overviewKey string
	overview    overviewPage
	// ever is the states with a participating agreement in any list up
	// to snapshot everThrough: lists are only ever appended, so each new
	// version scans only the lists since.
	ever        map[string]bool
	everThrough uint64

	// agencyList is every agency of data version agencyVersion
	// (agencyIndex).
	agencyMu      sync.Mutex
	agencyVersion string
	agencyList    []*agency
}

// agencies returns the agency list of version, calling build once per
// version however many searches ask at once ("" keeps nothing: a store
// without a version).
func (c *cache) agencies(version string, build func() ([]*agency, error)) ([]*agency, error) {
	c.agencyMu.Lock()
	defer c.agencyMu.Unlock()
	if version != "" && version == c.agencyVersion {
		return c.agencyList, nil
	}
	list, err := build()
	if err != nil {
		return nil, err
	}
	c.agencyVersion, c.agencyList = version, list
	return list, nil
}

// everStates returns the states with a participating agreement in any of
// series' lists (a copy the caller may change), scanning only the lists
// after the last call's.
func (c *cache) everStates(series []store.Series) map[string]bool {
	c.overviewMu.Lock()
	defer c.overviewMu.Unlock()
	if c.ever == nil {
		c.ever = map[string]bool{}
	}
	through := c.everThrough
	for i := len(series) - 1; i >= 0 && series[i].SnapshotID > c.everThrough; i-- {
		if series[i].List == sheet.Participating {
			for code := range series[i].ByState {
				c.ever[code] = true
			}
		}
		through = max(through, series[i].SnapshotID)
	}
	c.everThrough = through
	out := make(map[string]bool, len(c.ever))
	for code := range c.ever {
		out[code] = true
	}
	return out
}

// overviewData returns the overview's data kept for key, if any ("" keys
// nothing: a store without a version).
func (c *cache) overviewData(key string) (overviewPage, bool) {
	c.overviewMu.Lock()
	defer c.overviewMu.Unlock()
	if key == "" || key != c.overviewKey {
		return overviewPage{}, false
	}
	return c.overview, true
}

// setOverviewData keeps d as the overview's data of key.
func (c *cache) setOverviewData(key string, d overviewPage) {
	if key == "" {
		return
	}
	c.overviewMu.Lock()
	defer c.overviewMu.Unlock()
	c.overviewKey, c.overview = key, d
}

type cacheEntry struct {
	key  string
	resp *response
}

// flight is one render that other requests for the same key wait on.
type flight struct {
	done chan struct{}
	resp *response
}

func newCache(maxBytes, maxEntries int) *cache {
	return &cache{entries: map[string]*list.Element{}, lru: list.New(), maxBytes: maxBytes,
		maxEntries: maxEntries, flights: map[string]*flight{}}
}

// errCanceled is what do returns to a waiter whose own request ended
// before the shared render did.
var errCanceled = errors.New("request ended while waiting for a render")

// do returns the response for key at version: from the cache, the key's
// answer of an earlier version while another request renders this one,
// a render another request has under way, or by calling render. rendered
// reports whether this call ran render; resp.version says which version
// resp is. Only 200 answers are kept; every answer is shared with the
// requests that waited for it.
func (c *cache) do(ctx context.Context, version, key string, render func() *response) (resp *response, rendered bool, err error) {
	c.mu.Lock()
	el, cached := c.entries[key]
	if cached {
		c.lru.MoveToFront(el)
		if r := el.Value.(*cacheEntry).resp; r.version == version {
			c.mu.Unlock()
			return r, false, nil
		}
	}
	fkey := version + "\x00" + key
	if f, ok := c.flights[fkey]; ok {
		if cached {
			c.mu.Unlock()
			return el.Value.(*cacheEntry).resp, false, nil
		}
		c.mu.Unlock()
		if c.onWait != nil {
			c.onWait(key)
		}
		select {
		case <-f.done:
			return f.resp, false, nil
		case <-ctx.Done():
			return nil, false, errCanceled
		}
	}
	f := &flight{done: make(chan struct{})}
	c.flights[fkey] = f
	c.mu.Unlock()

	defer func() {
		// Runs on a panic in render too, so no waiter is left hanging;
		// net/http still logs the panic.
		if f.resp == nil {
			f.resp = &response{status: http.StatusInternalServerError, contentType: "text/plain; charset=utf-8",
				body: []byte("internal error\n")}
		}
		f.resp.version = version
		c.mu.Lock()
		delete(c.flights, fkey)
		if f.resp.status == http.StatusOK {
			c.putLocked(key, f.resp)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.resp = render()
	return f.resp, true, nil
}

// putLocked keeps resp under key, evicting the least recently used
// entries until both bounds hold.
func (c *cache) putLocked(key string, resp *response) {
	if len(resp.body) > maxCachedBody || len(resp.body) > c.maxBytes {
		return
	}
	if el, ok := c.entries[key]; ok {
		c.bytes -= len(el.Value.(*cacheEntry).resp.body)
		c.lru.Remove(el)
		delete(c.entries, key)
	}
	for c.lru.Len() > 0 && (c.bytes+len(resp.body) > c.maxBytes || c.lru.Len() >= c.maxEntries) {
		old := c.lru.Back()
		e := old.Value.(*cacheEntry)
		c.lru.Remove(old)
		delete(c.entries, e.key)
		c.bytes -= len(e.resp.body)
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, resp: resp})
	c.bytes += len(resp.body)
}

// stats returns the number of cached entries and their bytes.
func (c *cache) stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}

// gzipped returns r's body compressed, computing it once however many
// requests ask at the same moment.
func (r *response) gzipped() []byte {
	r.gzOnce.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed) // only fails on a bad level
		_, _ = zw.Write(r.body)                          // writes to memory cannot fail
		_ = zw.Close()
		r.gz = b.Bytes()
	})
	return r.gz
}

// version is what the cache and ETags are keyed by: the store's version
// and, for the overview (withHealth: the one page that shows the last
// fetch), the fetch loop's health generation. The store's version moves
// only with the data (not with a poll's check record), so a poll that
// brought nothing keeps every other page cached.
func (s *Server) version(ctx context.Context, withHealth bool) (string, error) {
	var hv uint64
	if withHealth {
		hv = s.health.generation()
		// The overview shows a backfill's progress: while one runs, each
		// step is a new version of the page.
		if done, total, running := s.historyProgress(); running {
			hv = hv<<32 | uint64(total)<<16 | uint64(done)
		}
	}
	if v, ok := s.store.(Versioner); ok {
		sv, err := v.Version(ctx)
		if err != nil {
			return "", fmt.Errorf("store version: %w", err)
		}
		return sv + "/" + strconv.FormatUint(hv, 10), nil
	}
	var b strings.Builder
	changes, _, err := s.store.Changes(ctx, store.ChangeQuery{Limit: 1})
	if err != nil {
		return "", fmt.Errorf("version: newest change: %w", err)
	}
	if len(changes) > 0 {
		fmt.Fprintf(&b, "c%d", changes[0].ID)
	}
	for _, l := range []sheet.List{sheet.Participating, sheet.Pending} {
		snap, err := s.store.Latest(ctx, l)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return "", fmt.Errorf("version: latest %s: %w", l, err)
		default:
			fmt.Fprintf(&b, "s%d.%d", snap.ID, snap.LastSeen.UnixNano())
		}
	}
	checks, err := s.store.Checks(ctx, 1)
	if err != nil {
		return "", fmt.Errorf("version: last check: %w", err)
	}
	if len(checks) > 0 {
		fmt.Fprintf(&b, "k%d", checks[0].At.UnixNano())
	}
	fmt.Fprintf(&b, "/%d", hv)
	return b.String(), nil
}

// maxRawQuery bounds the query string of every cached URL: the longest
// legitimate one (every state in a filter) is a few hundred bytes, and the
// query is part of the cache key.
const maxRawQuery = 2048

// cached serves render's output from the cache while the version holds,
// with an ETag derived from the version and the URL. Concurrent requests
// for one URL share one render.
//
// params are the query parameters the route reads. The cache key and the
// request render sees hold those alone, in a canonical order, so
// "/?x=1", "/?x=2"… cannot each force a render of the overview.
func (s *Server) cached(render renderFunc, params ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if isCORSPath(r.URL.Path) {
			setCORS(w.Header())
		}
		if len(r.URL.RawQuery) > maxRawQuery {
			s.write(w, r, s.errorFor(r, http.StatusRequestURITooLong,
				fmt.Sprintf("the query string is longer than %d bytes", maxRawQuery)), "")
			return
		}
		ver, err := s.version(r.Context(), r.URL.Path == "/")
		if err != nil {
			s.log.Error("read store version", slog.Any("error", err))
			s.write(w, r, render(r), "")
			return
		}
		canon := canonicalURL(r.URL, params)
		key := canon.Path + "?" + canon.RawQuery
		etag := etagFor(ver, key)
		if match := etagHeld(r.Header.Get("If-None-Match"), etag); match != "" {
			// The client holds this version already: no need to render.
			w.Header().Set("ETag", match)
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		resp, _, err := s.cache.do(r.Context(), ver, key, func() *response {
			if s.onRender != nil {
				s.onRender(key)
			}
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), renderTimeout)
			defer cancel()
			rr := r.WithContext(ctx)
			rr.URL = canon
			return render(rr)
		})
		if err != nil {
			return // the client went away while waiting
		}
		if resp.version != ver {
			// The answer of the version before, while this one renders.
			etag = etagFor(resp.version, key)
		}
		s.write(w, r, resp, etag)
	}
}

// canonicalURL is u with only params in its query, encoded in key order
// (a parameter's own values keep their order).
func canonicalURL(u *url.URL, params []string) *url.URL {
	c := *u
	c.RawQuery = ""
	if len(params) > 0 && u.RawQuery != "" {
		q := u.Query()
		keep := url.Values{}
		for _, p := range params {
			if v, ok := q[p]; ok {
				keep[p] = v
			}
		}
		c.RawQuery = keep.Encode()
	}
	return &c
}

// write sends resp, answering 304 when the client holds etag already.
// The gzipped body is another representation with its own ETag (etag with
// "-gz" inside the quotes); If-None-Match with either answers 304, with
// the ETag of the encoding this request would get.
func (s *Server) write(w http.ResponseWriter, r *http.Request, resp *response, etag string) {
	h := w.Header()
	body := resp.body
	gz := len(body) > 1024 && acceptsGzip(r)
	if gz {
		body = resp.gzipped()
	}
	if resp.status == http.StatusOK && etag != "" {
		if gz {
			etag = gzETag(etag)
		}
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Encoding")
		if etagHeld(r.Header.Get("If-None-Match"), etag) != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", resp.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if resp.csp != "" {
		h.Set("Content-Security-Policy", resp.csp)
	}
	if resp.retryAfter != "" {
		h.Set("Retry-After", resp.retryAfter)
	}
	if resp.disposition != "" {
		h.Set("Content-Disposition", resp.disposition)
	}
	h.Set("Vary", "Accept-Encoding")
	if gz {
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // the client went away; nothing to do
	}
}

func etagFor(version, key string) string {
	sum := sha256.Sum256([]byte(version + "\x00" + key))
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// gzETag is the ETag of etag's representation gzipped.
func gzETag(etag string) string {
	return strings.TrimSuffix(etag, `"`) + `-gz"`
}

// etagMatch implements If-None-Match's weak comparison over a list.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// etagHeld is etagMatch for a cached answer, whose identity and gzipped
// bodies (etag and gzETag(etag)) stand for one version: it returns the
// one of the two the client holds, "" when neither.
func etagHeld(header, etag string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(etag, `"`), "-gz") + `"`
	switch {
	case header == "":
		return ""
	case etagMatch(header, base):
		return base
	case etagMatch(header, gzETag(base)):
		return gzETag(base)
	}
	return ""
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) != "gzip" {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		f, err := strconv.ParseFloat(q, 64)
		return err == nil && f > 0
	}
	return false
}
