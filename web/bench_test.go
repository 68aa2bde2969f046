package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// benchPath measures one URL served in-process from a real store: after
// the first request, each costs a version read and a copy of cached bytes.
func benchPath(b *testing.B, path string) {
	fx := newFixture(b)
	srv := New(Options{Store: fx.st, Now: func() time.Time { return fx.at }})
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
