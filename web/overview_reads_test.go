package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// countingStore is the real store, counting the reads whose cost grows
// with the history, and the aggregates' reads that replace them.
type countingStore struct {
	*store.Store
	mu       sync.Mutex
	removals int // Changes queries for removals
	finds    int // FindAgreements and FormerAgreements calls
	whole    int // Series and Snapshots calls: every snapshot record
	summary  int // FormerSummaries calls: the index of former agreements
}

func (c *countingStore) count(n *int) {
	c.mu.Lock()
	*n++
	c.mu.Unlock()
}

func (c *countingStore) Changes(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error) {
	if slices.Contains(q.Filter.Kinds, diff.Removed) {
		c.count(&c.removals)
	}
	return c.Store.Changes(ctx, q)
}

func (c *countingStore) FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error) {
	c.count(&c.finds)
	return c.Store.FindAgreements(ctx, query)
}

func (c *countingStore) FormerAgreements(ctx context.Context, list sheet.List, since string) ([]store.AgreementInfo, error) {
	c.count(&c.finds)
	return c.Store.FormerAgreements(ctx, list, since)
}

func (c *countingStore) FormerSummaries(ctx context.Context, list sheet.List, since string) ([]store.FormerSummary, error) {
	c.count(&c.summary)
	return c.Store.FormerSummaries(ctx, list, since)
}

func (c *countingStore) Series(ctx context.Context) ([]store.Series, error) {
	c.count(&c.whole)
	return c.Store.Series(ctx)
}

func (c *countingStore) Snapshots(ctx context.Context) ([]store.Snapshot, error) {
	c.count(&c.whole)
	return c.Store.Snapshots(ctx)
}

func (c *countingStore) counts() (removals, finds int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.removals, c.finds
}

func (c *countingStore) aggregateCounts() (whole, summary int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.whole, c.summary
}

// TestOverviewReadsLifecycle: the overview's "left the list this year"
// and the states table's endings come from the agreements' lifecycle
// status, without decoding the history's removals; and a poll that brought
// nothing (a new health generation, the same data) re-renders the page
// without reading the agreements again, while a new list does.
func TestOverviewReadsLifecycle(t *testing.T) {
	fx := newFixture(t) // part2 drops Alachua (FL) on 2025-02-01
	cs := &countingStore{Store: fx.st}
	health := NewHealth(fx.at)
	srv := New(Options{Store: cs, PublicURL: testPublicURL, Health: health, Now: func() time.Time { return fx.at }})
	get := func(path string) string {
		t.Helper()
		rec := getPage(t, srv, path, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200", path, rec.Code)
		}
		return rec.Body.String()
	}
	page := get("/")
	if !strings.Contains(page, "left the list in 2025</dt><dd>1") {
		t.Errorf("overview: got no \"left the list in 2025\" of 1 in\n%s", page)
	}
	csv := get("/states.csv")
	if !strings.Contains(csv, "FL,Florida,0,0,0,0,0,1") {
		t.Errorf("states.csv: got no Florida row ending 1 in\n%s", csv)
	}
	removals, finds := cs.counts()
	if removals != 0 {
		t.Errorf("overview and states.csv: got %d queries for removals, want 0 (the lifecycle status answers)", removals)
	}
	// The store's aggregates answer: no agreement or snapshot record is
	// read whole, and the index of former agreements once per version.
	whole, summary := cs.aggregateCounts()
	if finds != 0 || whole != 0 {
		t.Errorf("overview and states.csv: got %d reads of every agreement and %d of every snapshot, want 0 (the aggregates answer)", finds, whole)
	}
	if summary != 1 {
		t.Errorf("overview and states.csv of one data version: got %d reads of the former agreements, want 1", summary)
	}

	health.Attempt(fx.at.Add(time.Minute)) // a poll that brought nothing
	get("/")
	if _, again := cs.aggregateCounts(); again != summary {
		t.Errorf("overview after a poll that brought nothing: got %d reads of the former agreements, want %d", again, summary)
	}

	fx.commitFile(t, sheet.Participating, "participatingAgencies02032025am.xlsx", "2025-02-03", fx.at.Add(48*time.Hour),
		[]sheet.Record{harris, travis, cobb, tulsa})
	page = get("/")
	if _, after := cs.aggregateCounts(); after != summary+1 {
		t.Errorf("overview after a new list: got %d reads of the former agreements, want %d", after, summary+1)
	}
	if _, finds := cs.counts(); finds != 0 {
		t.Errorf("overview after a new list: got %d reads of every agreement, want 0", finds)
	}
	if !strings.Contains(page, "2025-02-03") && !strings.Contains(page, "February 3, 2025") {
		t.Errorf("overview after a new list: the new list's date is not shown")
	}
}

// plainStore hides every optional method of the real store: the
// overview answers from FindAgreements.
type plainStore struct{ Store }

// TestOverviewFormerMatchesEveryAgreement: the overview counted from the
// current list and the store's aggregates (former agreements summarised,
// the series without its counts by state, the states ever listed) says
// what it says counted from every agreement ever listed and every
// snapshot.
func TestOverviewFormerMatchesEveryAgreement(t *testing.T) {
	fx := newFixture(t)
	// Cobb leaves too, later: two endings in two weeks.
	fx.commitFile(t, sheet.Participating, "participatingAgencies02102025am.xlsx", "2025-02-10", fx.at.Add(9*24*time.Hour),
		[]sheet.Record{harris, travis, tulsa})
	now := func() time.Time { return fx.at }
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	fast, err := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: now}).overviewStoreData(req)
	if err != nil {
		t.Fatalf("overview from former agreements: %v", err)
	}
	plain, err := New(Options{Store: plainStore{fx.st}, PublicURL: testPublicURL, Now: now}).overviewStoreData(req)
	if err != nil {
		t.Fatalf("overview from every agreement: %v", err)
	}
	if fast.EndedThisYear != 2 {
		t.Errorf("ended this year: got %d, want 2", fast.EndedThisYear)
	}
	sameOverview(t, "", fast, plain)
	samePages(t, fx.st, now, "/states/FL", "/states/TX", "/states/GA", "/states.csv")
	sameEndingLists(t, New(Options{Store: fx.st, PublicURL: testPublicURL, Now: now}), "FL", "GA")
}

// sameOverview compares what the overview shows, read from the aggregates
// (fast) and from every record (plain); label prefixes each difference.
func sameOverview(t *testing.T, label string, fast, plain overviewPage) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"participating", fast.Participating, plain.Participating},
		{"published", fast.Published, plain.Published},
		{"pending", fast.Pending, plain.Pending},
		{"ended this year", fast.EndedThisYear, plain.EndedThisYear},
		{"unconfirmed", fast.Unconfirmed, plain.Unconfirmed},
		{"states", fmt.Sprint(fast.States), fmt.Sprint(plain.States)},
		{"weekly chart", fast.Weekly, plain.Weekly},
		{"map", fast.Map, plain.Map},
		{"chart by model", fast.Chart, plain.Chart},
	} {
		if c.got != c.want {
			t.Errorf("%s%s: got %v, want %v", label, c.name, c.got, c.want)
		}
	}
}
