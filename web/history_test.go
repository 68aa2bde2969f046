package web

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOverviewHistoryProgress: while a backfill runs, the overview says
// how far it has got, and a step of the backfill is a new version of the
// page (the cache does not keep an old count); once it is done the line
// goes.
func TestOverviewHistoryProgress(t *testing.T) {
	fx := newFixture(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	done, total, running := 0, 0, true
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return now }, Health: NewHealth(now),
		History: func() (int, int, bool) {
			mu.Lock()
			defer mu.Unlock()
			return done, total, running
		}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	set := func(d, tot int, r bool) {
		mu.Lock()
		done, total, running = d, tot, r
		mu.Unlock()
	}
	tests := []struct {
		name          string
		done, total   int
		running       bool
		want, notWant string
	}{
		{"looking", 0, 0, true, "looking for archived lists", "files."},
		{"counting", 3, 8, true, "3 of 8 files", "looking"},
		{"a step later", 5, 8, true, "5 of 8 files", "3 of 8"},
		{"done", 8, 8, false, "287(g) agreements today", "Loading history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set(tt.done, tt.total, tt.running)
			resp, b := get(t, ts, "GET", "/", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("GET /: got %d, want 200", resp.StatusCode)
			}
			body := string(b)
			if !strings.Contains(body, tt.want) {
				t.Errorf("overview: want %q in the page", tt.want)
			}
			if strings.Contains(body, tt.notWant) {
				t.Errorf("overview: got %q, want it gone", tt.notWant)
			}
		})
	}
}
