package store

import (
	"context"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

func lrec(state, agency, signed, county string) sheet.Record {
	r := sheet.Record{State: state, StateName: sheet.StateName(state), Agency: agency, AgencyRaw: agency,
		Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model", Signed: signed}
	if county != "" {
		r.Extra = map[string]string{"COUNTY": county}
	}
	return r
}

// The issue 11 cases in small: an omission that ends and comes back, a
// one-list omission that comes back re-signed, a duplicate row that comes
// and goes, a hand-off.
var (
	lcEast     = lrec("PA", "East Donegal Township Constables Office", "2025-03-01", "Lancaster County")
	lcRooks    = lrec("KS", "Rooks County Sheriff's Office", "2025-05-01", "Rooks County")
	lcRooksNew = lrec("KS", "Rooks County Sheriff's Office", "2025-06-07", "Rooks County")
	lcZeph     = lrec("FL", "Zephyrhills Police Department", "2025-04-14", "Pasco County")
	lcCityZeph = lrec("FL", "City of Zephyrhills Police Department", "2025-04-14", "Pasco County")
	lcConstOld = lrec("TN", "Tennessee State Constable 4th District", "2025-04-04", "Polk County")
	lcConstNew = lrec("TN", "Polk County Constable District 4", "2025-04-04", "Polk County")
)

// lifecycleLists are the participating lists of the scenario, in order.
var lifecycleLists = []struct {
	published string
	recs      []sheet.Record
}{
	{"2025-06-01", []sheet.Record{lcEast, lcRooks, lcZeph, lcConstOld}},
	{"2025-06-02", []sheet.Record{lcRooks, lcZeph, lcCityZeph, lcConstOld}}, // East missing; a duplicate row arrives
	{"2025-06-05", []sheet.Record{lcZeph, lcCityZeph, lcConstNew}},          // Rooks missing; hand-off
	{"2025-06-08", []sheet.Record{lcRooksNew, lcZeph, lcConstNew}},          // Rooks back re-signed; the duplicate goes
	{"2025-06-12", []sheet.Record{lcRooksNew, lcZeph, lcConstNew}},          // East: 10 days, 3 lists after → ended
	{"2025-06-15", []sheet.Record{lcEast, lcRooksNew, lcZeph, lcConstNew}},  // East back
}

// lifecycleInput is the scenario's list i, among other agreements: one
// more each list, so no two lists have the same bytes.
func lifecycleInput(t *testing.T, i int) Input {
	l := lifecycleLists[i]
	return input(t, sheet.Participating, l.published, append(span(0, 20+i), l.recs...))
}

// commitLifecycle commits the scenario's first n lists.
func commitLifecycle(t *testing.T, s *Store, n int, c Cycle) {
	t.Helper()
	for i := range n {
		c.Inputs = []Input{lifecycleInput(t, i)}
		commit(t, s, c)
	}
}

func agreementByName(t *testing.T, s *Store, agency string) AgreementInfo {
	t.Helper()
	infos, err := s.FindAgreements(context.Background(), agency)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range infos {
		if in.Agency == agency {
			return in
		}
	}
	t.Fatalf("agreement %q: not found among %d", agency, len(infos))
	return AgreementInfo{}
}

func TestLifecycleOnTheStore(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	ended := Recipient{ID: "ended-only", Filter: diff.Filter{Kinds: []diff.Kind{diff.Ended}}}
	commitLifecycle(t, s, 1, Cycle{})
	east := agreementByName(t, s, lcEast.Agency)
	rooks := agreementByName(t, s, lcRooks.Agency)
	constOld := agreementByName(t, s, lcConstOld.Agency)

	statusAfter := []diff.Status{diff.StatusListed, diff.StatusMissing, diff.StatusMissing, diff.StatusMissing, diff.StatusEnded, diff.StatusListed}
	for i, l := range lifecycleLists[1:] {
		commit(t, s, Cycle{Recipients: []Recipient{ended},
			Inputs: []Input{lifecycleInput(t, i+1)}})
		info, _, err := s.Agreement(ctx, east.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := statusAfter[i+1]; info.Status != want {
			t.Errorf("after %s: East Donegal status %q, want %q", l.published, info.Status, want)
		}
		if info.Status != diff.StatusListed && info.AbsentSince != "2025-06-02" {
			t.Errorf("after %s: East Donegal absent since %q, want 2025-06-02", l.published, info.AbsentSince)
		}
	}

	all, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	byAgreement := map[string][]diff.Change{}
	kinds := map[diff.Kind]int{}
	for i := len(all) - 1; i >= 0; i-- {
		c := all[i]
		byAgreement[c.AgreementID] = append(byAgreement[c.AgreementID], c)
		kinds[c.Kind]++
	}
	kindsOf := func(id string) []diff.Kind {
		var out []diff.Kind
		for _, c := range byAgreement[id] {
			out = append(out, c.Kind)
		}
		return out
	}

	t.Run("an omission that lasts ends once, dated by the first list without it, and comes back under its old id", func(t *testing.T) {
		got := byAgreement[east.ID]
		if want := []diff.Kind{diff.Removed, diff.Ended, diff.Restored}; !slices.Equal(kindsOf(east.ID), want) {
			t.Fatalf("East Donegal changes: got %v, want %v", kindsOf(east.ID), want)
		}
		rm, end, back := got[0], got[1], got[2]
		if rm.Confirmed == nil || *rm.Confirmed || rm.AfterPublished != "2025-06-02" {
			t.Errorf("removed: got confirmed %v after %s, want false after 2025-06-02", rm.Confirmed, rm.AfterPublished)
		}
		if end.Confirmed == nil || !*end.Confirmed || end.AfterPublished != "2025-06-02" || end.AbsentSince != "2025-06-02" ||
			end.AbsentLists != 4 || end.AbsentDays != 10 || end.BeforePublished != "2025-06-01" {
			t.Errorf("ended: got confirmed %v, after %s, absent since %s, %d lists, %d days, before %s; want true, 2025-06-02, 2025-06-02, 4 lists, 10 days, before 2025-06-01",
				end.Confirmed, end.AfterPublished, end.AbsentSince, end.AbsentLists, end.AbsentDays, end.BeforePublished)
		}
		if back.AfterPublished != "2025-06-15" || back.AbsentSince != "2025-06-02" || back.AbsentDays != 13 || back.BeforePublished != "2025-06-01" {
			t.Errorf("restored: got after %s, absent since %s, %d days, before %s; want 2025-06-15, 2025-06-02, 13, 2025-06-01",
				back.AfterPublished, back.AbsentSince, back.AbsentDays, back.BeforePublished)
		}
		info, _, _ := s.Agreement(ctx, east.ID)
		if !info.Active || info.Since != "2025-06-01" || info.LastPublished != "2025-06-15" {
			t.Errorf("East Donegal now: active %v since %s last %s, want active since 2025-06-01 last 2025-06-15", info.Active, info.Since, info.LastPublished)
		}
	})
	t.Run("a return with another signed date is a restored naming it", func(t *testing.T) {
		got := byAgreement[rooks.ID]
		if want := []diff.Kind{diff.Removed, diff.Restored}; !slices.Equal(kindsOf(rooks.ID), want) {
			t.Fatalf("Rooks changes: got %v, want %v", kindsOf(rooks.ID), want)
		}
		if r := got[1]; !slices.Contains(r.Fields, "signed") || r.AbsentDays != 3 || r.After.Signed != "2025-06-07" {
			t.Errorf("Rooks restored: got fields %v, %d days, signed %s; want signed among fields, 3 days, 2025-06-07", r.Fields, r.AbsentDays, r.After.Signed)
		}
	})
	t.Run("a hand-off is one changed", func(t *testing.T) {
		got := byAgreement[constOld.ID]
		if len(got) != 1 || got[0].Kind != diff.Changed || got[0].Match != diff.MatchHandoff || got[0].After.Agency != lcConstNew.Agency {
			t.Errorf("constable changes: got %+v, want one changed with match handoff to %q", got, lcConstNew.Agency)
		}
	})
	t.Run("a duplicate row coming and going is no change", func(t *testing.T) {
		for _, c := range all {
			if r := c.Record(); r != nil && (r.Agency == lcZeph.Agency || r.Agency == lcCityZeph.Agency) {
				t.Errorf("Zephyrhills: got a %s change, want none", c.Kind)
			}
		}
	})
	t.Run("the duplicate row that left is merged, not listed", func(t *testing.T) {
		found, err := s.FindAgreements(ctx, "Zephyrhills")
		if err != nil {
			t.Fatal(err)
		}
		var zeph, city *AgreementInfo
		for i := range found {
			switch found[i].Agency {
			case lcZeph.Agency:
				zeph = &found[i]
			case lcCityZeph.Agency:
				city = &found[i]
			}
		}
		if zeph == nil || city == nil {
			t.Fatalf("got %d Zephyrhills agreements, want both rows' agreements", len(found))
		}
		if !zeph.Active || zeph.Status != diff.StatusListed {
			t.Errorf("Zephyrhills PD: got active %v status %s, want listed", zeph.Active, zeph.Status)
		}
		if city.Active || city.Status != diff.StatusMerged || city.MergedInto != zeph.ID ||
			city.AbsentSince != "2025-06-08" || city.LastPublished != "2025-06-05" {
			t.Errorf("City of Zephyrhills PD: got active %v status %s merged into %q absent since %s last listed %s; want merged into %s since 2025-06-08, last listed 2025-06-05",
				city.Active, city.Status, city.MergedInto, city.AbsentSince, city.LastPublished, zeph.ID)
		}
		// Every agreement the store calls listed is on the latest list.
		_, cur, err := s.Agreements(ctx, sheet.Participating, 0)
		if err != nil {
			t.Fatal(err)
		}
		all, err := s.FindAgreements(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		listed := 0
		for _, a := range all {
			if a.List == sheet.Participating && a.Status == diff.StatusListed {
				listed++
			}
		}
		if listed != len(cur) {
			t.Errorf("got %d participating agreements with status listed, want %d (the latest list)", listed, len(cur))
		}
		former, err := s.FormerAgreements(ctx, sheet.Participating, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range former {
			if a.ID == city.ID {
				t.Errorf("FormerAgreements holds the merged duplicate %s: it did not leave the program", city.ID)
			}
		}
	})
	t.Run("one ending in all, delivered to a recipient of ended", func(t *testing.T) {
		if kinds[diff.Ended] != 1 || kinds[diff.Restored] != 2 || kinds[diff.Removed] != 2 || kinds[diff.Added] != 5 {
			t.Errorf("kinds: got %v, want 1 ended, 2 restored, 2 removed, 5 added (one other agreement a list)", kinds)
		}
		ds, err := s.Deliveries(ctx, DeliveryPending)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range ds {
			if d.Recipient == ended.ID {
				n++
			}
		}
		if n != 1 {
			t.Errorf("deliveries to %s: got %d, want 1", ended.ID, n)
		}
	})
}

func TestLifecycleConfirmRuleConfigured(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	// One day and one list after the first without it: East Donegal ends
	// on 2025-06-05 (3 days, 1 list after), dated 2025-06-02.
	commitLifecycle(t, s, 3, Cycle{Lifecycle: diff.ConfirmRule{MinDays: 1, MinLists: 1}})
	east := agreementByName(t, s, lcEast.Agency)
	if east.Status != diff.StatusEnded || east.AbsentSince != "2025-06-02" {
		t.Errorf("East Donegal: got %s since %s, want ended since 2025-06-02", east.Status, east.AbsentSince)
	}
	ch, _, err := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Ended}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].AgreementID != east.ID || ch[0].AbsentLists != 2 {
		t.Errorf("ended: got %+v, want East Donegal after 2 lists", ch)
	}
}

// TestLifecycleUpgrade: a store written before the lifecycle has removed
// agreements and no absences; they read as ended, and one that comes back
// is restored under its old id.
func TestLifecycleUpgrade(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commitLifecycle(t, s, 2, Cycle{})
	east := agreementByName(t, s, lcEast.Agency)
	// What an older watch287g leaves: no absences, no status.
	err := s.update("forget the lifecycle", func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketAbsences); err != nil {
			return err
		}
		info := east
		info.Active, info.Status, info.AbsentSince = false, "", ""
		return putJSON(tx.Bucket(bucketAgreements), []byte(east.ID), &info)
	})
	if err != nil {
		t.Fatal(err)
	}
	var before AgreementInfo
	_ = s.db.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketAgreements), []byte(east.ID), &before)
		return err
	})
	if before.Status != diff.StatusEnded {
		t.Errorf("a removed agreement without status: got %q, want ended", before.Status)
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-20", append(span(0, 19), lcEast, lcRooks, lcZeph, lcConstOld))}})
	_, changes, err := s.Agreement(ctx, east.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := changes[len(changes)-1]
	if last.Kind != diff.Restored || last.AbsentSince != "2025-06-02" || last.AbsentDays != 18 {
		t.Errorf("East Donegal after the upgrade: got %s since %s after %d days, want restored since 2025-06-02 after 18", last.Kind, last.AbsentSince, last.AbsentDays)
	}
	ch, _, _ := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Added}}})
	for _, c := range ch {
		if c.Record().Agency == lcEast.Agency {
			t.Errorf("East Donegal after the upgrade: got added %s, want no new agreement", c.AgreementID)
		}
	}
}

