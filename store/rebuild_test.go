package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// historyFiles are the lifecycle scenario's participating lists (renames,
// omissions that end and come back, a hand-off) with a pending list whose
// agencies sign (one leaves the pending list the day it appears among
// participating agreements) or leave without signing: 10 files, in
// published order, participating before pending on a day.
func historyFiles(t *testing.T) []Input {
	t.Helper()
	var out []Input
	pending := map[string][]sheet.Record{
		"2025-06-01": {pendingRec(100), pendingRec(101), pendingRec(102)},
		"2025-06-05": {pendingRec(101), pendingRec(102)},
		"2025-06-08": {pendingRec(102), pendingRec(103)},
		"2025-06-15": {pendingRec(103)},
	}
	for i, l := range lifecycleLists {
		recs := append(span(0, 20+i), l.recs...)
		if l.published >= "2025-06-05" {
			recs = append(recs, rec(100)) // signed: left the pending list
		}
		out = append(out, input(t, sheet.Participating, l.published, recs))
		if p, ok := pending[l.published]; ok {
			out = append(out, input(t, sheet.Pending, l.published, p))
		}
	}
	return out
}

// history is a store's history with everything that depends on arrival
// order (snapshot and agreement ids, detection times) replaced by what
// does not: a snapshot by its list and date, an agreement by the list,
// date and row where it first appeared.
type history struct {
	changes    []string
	agreements []string
	snapshots  []string
}

func readHistory(t *testing.T, s *Store) history {
	t.Helper()
	ctx := context.Background()
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortStableFunc(snaps, func(a, b Snapshot) int {
		return strings.Compare(a.Published+fmt.Sprint(ListRank(a.List)), b.Published+fmt.Sprint(ListRank(b.List)))
	})
	var h history
	label := map[string]string{}
	snapLabel := map[uint64]string{}
	for _, sn := range snaps {
		snapLabel[sn.ID] = string(sn.List) + "@" + sn.Published
		h.snapshots = append(h.snapshots, fmt.Sprintf("%s@%s %s +%d -%d ~%d n=%d base=%v", sn.List, sn.Published, sn.Status, sn.Added, sn.Removed, sn.Changed, sn.Agreements, sn.Baseline))
		if sn.Status != Accepted {
			continue
		}
		_, aggs, err := s.Agreements(ctx, sn.List, sn.ID)
		if err != nil {
			t.Fatalf("agreements of %d: %v", sn.ID, err)
		}
		var rows []string
		for _, a := range aggs {
			if _, ok := label[a.ID]; !ok {
				label[a.ID] = fmt.Sprintf("%s@%s#%d", sn.List, sn.Published, a.Row)
			}
			rows = append(rows, fmt.Sprintf("%d=%s", a.Row, label[a.ID]))
		}
		sort.Strings(rows)
		h.agreements = append(h.agreements, snapLabel[sn.ID]+": "+strings.Join(rows, " "))
	}
	infos, err := s.FindAgreements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		h.agreements = append(h.agreements, fmt.Sprintf("%s %s since=%s active=%v", label[in.ID], in.Status, in.AbsentSince, in.Active))
	}
	changes, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range changes {
		ch.ID = 0
		ch.DetectedAt = time.Time{}
		// Whether a change was news or history found late is about how
		// it arrived, not what the history is.
		ch.Historical = false
		ch.AgreementID = label[ch.AgreementID]
		if ch.PromotedTo != "" {
			ch.PromotedTo = label[ch.PromotedTo]
		}
		ch.BeforeSnapshot, ch.AfterSnapshot = 0, 0
		b, err := json.Marshal(ch)
		if err != nil {
			t.Fatal(err)
		}
		h.changes = append(h.changes, string(b))
	}
	sort.Strings(h.changes)
	sort.Strings(h.agreements)
	return h
}

func sameHistory(t *testing.T, got, want history) {
	t.Helper()
	for _, part := range []struct {
		name      string
		got, want []string
	}{{"snapshots", got.snapshots, want.snapshots}, {"agreements", got.agreements, want.agreements}, {"changes", got.changes, want.changes}} {
		if !slices.Equal(part.got, part.want) {
			t.Errorf("%s differ:\ngot  %d:\n  %s\nwant %d:\n  %s", part.name, len(part.got), strings.Join(part.got, "\n  "), len(part.want), strings.Join(part.want, "\n  "))
		}
	}
}

