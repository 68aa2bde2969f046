package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// defaultCacheBytes bounds the rendered responses kept in memory, so a
// crawler walking every search query cannot grow the process without limit.
const defaultCacheBytes = 24 << 20

// maxCachedBody keeps one huge response (the whole agreements list with
// every field) from evicting everything else.
const maxCachedBody = 4 << 20

// response is one rendered answer, ready to be written or cached.
type response struct {
	status      int
	contentType string
	// csp is the Content-Security-Policy header, for pages.
	csp  string
	body []byte
	// gz is body gzipped, filled on the first request that accepts it.
	gz []byte
}

// renderFunc renders one request from the store.
type renderFunc func(r *http.Request) *response

// cache holds rendered responses of one store version. A new version drops
// everything: the data changes a few times a day, and a partial
// invalidation is where stale pages come from.
type cache struct {
	mu      sync.RWMutex
	version string
	entries map[string]*response
	bytes   int
	max     int
}

func newCache(max int) *cache {
	return &cache{entries: map[string]*response{}, max: max}
}

func (c *cache) get(version, key string) (*response, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.version != version {
		return nil, false
	}
	r, ok := c.entries[key]
	return r, ok
}

func (c *cache) put(version, key string, r *response) {
	if len(r.body) > maxCachedBody {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version || c.bytes+len(r.body) > c.max {
		c.version = version
		c.entries = map[string]*response{}
		c.bytes = 0
	}
	if old, ok := c.entries[key]; ok {
		c.bytes -= len(old.body)
	}
	c.entries[key] = r
	c.bytes += len(r.body)
}

// gzipped returns r's body compressed, computing it once.
func (c *cache) gzipped(r *response) []byte {
	c.mu.RLock()
	gz := r.gz
	c.mu.RUnlock()
	if gz != nil {
		return gz
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed) // only fails on a bad level
	_, _ = zw.Write(r.body)                          // writes to memory cannot fail
	_ = zw.Close()
	gz = b.Bytes()
	c.mu.Lock()
	r.gz = gz
	c.mu.Unlock()
	return gz
}

// version is what the cache and ETags are keyed by: the store's version
// and the fetch loop's health generation (the overview shows the last fetch).
func (s *Server) version(ctx context.Context) (string, error) {
	hv := s.health.generation()
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

// cached serves render's output from the cache while the version holds,
// with an ETag derived from the version and the URL.
func (s *Server) cached(render renderFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if isCORSPath(r.URL.Path) {
			setCORS(w.Header())
		}
		ver, err := s.version(r.Context())
		if err != nil {
			s.log.Error("read store version", slog.Any("error", err))
			s.write(w, r, render(r), "")
			return
		}
		key := r.URL.Path + "?" + r.URL.RawQuery
		etag := etagFor(ver, key)
		if resp, ok := s.cache.get(ver, key); ok {
			s.write(w, r, resp, etag)
			return
		}
		resp := render(r)
		if resp.status == http.StatusOK {
			s.cache.put(ver, key, resp)
		}
		s.write(w, r, resp, etag)
	}
}

// write sends resp, answering 304 when the client holds etag already.
func (s *Server) write(w http.ResponseWriter, r *http.Request, resp *response, etag string) {
	h := w.Header()
	if resp.status == http.StatusOK && etag != "" {
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Type", resp.contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	if resp.csp != "" {
		h.Set("Content-Security-Policy", resp.csp)
	}
	h.Add("Vary", "Accept-Encoding")
	body := resp.body
	if len(body) > 1024 && acceptsGzip(r) {
		body = s.cache.gzipped(resp)
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