// TestLifecyclePromotionDaysLater: a pending agency that leaves its list
// and is listed as participating two days later is linked to its signing
// (the earlier removal gains promoted_to) and never ends; one that leaves
// without a signing ends under the rule.
func TestLifecyclePromotionDaysLater(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	signs := lrec("TX", "Coke County Sheriff's Office", "", "Coke County")
	drops := lrec("OK", "Okfuskee County Sheriff's Office", "", "Okfuskee County")
	signed := signs
	signed.Signed = "2025-06-03"
	pend := func(day string, recs ...sheet.Record) Input {
		return input(t, sheet.Pending, day, append(span(100, 103), recs...))
	}
	part := func(day string, n int, recs ...sheet.Record) Input {
		return input(t, sheet.Participating, day, append(span(0, n), recs...))
	}
	commit(t, s, Cycle{Inputs: []Input{part("2025-06-01", 10), pend("2025-06-01", signs, drops)}})
	commit(t, s, Cycle{Inputs: []Input{pend("2025-06-02")}})
	commit(t, s, Cycle{Inputs: []Input{part("2025-06-04", 10, signed)}})
	infos, err := s.FindAgreements(ctx, signed.Agency)
	if err != nil {
		t.Fatal(err)
	}
	for i, day := range []string{"2025-06-06", "2025-06-09", "2025-06-12", "2025-06-15"} {
		commit(t, s, Cycle{Inputs: []Input{pend(day, span(200, 201+i)...)}})
	}
	changes, _, err := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Lists: []string{"pending"}}})
	if err != nil {
		t.Fatal(err)
	}
	var signedID string
	for _, in := range infos {
		if in.List == sheet.Participating {
			signedID = in.ID
		}
	}
	var got []string
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if r := c.Record(); r.Agency == signs.Agency || r.Agency == drops.Agency {
			got = append(got, string(c.Kind)+" "+r.State+" promoted_to="+c.PromotedTo)
		}
	}
	want := []string{
		"ended OK promoted_to=",
		"removed OK promoted_to=",
		"removed TX promoted_to=" + signedID,
	}
	slices.Sort(got)
	if signedID == "" || !slices.Equal(got, want) {
		t.Errorf("pending changes: got %q, want %q", got, want)
	}
	for _, in := range infos {
		if in.List == sheet.Pending && (in.Status != diff.StatusEnded || in.AbsentSince != "2025-06-02") {
			t.Errorf("the promoted pending agreement: got %s since %s, want ended (it left for its signing) since 2025-06-02", in.Status, in.AbsentSince)
		}
	}
}

// TestLifecycleAcceptKeepsTheRule: a quarantined list accepted later is
// advanced under the rule of the last cycle that named one, not the
// default.
func TestLifecycleAcceptKeepsTheRule(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	rule := diff.ConfirmRule{MinDays: 1, MinLists: 1}
	commitLifecycle(t, s, 2, Cycle{Lifecycle: rule})
	// The third list without the 21 other agreements: held back.
	l := lifecycleLists[2]
	res := commit(t, s, Cycle{Lifecycle: rule, Guard: Guard{MaxDropShare: 0.1, MaxDropRows: 5},
		Inputs: []Input{input(t, sheet.Participating, l.published, l.recs)}})
	snap := res.Outcomes[0].Snapshot
	if snap.Status != Quarantined {
		t.Fatalf("list 3: got %s (%s), want quarantined", snap.Status, snap.Reason)
	}
	if _, err := s.Accept(ctx, snap.ID, nil, t0); err != nil {
		t.Fatal(err)
	}
	if east := agreementByName(t, s, lcEast.Agency); east.Status != diff.StatusEnded {
		t.Errorf("East Donegal after the accepted list: got %s, want ended under the 1-day, 1-list rule", east.Status)
	}
}
