package store

import (
	"context"
	"errors"
	"fmt"
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

func BenchmarkReadSeriesByModel(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		s.forgetMemo() // a process's first read of the data version
		if _, err := s.SeriesByModel(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSince is a year before the newest participating list: the
// overview's endings of this year and its weekly chart's weeks.
func benchSince(b *testing.B, s *Store) string {
	b.Helper()
	latest, err := s.Latest(context.Background(), sheet.Participating)
	if err != nil {
		b.Fatal(err)
	}
	day, err := time.Parse(time.DateOnly, latest.Published)
	if err != nil {
		b.Fatal(err)
	}
	return day.AddDate(-1, 0, 0).Format(time.DateOnly)
}

func BenchmarkReadFormerSummaries(b *testing.B) {
	s := benchStore(b)
	since := benchSince(b, s)
	for b.Loop() {
		if _, err := s.FormerSummaries(context.Background(), sheet.Participating, since); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadFormerAgreements(b *testing.B) {
	s := benchStore(b)
	since := benchSince(b, s)
	for b.Loop() {
		if _, err := s.FormerAgreements(context.Background(), sheet.Participating, since); err != nil {
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

// BenchmarkReadOverviewAfterCommit is the store's share of the first
// render of / after a new list: the process has served pages (its series
// is in memory), commits a list that changes one agreement, then reads
// what the overview reads. The commit is not timed.
func BenchmarkReadOverviewAfterCommit(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	since := benchSince(b, s)
	overview := func() {
		if _, _, err := s.Agreements(ctx, sheet.Participating, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Latest(ctx, sheet.Pending); err != nil && !errors.Is(err, ErrNotFound) {
			b.Fatal(err)
		}
		if _, err := s.SeriesByModel(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.StatesEver(ctx, sheet.Participating); err != nil {
			b.Fatal(err)
		}
		if _, err := s.FormerSummaries(ctx, sheet.Participating, since); err != nil {
			b.Fatal(err)
		}
		if _, _, err := s.Changes(ctx, ChangeQuery{Limit: 15}); err != nil {
			b.Fatal(err)
		}
	}
	overview()
	snap, aggs, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		b.Fatal(err)
	}
	day, _ := time.Parse(time.DateOnly, snap.Published)
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		recs := make([]sheet.Record, 0, len(aggs))
		for i, a := range aggs {
			if i == n%len(aggs) {
				a.Type += " (changed)"
			}
			recs = append(recs, a.Record)
		}
		pub := day.AddDate(0, 0, n).Format(time.DateOnly)
		body := []byte(fmt.Sprintf("bench %d", n))
		in := Input{Name: "participating" + pub + ".xlsx", Body: body, Published: pub, Parsed: &sheet.File{List: sheet.Participating, Records: recs}}
		if _, err := s.Commit(ctx, Cycle{At: day.AddDate(0, 0, n), Inputs: []Input{in}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		overview()
	}
}
