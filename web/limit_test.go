package web

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(1, 1)
	release, err := l.acquire(t.Context())
	if err != nil {
		t.Fatalf("first: got %v, want a slot", err)
	}
	// Someone waiting in line (the line holds the running render and one
	// waiter): the next finds the line full and is refused at once.
	l.line <- struct{}{}
	if _, err := l.acquire(t.Context()); !errors.Is(err, errBusy) {
		t.Errorf("with the line full: got %v, want errBusy", err)
	}
	<-l.line
	// A waiter gets the slot once the running render releases it.
	second := make(chan error, 1)
	go func() {
		rel, err := l.acquire(t.Context())
		if err == nil {
			rel()
		}
		second <- err
	}()
	release()
	if err := <-second; err != nil {
		t.Errorf("waiter: got %v, want a slot once the first was released", err)
	}
	// A waiter whose context ends leaves the line.
	release, _ = l.acquire(t.Context())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled waiter: got %v, want context.Canceled", err)
	}
	if len(l.line) != 1 {
		t.Errorf("got %d in line, want 1 (the canceled waiter gone)", len(l.line))
	}
	release()
}

// TestSearchBusy: when the search pool and its line are full, a new
// search is refused at once with 503 and Retry-After, and pages still
// answer.
func TestSearchBusy(t *testing.T) {
	fx := newFixture(t)
	srv, ts := newTestServer(t, fx.st, fx.at)
	for range cap(srv.searchLimit.slots) {
		srv.searchLimit.slots <- struct{}{}
	}
	for range cap(srv.searchLimit.line) {
		srv.searchLimit.line <- struct{}{}
	}
	for _, path := range []string{"/api/v1/search?q=harris", "/search?q=harris"} {
		resp, body := get(t, ts, http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s: got status %d Retry-After %q, want 503 with Retry-After (%s)", path, resp.StatusCode,
				resp.Header.Get("Retry-After"), body)
		}
	}
	resp, _ := get(t, ts, http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET / while searches are busy: got %d, want 200", resp.StatusCode)
	}
	// The refusal was not cached: once the pool frees, search answers.
	for range cap(srv.searchLimit.line) {
		<-srv.searchLimit.line
	}
	for range cap(srv.searchLimit.slots) {
		<-srv.searchLimit.slots
	}
	resp, _ = get(t, ts, http.MethodGet, "/api/v1/search?q=harris", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("search after the burst: got %d, want 200", resp.StatusCode)
	}
}
