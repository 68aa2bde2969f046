package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/watch287g/watch287g/store"
)

func snapshotIDs(snaps []store.Snapshot) []uint64 {
	ids := make([]uint64, len(snaps))
	for i, s := range snaps {
		ids[i] = s.ID
	}
	return ids
}

// TestAPISnapshotsPaged: without parameters /api/v1/snapshots answers
// every snapshot and no cursor; with limit, following next_cursor reaches
// every snapshot once, in the same order, no page longer than limit; a
// bad limit or cursor is a 400.
func TestAPISnapshotsPaged(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	var raw map[string]json.RawMessage
	getJSON(t, ts, "/api/v1/snapshots", http.StatusOK, &raw)
	if _, ok := raw["next_cursor"]; ok || len(raw) != 1 {
		t.Errorf("/api/v1/snapshots without parameters: got keys %v, want snapshots alone", slices.Collect(func(yield func(string) bool) {
			for k := range raw {
				yield(k)
			}
		}))
	}
	var all SnapshotsResponse
	getJSON(t, ts, "/api/v1/snapshots", http.StatusOK, &all)
	want := snapshotIDs(all.Snapshots)
	if len(want) < 3 {
		t.Fatalf("the fixture has %d snapshots, want 3 or more", len(want))
	}
	for _, limit := range []int{1, 2, len(want), 1000} {
		var got []uint64
		path := fmt.Sprintf("/api/v1/snapshots?limit=%d", limit)
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("limit %d: more pages than snapshots", limit)
			}
			var page SnapshotsPageResponse
			getJSON(t, ts, path, http.StatusOK, &page)
			if len(page.Snapshots) > limit {
				t.Errorf("%s: got %d snapshots, want at most %d", path, len(page.Snapshots), limit)
			}
			got = append(got, snapshotIDs(page.Snapshots)...)
			if page.NextCursor == nil {
				break
			}
			path = fmt.Sprintf("/api/v1/snapshots?limit=%d&cursor=%d", limit, *page.NextCursor)
		}
		if !slices.Equal(got, want) {
			t.Errorf("limit %d: following cursors got %v, want %v", limit, got, want)
		}
	}
	var rest SnapshotsPageResponse
	getJSON(t, ts, fmt.Sprintf("/api/v1/snapshots?cursor=%d", want[0]), http.StatusOK, &rest)
	if !slices.Equal(snapshotIDs(rest.Snapshots), want[1:]) || rest.NextCursor != nil {
		t.Errorf("cursor alone: got %v (next %v), want %v and no next", snapshotIDs(rest.Snapshots), rest.NextCursor, want[1:])
	}
	for _, q := range []string{"limit=0", "limit=-1", "limit=x", "limit=", "cursor=0", "cursor=x", "cursor=-3", "limit=2&cursor=1.5"} {
		var e ErrorResponse
		getJSON(t, ts, "/api/v1/snapshots?"+q, http.StatusBadRequest, &e)
		if e.Error == "" {
			t.Errorf("%s: got no error message", q)
		}
	}
}

// sameNeighbours asserts that every snapshot page links the neighbours
// the store's walk of the series finds as every snapshot read says.
func sameNeighbours(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	srv := New(Options{Store: st, PublicURL: testPublicURL})
	all, err := st.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	id := func(s *store.Snapshot) uint64 {
		if s == nil {
			return 0
		}
		return s.ID
	}
	for _, snap := range all {
		changes, err := st.SnapshotChanges(ctx, snap.ID)
		if err != nil {
			t.Fatal(err)
		}
		prev, next, err := srv.neighbours(ctx, snap, changes)
		if err != nil {
			t.Fatalf("snapshot %d: %v", snap.ID, err)
		}
		wantPrev, wantNext := neighboursIn(all, snap, changes)
		if id(prev) != id(wantPrev) || id(next) != id(wantNext) {
			t.Errorf("snapshot %d (%s, %s): neighbours %d and %d, want %d and %d", snap.ID, snap.List, snap.Status,
				id(prev), id(next), id(wantPrev), id(wantNext))
		}
		if prev != nil && wantPrev != nil && prev.SHA256 != wantPrev.SHA256 {
			t.Errorf("snapshot %d: previous %d read differs", snap.ID, prev.ID)
		}
	}
}

// TestSnapshotNeighboursFromSeries: the fixture's pages (pending lists
// between the participating ones) link the same neighbours from the
// store's walk as from every snapshot.
func TestSnapshotNeighboursFromSeries(t *testing.T) {
	fx, _ := pagingFixture(t)
	sameNeighbours(t, fx.st)
}
