package web

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// benchPath measures one URL served in-process from a real store: after
// the first request, each costs a version read and a copy of cached bytes.
func benchPath(b *testing.B, path string) {
	fx := newFixture(b)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: got %d, want 200", path, rec.Code)
		}
	}
}

func BenchmarkChanges(b *testing.B)  { benchPath(b, "/api/v1/changes?limit=50") }
func BenchmarkOverview(b *testing.B) { benchPath(b, "/") }

// BenchmarkColdOverview256 is the moment after a poll: a new store version
// and 256 readers asking for / at once. One render serves them all.
func BenchmarkColdOverview256(b *testing.B) {
	fx := newFixture(b)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	b.ReportAllocs()
	for b.Loop() {
		srv.health.Attempt(fx.at) // a new version: the cache is cold
		var wg sync.WaitGroup
		for range 256 {
			wg.Go(func() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
				if rec.Code != http.StatusOK {
					b.Errorf("GET /: got %d, want 200", rec.Code)
				}
			})
		}
		wg.Wait()
	}
}

// BenchmarkStoreSearchRender renders /search for a new query each time
// (the response cache bypassed), on the store WATCH287G_BENCH_DB names.
func BenchmarkStoreSearchRender(b *testing.B) {
	_, newServer := benchStoreServer(b)
	srv := newServer()
	queries := []string{"county", "sheriff", "harris", "police", "department", "jail"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/search?q="+queries[i%len(queries)], nil)
		i++
		if resp := srv.searchPage(req); resp.status != http.StatusOK {
			b.Fatalf("search: got %d, want 200", resp.status)
		}
	}
}
