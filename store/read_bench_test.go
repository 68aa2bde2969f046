package store

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// The read benchmarks run on a store imported by `watch287g import` (the
// real corpus, or internal/replaygen's ten-year replay), named by
// WATCH287G_BENCH_DB; they skip without it. The file is copied first, so
// the benchmark never holds the original's lock.
//
//	go run ./internal/replaygen -out /tmp/replay -years 10 -seed 1
//	watch287g --db /tmp/replay.db import /tmp/replay
//	WATCH287G_BENCH_DB=/tmp/replay.db go test -run '^$' -bench Read ./store/
func benchStore(b *testing.B) *Store {
	b.Helper()
	src := os.Getenv("WATCH287G_BENCH_DB")
	if src == "" {
		b.Skip("WATCH287G_BENCH_DB names no store to read")
	}
	dst := filepath.Join(b.TempDir(), "bench.db")
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
	if err := out.Close(); err != nil {
		b.Fatal(err)
	}
	s, err := Open(dst, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func BenchmarkReadChangesLastMonth(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	latest, err := s.Latest(ctx, sheet.Participating)
	if err != nil {
		b.Fatal(err)
	}
	last, _ := time.Parse(time.DateOnly, latest.Published)
	for b.Loop() {
		if _, _, err := s.Changes(ctx, ChangeQuery{Since: last.AddDate(0, -1, 0)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadChangesNewest(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, _, err := s.Changes(context.Background(), ChangeQuery{Limit: 15}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadFindAgreements(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.FindAgreements(context.Background(), "Harris County"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadFindAllAgreements(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.FindAgreements(context.Background(), ""); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadLatestAgreements(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, _, err := s.Agreements(context.Background(), sheet.Participating, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSeries(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.Series(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadSnapshots(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.Snapshots(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
