package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// TestCachedRendersOncePerKey sends n concurrent requests for a cold key
// (right after a new store version): exactly one renders, the others wait
// for it and get the same bytes.
func TestCachedRendersOncePerKey(t *testing.T) {
	const n = 64
	fx := newFixture(t)
	srv, ts := newTestServer(t, fx.st, fx.at)
	for _, path := range []string{"/", "/api/v1/changes", "/search?q=county"} {
		t.Run(path, func(t *testing.T) {
			var renders atomic.Int64
			waits := make(chan string, n)
			srv.cache.onWait = func(key string) { waits <- key }
			srv.onRender = func(key string) {
				renders.Add(1)
				// Hold the render until every other request waits on it,
				// so the test shows coalescing rather than luck.
				timeout := time.After(20 * time.Second)
				for range n - 1 {
					select {
					case <-waits:
					case <-timeout:
						t.Errorf("render of %s: other requests did not wait for it", key)
						return
					}
				}
			}
			t.Cleanup(func() { srv.cache.onWait, srv.onRender = nil, nil })
			// A new store version: everything cached so far is stale.
			srv.health.Attempt(fx.at)

			bodies := make([][]byte, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					resp, err := ts.Client().Get(ts.URL + path)
					if err != nil {
						t.Errorf("GET %s: %v", path, err)
						return
					}
					defer resp.Body.Close()
					var b bytes.Buffer
					if _, err := b.ReadFrom(resp.Body); err != nil {
						t.Errorf("read %s: %v", path, err)
					}
					if resp.StatusCode != http.StatusOK {
						t.Errorf("GET %s: got status %d, want 200", path, resp.StatusCode)
					}
					bodies[i] = b.Bytes()
				})
			}
			wg.Wait()
			if got := renders.Load(); got != 1 {
				t.Errorf("got %d renders for %d concurrent requests, want 1", got, n)
			}
			for i := range bodies {
				if !bytes.Equal(bodies[i], bodies[0]) || len(bodies[i]) == 0 {
					t.Fatalf("request %d got %d bytes, request 0 got %d, want the same non-empty bytes", i, len(bodies[i]), len(bodies[0]))
				}
			}
			// The next request is answered from the cache.
			get(t, ts, http.MethodGet, path, nil)
			if got := renders.Load(); got != 1 {
				t.Errorf("got %d renders after a cached request, want 1", got)
			}
		})
	}
}

// TestCachedRenderSurvivesLeaderHangingUp: the request that started a
// render goes away; the requests waiting on the render still get it.
func TestCachedRenderSurvivesLeaderHangingUp(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	leaderCtx, hangUp := context.WithCancel(t.Context())
	waiting := make(chan string, 1)
	srv.cache.onWait = func(key string) { waiting <- key }
	started := make(chan struct{})
	srv.onRender = func(string) {
		close(started)
		hangUp()
		select {
		case <-waiting:
		case <-time.After(20 * time.Second):
			t.Error("the second request never waited for the render")
		}
	}
	leader := make(chan *httptest.ResponseRecorder)
	go func() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequestWithContext(leaderCtx, http.MethodGet, "/", nil))
		leader <- rec
	}()
	// Once the leader is rendering, ask for the same page.
	select {
	case <-started:
	case rec := <-leader:
		t.Fatalf("leader finished with %d before rendering", rec.Code)
	}
	rec := recorder(t, srv, "/")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Active participating agreements") {
		t.Errorf("waiter: got status %d, want 200 with the overview", rec.Code)
	}
	<-leader
}

func TestCachePanicReleasesWaiters(t *testing.T) {
	c := newCache(1<<20, 16)
	waiting, started := make(chan struct{}), make(chan struct{})
	c.onWait = func(string) { close(waiting) }
	go func() {
		defer func() { _ = recover() }()
		_, _, _ = c.do(t.Context(), "v1", "k", func() *response {
			close(started)
			<-waiting
			panic("render bug")
		})
	}()
	<-started
	resp, rendered, err := c.do(t.Context(), "v1", "k", func() *response {
		t.Error("second caller rendered, want it to wait for the first")
		return nil
	})
	if err != nil || rendered || resp == nil || resp.status != http.StatusInternalServerError {
		t.Fatalf("got %+v rendered %v err %v, want the shared 500", resp, rendered, err)
	}
	if entries, _ := c.stats(); entries != 0 {
		t.Errorf("got %d cached entries, want the 500 not cached", entries)
	}
}

