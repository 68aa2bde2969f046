package store

import (
	"context"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// announced lists the changes delivered to recipients, as "kind agency".
func announced(t *testing.T, s *Store) []string {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		if d.ChangeID == 0 {
			continue
		}
		ch, err := s.Change(context.Background(), d.ChangeID)
		if err != nil {
			t.Fatalf("change %d of delivery %d: %v", d.ChangeID, d.ID, err)
		}
		agency := ""
		if r := ch.Record(); r != nil {
			agency = r.Agency
		}
		out = append(out, string(ch.Kind)+" "+agency)
	}
	return out
}

// An older file that arrives while its rebuild is held (an import or
// backfill, or one interrupted before its rebuild) must not become the list
// the next live file is diffed against: the live list announces its one
// signing, not every agreement signed since the older file as "restored".
func TestOlderFileNeverSkewsTheNextLiveList(t *testing.T) {
	s := openTemp(t)
	rcpt := []Recipient{{ID: "email:x@example.org", NoMissing: true}}
	commit(t, s, Cycle{Recipients: rcpt, Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 40))}})
	commit(t, s, Cycle{Recipients: rcpt, Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(0, 41))}})
	commit(t, s, Cycle{Recipients: rcpt, HoldRebuild: true, Inputs: []Input{input(t, sheet.Participating, "2025-05-01", span(0, 30))}})
	commit(t, s, Cycle{Recipients: rcpt, Inputs: []Input{input(t, sheet.Participating, "2025-06-20", span(0, 42))}})
	got := announced(t, s)
	want := []string{"added " + rec(40).Agency, "added " + rec(41).Agency}
	if len(got) != len(want) {
		t.Fatalf("announced %d changes %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("announcement %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// The guard judges a live list against its true predecessor, never against
// an older file waiting for its rebuild: a genuine list is not quarantined
// and its signing is announced.
func TestOlderFileNeverSkewsTheGuard(t *testing.T) {
	s := openTemp(t)
	rcpt := []Recipient{{ID: "email:x@example.org", NoMissing: true}}
	g := Guard{MaxDropShare: 0.10, MaxDropRows: 20}
	commit(t, s, Cycle{Recipients: rcpt, Guard: g, Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(20, 170))}})
	commit(t, s, Cycle{Recipients: rcpt, Guard: g, Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(20, 171))}})
	// An older capture with 20 more agreements, its rebuild held.
	commit(t, s, Cycle{Guard: g, HoldRebuild: true, Inputs: []Input{input(t, sheet.Participating, "2025-05-01", span(0, 170))}})
	// Live: 19 gone, within the guard against 2025-06-10, and one signing.
	res := commit(t, s, Cycle{Recipients: rcpt, Guard: g, Operators: []string{"op"},
		Inputs: []Input{input(t, sheet.Participating, "2025-06-20", append(span(20, 151), rec(171)))}})
	if snap := res.Outcomes[0].Snapshot; snap.Status != Accepted {
		t.Fatalf("live list: got %s (%s), want accepted", snap.Status, snap.Reason)
	}
	found := false
	for _, a := range announced(t, s) {
		if a == "added "+rec(171).Agency {
			found = true
		}
	}
	if !found {
		t.Errorf("the live signing was not announced: got %v", announced(t, s))
	}
}

// A rebuild keeps the verdicts lists got on arrival: a list accepted and
// announced live is never quarantined after the fact because an older,
// larger file arrived; only the older file is judged in its place.
func TestRebuildKeepsLiveVerdicts(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	rcpt := []Recipient{{ID: "email:x@example.org", NoMissing: true}}
	g := Guard{MaxDropShare: 0.10, MaxDropRows: 20}
	commit(t, s, Cycle{Recipients: rcpt, Guard: g, Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 100))}})
	commit(t, s, Cycle{Recipients: rcpt, Guard: g, Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(0, 101))}})
	// An older, larger capture, rebuilt at once.
	commit(t, s, Cycle{Guard: g, Inputs: []Input{input(t, sheet.Participating, "2025-05-01", span(0, 150))}})
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sn := range snaps {
		if sn.Published != "2025-05-01" && sn.Status != Accepted {
			t.Errorf("live list of %s: got %s (%s) after the rebuild, want accepted as it was", sn.Published, sn.Status, sn.Reason)
		}
		if sn.OutOfOrder {
			t.Errorf("snapshot of %s: still out of order after the rebuild", sn.Published)
		}
	}
	res := commit(t, s, Cycle{Recipients: rcpt, Guard: g, Operators: []string{"op"},
		Inputs: []Input{input(t, sheet.Participating, "2025-06-20", span(0, 102))}})
	if snap := res.Outcomes[0].Snapshot; snap.Status != Accepted {
		t.Fatalf("next live list: got %s (%s), want accepted", snap.Status, snap.Reason)
	}
	info := agreementByName(t, s, rec(101).Agency)
	if info.Status != diff.StatusListed {
		t.Errorf("the live signing: got %s, want listed", info.Status)
	}
}

// An ending already announced is not announced again when a backfill puts
// a list that still held the agreement into its past: the rebuilt history
// has it come back (history) and end again, but subscribers were told.
func TestEndingAnnouncedOnce(t *testing.T) {
	s := openTemp(t)
	rcpt := []Recipient{{ID: "email:x@example.org", NoMissing: true}}
	x := rec(500)
	for i, d := range []string{"2025-06-01", "2025-06-02", "2025-06-08", "2025-06-12", "2025-06-15"} {
		r := span(0, 40+i)
		if i == 0 {
			r = append(r, x)
		}
		commit(t, s, Cycle{Recipients: rcpt, Inputs: []Input{input(t, sheet.Participating, d, r)}})
	}
	count := func() int {
		n := 0
		for _, a := range announced(t, s) {
			if a == "ended "+x.Agency {
				n++
			}
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("before the backfill: %d endings of %s announced, want 1", n, x.Agency)
	}
	// A capture of 2025-06-03 that still listed it, then the next live list.
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-03", append(span(0, 41), x))}})
	commit(t, s, Cycle{Recipients: rcpt, Inputs: []Input{input(t, sheet.Participating, "2025-06-20", span(0, 45))}})
	if n := count(); n != 1 {
		t.Errorf("after the backfill and the next live list: %d endings of %s announced, want still 1", n, x.Agency)
	}
}
