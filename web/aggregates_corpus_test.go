package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// corpusOverviewFiles is how many of the corpus's lists (oldest first)
// TestOverviewAggregatesCorpus commits: months of real lists, agreements
// leaving and coming back, in seconds even under -race.
const corpusOverviewFiles = 50

// TestOverviewAggregatesCorpus: on the real lists, the overview computed
// from the store's aggregates says what it says computed from every
// agreement and every snapshot.
func TestOverviewAggregatesCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus import takes seconds")
	}
	dir := corpustest.Dir(t)
	files := corpustest.Manifest(t, dir)
	files = files[:min(len(files), corpusOverviewFiles)]
	st := openStore(t)
	ctx := context.Background()
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		in := store.Input{Source: filepath.Join(dir, f.Name), Name: f.Name, Body: body, Published: f.Name[:10], SeenAt: f.Committed}
		in.Parsed, in.ParseErr = sheet.Parse(body)
		if _, err := st.Commit(ctx, store.Cycle{At: f.Committed, Inputs: []store.Input{in}}); err != nil {
			t.Fatalf("commit %s: %v", f.Name, err)
		}
	}
	last, err := time.Parse(time.DateOnly, files[len(files)-1].Name[:10])
	if err != nil {
		t.Fatal(err)
	}
	sameNeighbours(t, st)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	// A day after the last list, and in the next year: this year's
	// endings, then none.
	for _, now := range []time.Time{last.AddDate(0, 0, 1), last.AddDate(1, 0, 0)} {
		clock := func() time.Time { return now }
		fast, err := New(Options{Store: st, PublicURL: testPublicURL, Now: clock}).overviewStoreData(req)
		if err != nil {
			t.Fatalf("overview from the aggregates: %v", err)
		}
		plain, err := New(Options{Store: plainStore{st}, PublicURL: testPublicURL, Now: clock}).overviewStoreData(req)
		if err != nil {
			t.Fatalf("overview from every record: %v", err)
		}
		if now.Year() == last.Year() && fast.EndedThisYear == 0 {
			t.Errorf("%s: ended this year: got 0, want the corpus's endings", now.Format(time.DateOnly))
		}
		samePages(t, st, clock, "/states/TX", "/states/FL", "/states/GA")
		srv := New(Options{Store: st, PublicURL: testPublicURL, Now: clock})
		ended, err := srv.endings(ctx, nil, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		states := []string{"TX", "FL", "GA"}
		for _, e := range ended { // and every state with an ending
			if !slices.Contains(states, e.A.State) {
				states = append(states, e.A.State)
			}
		}
		sameEndingLists(t, srv, states...)
		sameOverview(t, now.Format(time.DateOnly)+": ", fast, plain)
	}
}

// samePages asserts that each path reads the same from the store's
// aggregates as from a store without them (every record read).
func samePages(t *testing.T, st *store.Store, now func() time.Time, paths ...string) {
	t.Helper()
	fast := New(Options{Store: st, PublicURL: testPublicURL, Now: now})
	plain := New(Options{Store: plainStore{st}, PublicURL: testPublicURL, Now: now})
	for _, path := range paths {
		got, want := getPage(t, fast, path, nil), getPage(t, plain, path, nil)
		if got.Code != http.StatusOK || got.Body.String() != want.Body.String() {
			t.Errorf("%s at %s: from the aggregates (%d) differs from every record's (%d)", path, now().Format(time.DateOnly), got.Code, want.Code)
		}
	}
}

// sameEndingLists asserts that each state's endings get the same lists
// (ListID) from each agreement's own changes as from the scan of every
// removal in the state.
func sameEndingLists(t *testing.T, srv *Server, states ...string) {
	t.Helper()
	ctx := context.Background()
	for _, code := range states {
		ended, err := srv.endings(ctx, []string{code}, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(ended) == 0 {
			continue
		}
		q := store.ChangeQuery{Filter: diff.Filter{States: []string{code}, Kinds: []diff.Kind{diff.Removed},
			Lists: []string{string(sheet.Participating)}}}
		got, err := srv.endingLists(ctx, q, slices.Clone(ended))
		if err != nil {
			t.Fatal(err)
		}
		want, err := srv.scanRemovals(ctx, q, slices.Clone(ended), map[string]store.AgreementInfo{})
		if err != nil {
			t.Fatal(err)
		}
		last := make([]uint64, len(want))
		for i := range want {
			last[i] = want[i].A.LastSnapshot
		}
		next, err := srv.store.(nextReader).NextAccepted(ctx, sheet.Participating, last)
		if err != nil {
			t.Fatal(err)
		}
		listed, walked := 0, 0
		for i := range want {
			if got[i].A.ID != want[i].A.ID || got[i].ListID != want[i].ListID {
				t.Errorf("%s: ending of %s: got list %d, want %d (the scan's)", code, want[i].A.ID, got[i].ListID, want[i].ListID)
			}
			if want[i].ListID != 0 {
				listed++
			}
			if p := next[want[i].A.LastSnapshot]; p.SnapshotID == want[i].ListID && p.Published == want[i].Ended {
				walked++
			}
		}
		if listed > 0 && walked == 0 {
			t.Errorf("%s: none of %d endings found its list by the walk of the series: the comparison proves nothing of it", code, listed)
		}
		if listed == 0 {
			t.Errorf("%s: no ending has its list: the comparison proves nothing", code)
		}
	}
}