func TestCacheWaiterGivesUp(t *testing.T) {
	c := newCache(1<<20, 16)
	release := make(chan struct{})
	waiting := make(chan struct{})
	c.onWait = func(string) { close(waiting) }
	done, started := make(chan *response), make(chan struct{})
	go func() {
		resp, _, _ := c.do(context.Background(), "v1", "k", func() *response {
			close(started)
			<-release
			return &response{status: http.StatusOK, body: []byte("x")}
		})
		done <- resp
	}()
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-waiting; cancel() }()
	if _, _, err := c.do(ctx, "v1", "k", nil); err == nil {
		t.Errorf("got no error for a waiter whose request ended, want one")
	}
	close(release)
	if resp := <-done; resp.status != http.StatusOK {
		t.Errorf("leader: got status %d, want 200", resp.status)
	}
}

func TestCacheBounds(t *testing.T) {
	ok := func(n int) func() *response {
		return func() *response { return &response{status: http.StatusOK, body: bytes.Repeat([]byte("x"), n)} }
	}
	tests := map[string]struct {
		maxBytes, maxEntries int
		sizes                []int
		wantEntries          int
		wantBytes            int
	}{
		"entries bound":    {1000, 3, []int{10, 10, 10, 10, 10}, 3, 30},
		"bytes bound":      {100, 100, []int{40, 40, 40}, 2, 80},
		"too big for all":  {100, 100, []int{10, 101}, 1, 10},
		"exactly the size": {100, 100, []int{60, 40}, 2, 100},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCache(tc.maxBytes, tc.maxEntries)
			for i, n := range tc.sizes {
				if _, _, err := c.do(t.Context(), "v", fmt.Sprint(i), ok(n)); err != nil {
					t.Fatalf("do: %v", err)
				}
			}
			entries, b := c.stats()
			if entries != tc.wantEntries || b != tc.wantBytes {
				t.Errorf("got %d entries of %d bytes, want %d of %d", entries, b, tc.wantEntries, tc.wantBytes)
			}
		})
	}
	t.Run("least recently used goes first", func(t *testing.T) {
		c := newCache(1000, 2)
		_, _, _ = c.do(t.Context(), "v", "a", ok(1))
		_, _, _ = c.do(t.Context(), "v", "b", ok(1))
		_, _, _ = c.do(t.Context(), "v", "a", ok(1)) // a is now the most recent
		_, _, _ = c.do(t.Context(), "v", "c", ok(1))
		if _, rendered, _ := c.do(t.Context(), "v", "a", ok(1)); rendered {
			t.Errorf("a was evicted, want b (least recently used) evicted")
		}
		if _, rendered, _ := c.do(t.Context(), "v", "b", ok(1)); !rendered {
			t.Errorf("b was still cached, want it evicted")
		}
	})
	t.Run("new version drops everything", func(t *testing.T) {
		c := newCache(1000, 10)
		_, _, _ = c.do(t.Context(), "v1", "a", ok(1))
		if _, rendered, _ := c.do(t.Context(), "v2", "a", ok(1)); !rendered {
			t.Errorf("got a cached answer of the old version, want a new render")
		}
	})
}