func TestRebuildHistoryIndependentOfArrivalOrder(t *testing.T) {
	files := historyFiles(t)
	ref := openTemp(t)
	for _, in := range files {
		commit(t, ref, Cycle{Inputs: []Input{in}})
	}
	want := readHistory(t, ref)
	if len(want.changes) < 10 {
		t.Fatalf("the scenario brings %d changes, want at least 10", len(want.changes))
	}
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("permutation ", seed), func(t *testing.T) {
			order := rand.New(rand.NewPCG(seed, 287)).Perm(len(files))
			s := openTemp(t)
			for _, i := range order {
				commit(t, s, Cycle{Inputs: []Input{files[i]}})
			}
			sameHistory(t, readHistory(t, s), want)
			if pending, err := s.RebuildPending(context.Background()); err != nil || pending {
				t.Errorf("rebuild pending after the commits: got %v (%v), want false", pending, err)
			}
		})
	}
}

// liveThenBackfill commits files[from:] as serve would (with a
// recipient), then the older files as a backfill does (held, then one
// Rebuild). It returns the agreement and change ids handed out before.
func liveThenBackfill(t *testing.T, s *Store, files []Input, from int, ctx context.Context) (agrIDs []string, changeIDs []uint64) {
	t.Helper()
	rcpt := []Recipient{{ID: "email:metro@example.org"}}
	for _, in := range files[from:] {
		commit(t, s, Cycle{Inputs: []Input{in}, Recipients: rcpt})
	}
	infos, err := s.FindAgreements(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		agrIDs = append(agrIDs, in.ID)
	}
	chs, _, err := s.Changes(context.Background(), ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs {
		changeIDs = append(changeIDs, ch.ID)
	}
	live, err := s.Deliveries(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	// Even with recipients passed, an older file is never announced: the
	// first, and those after it (the first becomes the current list until
	// the rebuild; the next must not count as news against it).
	for _, in := range files[:from] {
		commit(t, s, Cycle{Inputs: []Input{in}, Recipients: rcpt, Operators: []string{"email:ops@example.org"}, HoldRebuild: true})
		if ds, err := s.Deliveries(context.Background(), ""); err != nil || len(ds) != len(live) {
			t.Fatalf("after the older file of %s: got %d deliveries (%v), want the %d of the live part", in.Published, len(ds), err, len(live))
		}
	}
	return agrIDs, changeIDs
}

func TestRebuildKeepsIDsHandedOutAndAnnouncesNothing(t *testing.T) {
	ctx := context.Background()
	files := historyFiles(t)
	ref := openTemp(t)
	for _, in := range files {
		commit(t, ref, Cycle{Inputs: []Input{in}})
	}
	s := openTemp(t)
	from := 6 // the live baseline is 2025-06-08
	agrIDs, changeIDs := liveThenBackfill(t, s, files, from, ctx)
	if len(changeIDs) == 0 {
		t.Fatal("the live part recorded no change; the test needs one")
	}
	before, err := s.Deliveries(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(before) == 0 {
		t.Fatal("the live change was delivered to no one; the test needs a delivery")
	}
	if pending, _ := s.RebuildPending(ctx); !pending {
		t.Fatal("older files held: got no rebuild pending, want pending")
	}
	// Every id that existed before the rebuild, also those of the older
	// files' provisional comparisons with the newer lists.
	all, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	infos, err := s.FindAgreements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Rebuild(ctx, RebuildOptions{})
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	sameHistory(t, readHistory(t, s), readHistory(t, ref))

	for _, id := range agrIDs {
		if _, _, err := s.Agreement(ctx, id); err != nil {
			t.Errorf("agreement %s handed out before the backfill: %v", id, err)
		}
	}
	for _, id := range changeIDs {
		if _, err := s.Change(ctx, id); err != nil {
			t.Errorf("change %d handed out before the backfill: %v", id, err)
		}
	}
	// The agreements listed live and in the older files keep their ids
	// themselves (no alias): the latest list holds every live id listed.
	_, latest, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		t.Fatal(err)
	}
	kept := 0
	for _, a := range latest {
		if slices.Contains(agrIDs, a.ID) {
			kept++
		}
	}
	if kept < len(latest)-1 {
		t.Errorf("latest list: %d of %d agreements keep a live id, want all but at most one", kept, len(latest))
	}
	for _, ch := range all {
		got, err := s.Change(ctx, ch.ID)
		if err != nil || got.ID != ch.ID || got.Kind != ch.Kind {
			t.Errorf("change %d (%s) existing before the rebuild: got %d %s, %v", ch.ID, ch.Kind, got.ID, got.Kind, err)
		}
	}
	for _, in := range infos {
		if got, _, err := s.Agreement(ctx, in.ID); err != nil || got.Agency != in.Agency && got.AgencyRaw != in.AgencyRaw {
			t.Errorf("agreement %s (%s) existing before the rebuild: got %q, %v", in.ID, in.Agency, got.Agency, err)
		}
	}
	if res.Superseded == 0 {
		t.Errorf("superseded changes: got 0, want the older files' provisional comparisons superseded")
	}
	if res.Unplanned != 0 {
		t.Errorf("unplanned agreement ids: got %d, want 0", res.Unplanned)
	}
	if res.KeptChangeIDs == 0 {
		t.Errorf("kept change ids: got 0, want the live changes' ids kept")
	}

	after, err := s.Deliveries(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("deliveries: got %d after the backfill, want the %d of before (history is never announced)", len(after), len(before))
	}

	// The live changes stay news; every change only the older files
	// brought is history (Historical), which the feed leaves out.
	live := map[uint64]bool{}
	for _, id := range changeIDs {
		live[id] = true
	}
	now, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	historical := 0
	for _, ch := range now {
		switch {
		case live[ch.ID] && ch.Historical:
			t.Errorf("live change %d (%s): got historical, want news", ch.ID, ch.Kind)
		case !live[ch.ID] && ch.AfterPublished < files[from].Published && !ch.Historical:
			t.Errorf("change %d (%s of %s), found by the backfill: got news, want historical", ch.ID, ch.Kind, ch.AfterPublished)
		case ch.Historical:
			historical++
		}
	}
	if historical == 0 {
		t.Errorf("got no historical change, want the older files' changes marked")
	}
}

// cancelAfterLooks is a context whose Err reports cancellation from its n-th
// look on: a cancellation in the middle of a rebuild, without timing.
type cancelAfterLooks struct {
	context.Context
	n atomic.Int64
}

func (c *cancelAfterLooks) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestRebuildCancelledLeavesStateAndRerunCompletes(t *testing.T) {
	ctx := context.Background()
	files := historyFiles(t)
	ref := openTemp(t)
	for _, in := range files {
		commit(t, ref, Cycle{Inputs: []Input{in}})
	}
	s := openTemp(t)
	liveThenBackfill(t, s, files, 4, ctx)
	was := readHistory(t, s)
	for _, n := range []int64{3, 20, 60} {
		c := &cancelAfterLooks{Context: ctx}
		c.n.Store(n)
		if _, err := s.Rebuild(c, RebuildOptions{}); err == nil {
			t.Fatalf("rebuild cancelled after %d looks: got no error", n)
		}
		sameHistory(t, readHistory(t, s), was)
		if pending, _ := s.RebuildPending(ctx); !pending {
			t.Errorf("after a cancelled rebuild: got no rebuild pending, want pending")
		}
	}
	if _, err := s.Rebuild(ctx, RebuildOptions{}); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	sameHistory(t, readHistory(t, s), readHistory(t, ref))
	// A rebuild of a history already in order changes nothing, ids included.
	chs, _, _ := s.Changes(ctx, ChangeQuery{})
	if _, err := s.Rebuild(ctx, RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	again, _, _ := s.Changes(ctx, ChangeQuery{})
	if len(again) != len(chs) {
		t.Fatalf("second rebuild: got %d changes, want %d", len(again), len(chs))
	}
	for i := range chs {
		if again[i].ID != chs[i].ID || again[i].AgreementID != chs[i].AgreementID || again[i].Kind != chs[i].Kind {
			t.Errorf("second rebuild: change %d is %d %s %s, want %d %s %s", i, again[i].ID, again[i].AgreementID, again[i].Kind, chs[i].ID, chs[i].AgreementID, chs[i].Kind)
		}
	}
	_ = diff.Added
}
