package web

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestWarmFillsCache: after Warm, the first visitor's / is answered from
// the cache (no render), with the same bytes a render gives.
func TestWarmFillsCache(t *testing.T) {
	fx := newFixture(t)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	var renders atomic.Int32
	srv.onRender = func(string) { renders.Add(1) }
	srv.Warm(t.Context(), "/", "/snapshots")
	if got := renders.Load(); got != 2 {
		t.Fatalf("Warm of two pages: %d renders, want 2", got)
	}
	rec := recorder(t, srv, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	if got := renders.Load(); got != 2 {
		t.Errorf("GET / after Warm: %d renders in all, want 2 (served from the cache)", got)
	}
	fresh := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	if want := recorder(t, fresh, "/").Body.String(); rec.Body.String() != want {
		t.Errorf("warmed / differs from a fresh render")
	}
}