// TestCacheIgnoresUnreadParameters: parameters a route does not read
// cannot force a render each (a crawler or an attacker adding ?n=1, ?n=2…).
func TestCacheIgnoresUnreadParameters(t *testing.T) {
	fx := newFixture(t)
	srv, ts := newTestServer(t, fx.st, fx.at)
	var renders atomic.Int64
	srv.onRender = func(string) { renders.Add(1) }
	tests := []struct {
		paths    []string
		renders  int64
		sameETag bool
	}{
		{[]string{"/?n=1", "/?n=2", "/", "/?utm_source=x"}, 1, true},
		{[]string{"/changes?state=TX&n=1", "/changes?n=2&state=TX", "/changes?state=TX"}, 1, true},
		{[]string{"/api/v1/search?q=harris&n=1", "/api/v1/search?n=2&q=harris"}, 1, true},
		{[]string{"/changes?state=TX", "/changes?state=FL"}, 1, false}, // TX is cached already
	}
	for _, tc := range tests {
		before := renders.Load()
		var etags []string
		for _, p := range tc.paths {
			resp, _ := get(t, ts, http.MethodGet, p, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: got %d, want 200", p, resp.StatusCode)
			}
			etags = append(etags, resp.Header.Get("ETag"))
		}
		if got := renders.Load() - before; got != tc.renders {
			t.Errorf("%v: got %d renders, want %d", tc.paths, got, tc.renders)
		}
		if tc.sameETag && len(slices.Compact(etags)) != 1 {
			t.Errorf("%v: got ETags %q, want one", tc.paths, etags)
		}
	}
}

// TestGzipSharedOnce: concurrent readers that accept gzip get the same
// compressed bytes of one cached answer, which decompress to the page.
func TestGzipSharedOnce(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	_, plain := get(t, ts, http.MethodGet, "/", nil)
	const n = 16
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/", nil)
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Errorf("GET /: %v", err)
				return
			}
			defer resp.Body.Close()
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("got Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Errorf("gunzip: %v", err)
				return
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Errorf("gunzip: %v", err)
			}
			bodies[i] = b
		})
	}
	wg.Wait()
	for i, b := range bodies {
		if !bytes.Equal(b, plain) {
			t.Errorf("reader %d: got %d bytes after gunzip, want the %d of the page", i, len(b), len(plain))
		}
	}
}

// TestCacheServesPreviousVersionWhileRendering: right after a new version,
// the first request renders it and the others get the key's answer of the
// version before at once, without waiting; once the render is done, its
// answer is served. One render in all.
func TestCacheServesPreviousVersionWhileRendering(t *testing.T) {
	c := newCache(1<<20, 16)
	old := func() *response { return &response{status: http.StatusOK, body: []byte("old")} }
	if _, _, err := c.do(t.Context(), "v1", "k", old); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c.onWait = func(string) {
		t.Error("a request waited for the render, want it answered with the version before")
		cancel()
	}
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan *response)
	var renders atomic.Int64
	render := func() *response {
		renders.Add(1)
		close(started)
		<-release
		return &response{status: http.StatusOK, body: []byte("new")}
	}
	go func() {
		resp, _, _ := c.do(context.Background(), "v2", "k", render)
		done <- resp
	}()
	<-started
	for range 8 {
		resp, rendered, err := c.do(ctx, "v2", "k", render)
		if err != nil || rendered || resp == nil || string(resp.body) != "old" || resp.version != "v1" {
			t.Fatalf("during the render: got %+v rendered %v err %v, want the v1 answer at once", resp, rendered, err)
		}
	}
	close(release)
	if resp := <-done; string(resp.body) != "new" || resp.version != "v2" {
		t.Errorf("leader: got %q of %q, want \"new\" of v2", resp.body, resp.version)
	}
	resp, rendered, err := c.do(ctx, "v2", "k", render)
	if err != nil || rendered || string(resp.body) != "new" {
		t.Errorf("after the render: got %q rendered %v err %v, want the cached v2 answer", resp.body, rendered, err)
	}
	if got := renders.Load(); got != 1 {
		t.Errorf("got %d renders, want 1", got)
	}
}

