package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
)

// These benchmarks read a store imported by `watch287g import` (the real
// corpus, or internal/replaygen's ten-year replay), named by
// WATCH287G_BENCH_DB and opened read-only; they skip without it.
//
//	go run ./internal/replaygen -out /tmp/replay -years 10 -seed 1
//	watch287g --db /tmp/replay.db import /tmp/replay
//	WATCH287G_BENCH_DB=/tmp/replay.db go test -run '^$' -bench Store ./web/

func benchStoreServer(b *testing.B) (*store.Store, func() *Server) {
	b.Helper()
	path := os.Getenv("WATCH287G_BENCH_DB")
	if path == "" {
		b.Skip("WATCH287G_BENCH_DB names no store to read")
	}
	open := func() *store.Store {
		st, err := store.Open(path, store.Options{ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatalf("open %s: %v", path, err)
		}
		return st
	}
	st := open()
	b.Cleanup(func() { _ = st.Close() })
	latest, err := st.Latest(b.Context(), "participating")
	if err != nil {
		b.Fatalf("latest: %v", err)
	}
	now := latest.LastSeen.Add(time.Hour)
	return st, func() *Server {
		return New(Options{Store: st, PublicURL: testPublicURL, Now: func() time.Time { return now },
			Logger: slog.New(slog.DiscardHandler)})
	}
}

// benchStorePath measures the first request for path on a store just
// opened: a process started on ten years of lists, every memo cold.
func benchStorePath(b *testing.B, path string) {
	path0 := os.Getenv("WATCH287G_BENCH_DB")
	if path0 == "" {
		b.Skip("WATCH287G_BENCH_DB names no store to read")
	}
	// The clock comes from another handle: read on the one measured, the
	// latest list would be decoded (and cached) before the request.
	first, err := store.Open(path0, store.Options{ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	latest, _ := first.Latest(b.Context(), "participating")
	now := latest.LastSeen.Add(time.Hour)
	if err := first.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(path0, store.Options{ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatalf("open: %v", err)
		}
		srv := New(Options{Store: st, PublicURL: testPublicURL, Now: func() time.Time { return now },
			Logger: slog.New(slog.DiscardHandler)})
		b.StartTimer()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		b.StopTimer()
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: got %d, want 200", path, rec.Code)
		}
		_ = st.Close()
		b.StartTimer()
	}
}

func BenchmarkStoreFirstOverview(b *testing.B)  { benchStorePath(b, "/") }
func BenchmarkStoreFirstSnapshots(b *testing.B) { benchStorePath(b, "/snapshots") }
func BenchmarkStoreFirstState(b *testing.B)     { benchStorePath(b, "/states/TX") }
func BenchmarkStoreFirstStatesCSV(b *testing.B) { benchStorePath(b, "/states.csv") }

// The API's snapshots: every one (the unpaged contract) and one page.
func BenchmarkStoreFirstAPISnapshots(b *testing.B) { benchStorePath(b, "/api/v1/snapshots") }
func BenchmarkStoreFirstAPISnapshotsPage(b *testing.B) {
	benchStorePath(b, "/api/v1/snapshots?limit=500")
}

// BenchmarkStoreFirstSnapshotPage is one list's page (snapshot 2: its
// neighbours are found walking the series).
func BenchmarkStoreFirstSnapshotPage(b *testing.B) { benchStorePath(b, "/snapshots/2") }

// BenchmarkStoreOverviewRender is the overview's data read and rendered
// again on the same store (the response cache and the overview's data
// memo bypassed): what a new store version costs in a serve whose store
// memos follow its own commits.
func BenchmarkStoreOverviewRender(b *testing.B) {
	_, newServer := benchStoreServer(b)
	srv := newServer()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		d, err := srv.overviewStoreData(req)
		if err != nil {
			b.Fatalf("overview data: %v", err)
		}
		if resp := srv.render(http.StatusOK, "overview", d); resp.status != http.StatusOK {
			b.Fatalf("overview: got %d, want 200", resp.status)
		}
	}
}

// BenchmarkStoreOverviewPoll is the overview after a poll that brought
// nothing: a new cache key (the last check changed), the same data.
func BenchmarkStoreOverviewPoll(b *testing.B) {
	_, newServer := benchStoreServer(b)
	srv := newServer()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		if resp := srv.overview(req); resp.status != http.StatusOK {
			b.Fatalf("overview: got %d, want 200", resp.status)
		}
	}
}
