package diff

import (
	"context"
	"errors"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// cancelAfter is a context whose Err turns to Canceled at its n-th call, so
// a test can end a comparison half-way without a clock.
type cancelAfter struct {
	context.Context
	n, calls int
}

func (c *cancelAfter) Err() error {
	c.calls++
	if c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

func TestCompareContextCancel(t *testing.T) {
	old, cur, _ := renameLists(1200)
	pending := make([]Agreement, len(old))
	copy(pending, old)
	// Count the checks of an uncancelled run, then cancel at each of them.
	count := &cancelAfter{Context: context.Background(), n: 1 << 30}
	if _, err := CompareContext(count, sheet.Participating, old[:600], cur, Options{Pending: pending}); err != nil {
		t.Fatalf("uncancelled: got %v, want nil", err)
	}
	if count.calls < 8 {
		t.Fatalf("got %d context checks for 1,200 rows, want at least 8 (one every few hundred rows)", count.calls)
	}
	for n := 1; n <= count.calls; n++ {
		ctx := &cancelAfter{Context: context.Background(), n: n}
		res, err := CompareContext(ctx, sheet.Participating, old[:600], cur, Options{Pending: pending})
		if !errors.Is(err, context.Canceled) || res != nil {
			t.Fatalf("cancelled at check %d: got %v, %v; want nil, context.Canceled", n, res != nil, err)
		}
	}
}