// TestStaleAnswerKeepsItsETag: a request answered with the version before
// (while the new one renders) gets that version's ETag, so the client
// revalidates and gets the new answer next time.
func TestStaleAnswerKeepsItsETag(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	first := recorder(t, srv, "/changes")
	oldETag := first.Header().Get("ETag")
	fx.commitFile(t, sheet.Participating, "participatingAgencies03012025am.xlsx", "2025-03-01", fx.at.Add(time.Hour),
		[]sheet.Record{alachua})
	started, release := make(chan struct{}), make(chan struct{})
	srv.onRender = func(string) { close(started); <-release }
	srv.cache.onWait = func(string) {
		t.Error("a request waited for the render, want the answer of the version before")
		close(release)
	}
	leader := make(chan *httptest.ResponseRecorder)
	go func() { leader <- recorder(t, srv, "/changes") }()
	<-started
	during := recorder(t, srv, "/changes")
	if during.Header().Get("ETag") != oldETag || during.Body.String() != first.Body.String() {
		t.Errorf("during the render: got ETag %q, want the old %q with the old body", during.Header().Get("ETag"), oldETag)
	}
	srv.cache.onWait = nil
	close(release)
	srv.onRender = nil
	after := <-leader
	if got := after.Header().Get("ETag"); got == oldETag || got == "" {
		t.Errorf("the render's answer: got ETag %q, want a new one", got)
	}
	rec := getPage(t, srv, "/changes", http.Header{"If-None-Match": {oldETag}})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") != after.Header().Get("ETag") {
		t.Errorf("revalidating the old ETag: got %d with ETag %q, want 200 with %q", rec.Code, rec.Header().Get("ETag"), after.Header().Get("ETag"))
	}
}

// TestPollKeepsOtherRoutesCached: once the fetch loop has polled (the
// overview's version carries the health generation), asking for / does
// not drop the other pages' answers, nor they the overview's.
func TestPollKeepsOtherRoutesCached(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	var renders atomic.Int64
	srv.onRender = func(string) { renders.Add(1) }
	srv.health.Attempt(fx.at)
	srv.health.Success(fx.at)
	for range 3 {
		for _, p := range []string{"/", "/changes", "/api/v1/changes"} {
			if rec := recorder(t, srv, p); rec.Code != http.StatusOK {
				t.Fatalf("GET %s: got %d, want 200", p, rec.Code)
			}
		}
	}
	if got := renders.Load(); got != 3 {
		t.Errorf("three rounds of three pages: got %d renders, want 3", got)
	}
}

// TestGzipETag: the gzipped answer is another representation with its own
// ETag; Vary says so; If-None-Match with either ETag answers 304 with the
// ETag of the encoding asked for.
func TestGzipETag(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	plain := getPage(t, srv, "/api/v1/changes", nil)
	zipped := getPage(t, srv, "/api/v1/changes", gz)
	pe, ze := plain.Header().Get("ETag"), zipped.Header().Get("ETag")
	switch {
	case zipped.Header().Get("Content-Encoding") != "gzip":
		t.Fatalf("got Content-Encoding %q, want gzip", zipped.Header().Get("Content-Encoding"))
	case plain.Header().Get("Content-Encoding") != "":
		t.Errorf("without Accept-Encoding: got Content-Encoding %q, want none", plain.Header().Get("Content-Encoding"))
	case pe == "" || ze == "" || pe == ze:
		t.Errorf("got ETags %q (identity) and %q (gzip), want two different ones", pe, ze)
	}
	for _, rec := range []*httptest.ResponseRecorder{plain, zipped} {
		if got := rec.Header().Get("Vary"); got != "Accept-Encoding" {
			t.Errorf("got Vary %q, want Accept-Encoding", got)
		}
	}
	tests := map[string]struct {
		hdr      http.Header
		wantETag string
	}{
		"gzip etag, gzip client":         {http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {ze}}, ze},
		"identity etag, identity client": {http.Header{"If-None-Match": {pe}}, pe},
		"identity etag, gzip client":     {http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {pe}}, pe},
		"gzip etag, identity client":     {http.Header{"If-None-Match": {`W/` + ze}}, ze},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := getPage(t, srv, "/api/v1/changes", tc.hdr)
			if rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != tc.wantETag {
				t.Errorf("got %d with ETag %q, want 304 with %q", rec.Code, rec.Header().Get("ETag"), tc.wantETag)
			}
		})
	}
}
