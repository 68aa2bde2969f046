package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// BenchmarkCommitLarge commits a file that adds n agreements to a list of
// 100: the cost must grow with n, not n² (noteChange used to scan the
// whole new list for each added agreement).
//
//	go test -run '^$' -bench CommitLarge -benchtime 1x ./store/
func BenchmarkCommitLarge(b *testing.B) {
	for _, n := range []int{5000, 20000, 40000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			t := &testing.T{}
			base := input(t, sheet.Participating, "2025-06-01", span(0, 100))
			big := input(t, sheet.Participating, "2025-06-02", span(0, 100+n))
			for b.Loop() {
				b.StopTimer()
				s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Commit(context.Background(), Cycle{At: t0, Inputs: []Input{base}}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := s.Commit(context.Background(), Cycle{At: t0, Inputs: []Input{big}})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if got := len(res.Changes); got != n {
					b.Fatalf("changes: got %d, want %d", got, n)
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// cancelAfter is a context whose Err turns to context.Canceled after its
// first n calls: a cancellation arriving at a chosen point mid-commit,
// with no clock involved.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

// TestCommitCancelledMidway: a commit whose context ends while it works
// through a large file stops with context.Canceled and leaves the store as
// it was.
func TestCommitCancelledMidway(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 100))}})
	before, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	big := input(t, sheet.Participating, "2025-06-02", span(0, 100+5*ctxEvery))
	// Cancelled before the write transaction, inside the diff, while
	// drawing ids, and while writing changes.
	for _, n := range []int{1, 3, 6, 12, 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, err := s.Commit(&cancelAfter{Context: ctx, n: n}, Cycle{At: t0, Inputs: []Input{big}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if after, _ := s.Version(ctx); after != before {
				t.Errorf("store version: got %s, want %s (unchanged)", after, before)
			}
			snaps, _ := s.Snapshots(ctx)
			changes, _, _ := s.Changes(ctx, ChangeQuery{})
			if len(snaps) != 1 || len(changes) != 0 {
				t.Errorf("got %d snapshots and %d changes, want 1 and 0", len(snaps), len(changes))
			}
		})
	}
	// And the same commit, not cancelled, goes through afterwards: the
	// cancelled ones left no half state behind (nor in the cache).
	res := commit(t, s, Cycle{Inputs: []Input{big}})
	if got := len(res.Changes); got != 5*ctxEvery {
		t.Errorf("changes: got %d, want %d", got, 5*ctxEvery)
	}
}
