package diff

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// lrec builds a record for the lifecycle tests.
func lrec(state, agency, model, signed, county, moa string) sheet.Record {
	r := sheet.Record{State: state, StateName: sheet.StateName(state), Agency: agency, AgencyRaw: agency,
		Type: "County", Model: model, Signed: signed, MOAURL: moa}
	if county != "" {
		r.Extra = map[string]string{"COUNTY": county}
	}
	return r
}

func agg(id string, r sheet.Record) Agreement {
	return Agreement{ID: id, Record: r, Since: "2025-04-01"}
}

func TestConfirmRuleDecide(t *testing.T) {
	tests := []struct {
		name string
		rule ConfirmRule
		a    Absence
		asOf string
		want Status
	}{
		{"first list without it", ConfirmRule{}, Absence{Published: "2025-07-18"}, "2025-07-18", StatusMissing},
		{"ten days, two lists", ConfirmRule{}, Absence{Published: "2025-07-18", Lists: 2}, "2025-07-28", StatusMissing},
		{"nine days, five lists", ConfirmRule{}, Absence{Published: "2025-07-18", Lists: 5}, "2025-07-27", StatusMissing},
		{"ten days, three lists", ConfirmRule{}, Absence{Published: "2025-07-18", Lists: 3}, "2025-07-28", StatusEnded},
		{"default spelled out", DefaultConfirmRule(), Absence{Published: "2025-07-18", Lists: 3}, "2025-07-28", StatusEnded},
		{"one list after a long silence", ConfirmRule{}, Absence{Published: "2025-07-18", Lists: 1}, "2026-03-02", StatusMissing},
		{"unreadable date never ends", ConfirmRule{}, Absence{Published: "07/18/2025", Lists: 9}, "2026-03-02", StatusMissing},
		{"custom rule", ConfirmRule{MinDays: 2, MinLists: 1}, Absence{Published: "2025-07-18", Lists: 1}, "2025-07-20", StatusEnded},
		{"custom rule, too soon", ConfirmRule{MinDays: 2, MinLists: 1}, Absence{Published: "2025-07-18", Lists: 1}, "2025-07-19", StatusMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Decide(tt.a, tt.asOf); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestConfirmRuleValidate(t *testing.T) {
	if err := DefaultConfirmRule().Validate(); err != nil {
		t.Errorf("default rule: got %v, want nil", err)
	}
	if err := (ConfirmRule{MinDays: -1}).Validate(); err == nil {
		t.Errorf("negative days: got nil, want an error")
	}
}

func TestMatchReturns(t *testing.T) {
	const tf, wso = sheet.TaskForce, sheet.WarrantServiceOfficer
	tests := []struct {
		name       string
		absent     sheet.Record
		added      sheet.Record
		wantMatch  string // "" for no return
		wantFields []string
	}{
		{"back unchanged", lrec("PA", "East Donegal Township Constables Office", tf, "2025-07-01", "Lancaster County", ""),
			lrec("PA", "East Donegal Township Constables Office", tf, "2025-07-01", "Lancaster County", ""), MatchExact, nil},
		{"word swap", lrec("WY", "Wyoming State Highway Patrol", tf, "2025-06-10", "", ""),
			lrec("WY", "Wyoming Highway State Patrol", tf, "2025-06-10", "", ""), MatchName, []string{"agency"}},
		{"re-signed with another date", lrec("KS", "Rooks County Sheriff's Office", wso, "2025-06-02", "", ""),
			lrec("KS", "Rooks County Sheriff's Office", wso, "2025-09-05", "", ""), MatchExact, []string{"signed"}},
		{"one typo apart, another date: a different agency", lrec("FL", "Oakland Police Department", tf, "2025-04-24", "", ""),
			lrec("FL", "Lakeland Police Department", tf, "2025-06-24", "", ""), "", nil},
		{"another model", lrec("TX", "Southside Place Police Department", tf, "2025-05-01", "", ""),
			lrec("TX", "Southside Place Police Department", wso, "2025-05-01", "", ""), "", nil},
		{"PD is not the sheriff", lrec("TX", "Haskell Police Department", tf, "2025-05-01", "", ""),
			lrec("TX", "Haskell County Sheriff's Office", tf, "2025-05-01", "", ""), "", nil},
		{"state fixed, same date", lrec("FL", "Kershaw County Sheriff's Office", tf, "2025-04-10", "", ""),
			lrec("SC", "Kershaw County Sheriff's Office", tf, "2025-04-10", "", ""), MatchState, []string{"state", "state_name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			absent := []Agreement{agg("p-1", lrec("AL", "Etowah County Sheriff's Office", tf, "2020-06-09", "", "")), agg("p-2", tt.absent)}
			added := []Agreement{agg("new-1", lrec("GA", "Cobb County Sheriff's Office", tf, "2025-03-01", "", "")), agg("new-2", tt.added)}
			got := MatchReturns(absent, added)
			if tt.wantMatch == "" {
				if len(got) != 0 {
					t.Fatalf("got %+v, want no return", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d returns (%+v), want 1", len(got), got)
			}
			r := got[0]
			if r.Absent != 1 || r.Added != 1 || r.Match != tt.wantMatch || !slices.Equal(r.Fields, tt.wantFields) {
				t.Errorf("got %+v, want absent 1, added 1, match %s, fields %v", r, tt.wantMatch, tt.wantFields)
			}
		})
	}
	if got := MatchReturns(nil, []Agreement{agg("x", lrec("TX", "A PD", tf, "", "", ""))}); got != nil {
		t.Errorf("no absent: got %v, want nil", got)
	}
}

func TestMatchHandoffs(t *testing.T) {
	const tf = sheet.TaskForce
	constOld := lrec("TN", "Tennessee State Constable 4th District", tf, "2025-11-04", "Polk County", "")
	constNew := lrec("TN", "Polk County Constable District 4", tf, "2025-11-04", "Polk County", "")
	pd := lrec("TX", "Haskell Police Department", tf, "2025-06-01", "Haskell County", "https://www.ice.gov/doclib/287gMOA/HaskellPD.pdf")
	so := lrec("TX", "Haskell County Sheriff's Office", tf, "2025-06-01", "Haskell County", "https://www.ice.gov/doclib/287gMOA/HaskellCoSO.pdf")
	soSameMOA := so
	soSameMOA.MOAURL = pd.MOAURL
	other := lrec("TN", "Polk County Sheriff's Office", tf, "2025-11-04", "Polk County", "")
	noCounty := constNew
	noCounty.Extra = nil
	later := constNew
	later.Signed = "2025-11-05"
	guard := lrec("TX", "Texas National Guard", tf, "2025-06-01", "Travis County", "")
	guard.Type = "State Agency"
	tests := []struct {
		name           string
		removed, added []sheet.Record
		want           []Handoff
	}{
		{"constable relabelled to its county's naming", []sheet.Record{constOld}, []sheet.Record{constNew}, []Handoff{{0, 0}}},
		{"a PD is never a sheriff's office", []sheet.Record{pd}, []sheet.Record{so}, nil},
		{"unless the MOA is the same", []sheet.Record{pd}, []sheet.Record{soSameMOA}, []Handoff{{0, 0}}},
		{"two additions in the group: ambiguous", []sheet.Record{constOld}, []sheet.Record{constNew, other}, nil},
		{"no county", []sheet.Record{constOld}, []sheet.Record{noCounty}, nil},
		{"another signing date", []sheet.Record{constOld}, []sheet.Record{later}, nil},
		{"a name without a kind needs the same type", []sheet.Record{lrec("TX", "Travis County Sheriff's Office", tf, "2025-06-01", "Travis County", "")}, []sheet.Record{guard}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchHandoffs(tt.removed, tt.added); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindDuplicates(t *testing.T) {
	const tf = sheet.TaskForce
	zeph := lrec("FL", "City of Zephyrhills Police Department", tf, "2025-04-14", "", "")
	dep := lrec("FL", "FL Dept of Environmental Protection", tf, "2025-04-24", "", "https://www.ice.gov/doclib/287gMOA/FloridaDeptEnvironProtectDivLawEnf_TFM_MOA_04252025.pdf")
	cloud := lrec("FL", "City of St. Cloud Police Department", tf, "2025-04-15", "", "")
	oakland := lrec("FL", "Oakland Police Department", tf, "2025-04-24", "", "")
	polk4 := lrec("TN", "Polk County Constable District 4", tf, "2025-11-04", "Polk County", "")
	carried := []Agreement{agg("p-1", zeph), agg("p-2", dep), agg("p-3", cloud), agg("p-4", oakland), agg("p-5", polk4)}
	tests := []struct {
		name string
		add  sheet.Record
		want bool
	}{
		{"City of X PD beside X PD", lrec("FL", "Zephyrhills Police Department", tf, "2025-04-14", "", ""), true},
		{"a division of the same department, same MOA, another date", lrec("FL", "Florida Department of Environmental Protection, Division of Law Enforcement", tf, "2025-02-14", "", dep.MOAURL), true},
		{"signed a day apart", lrec("FL", "St. Cloud Police Department", tf, "2025-04-14", "", ""), true},
		{"signed two days apart", lrec("FL", "St. Cloud Police Department", tf, "2025-04-13", "", ""), false},
		{"one typo apart is another town", lrec("FL", "Lakeland Police Department", tf, "2025-04-24", "", ""), false},
		{"another model", lrec("FL", "Zephyrhills Police Department", sheet.JailEnforcement, "2025-04-14", "", ""), false},
		{"another district of the same county", lrec("TN", "Polk County Constable District 2", tf, "2025-11-04", "Polk County", ""), false},
		{"the sheriff of the same place", lrec("FL", "Zephyrhills Sheriff's Office", tf, "2025-04-14", "", ""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{
				Agreements: append(slices.Clone(carried), agg("new-1", tt.add)),
				Added:      []Change{{Kind: Added, AgreementID: "new-1", After: &tt.add}},
			}
			got := FindDuplicates(res)
			if !tt.want {
				if len(got) != 0 {
					t.Errorf("got %+v, want no duplicate", got)
				}
				return
			}
			if len(got) != 1 || got[0].Kind != Added || got[0].AgreementID != "new-1" {
				t.Errorf("got %+v, want new-1 an added duplicate", got)
			}
		})
	}
	t.Run("one of two leaves while the other stays", func(t *testing.T) {
		gone := lrec("FL", "Zephyrhills Police Department", tf, "2025-04-14", "", "")
		res := &Result{Agreements: carried, Removed: []Change{{Kind: Removed, AgreementID: "p-9", Before: &gone}}}
		got := FindDuplicates(res)
		want := []Duplicate{{Kind: Removed, AgreementID: "p-9", Of: "p-1"}}
		if !slices.Equal(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
}

func TestLinkPromotions(t *testing.T) {
	const tf, wso = sheet.TaskForce, sheet.WarrantServiceOfficer
	exit := func(r sheet.Record, since, left string) PendingExit {
		return PendingExit{Agreement: Agreement{ID: "pend", Record: r, Since: since}, Left: left}
	}
	sig := func(r sheet.Record, since string) Agreement { return Agreement{ID: "part", Record: r, Since: since} }
	coke := lrec("TX", "Coke County Sheriff's Office", tf, "", "", "")
	cokeSigned := lrec("TX", "Coke County Sheriff's Office", tf, "2025-08-01", "", "")
	tests := []struct {
		name      string
		exit      PendingExit
		signing   Agreement
		wantMatch string
	}{
		{"same day", exit(coke, "2025-07-01", "2025-08-04"), sig(cokeSigned, "2025-08-04"), MatchExact},
		{"listed 4 days later", exit(coke, "2025-07-01", "2025-08-04"), sig(cokeSigned, "2025-08-08"), MatchExact},
		{"listed 8 days later", exit(coke, "2025-07-01", "2025-08-04"), sig(cokeSigned, "2025-08-12"), ""},
		{"another model", exit(coke, "2025-07-01", "2025-08-04"), sig(lrec("TX", "Coke County Sheriff's Office", wso, "2025-08-01", "", ""), "2025-08-04"), ""},
		{"listed before the pending entry appeared", exit(coke, "2025-07-01", "2025-08-04"), sig(cokeSigned, "2025-03-01"), ""},
		{"state fixed", exit(lrec("FL", "Kershaw County Sheriff's Office", tf, "", "", ""), "2025-04-03", "2025-04-28"),
			sig(lrec("SC", "Kershaw County Sheriff's Office", tf, "2025-04-10", "", ""), "2025-04-28"), MatchState},
		{"name fixed", exit(lrec("OK", "Texas County's Sheriff's Office", wso, "", "", ""), "2025-07-18", "2025-07-22"),
			sig(lrec("OK", "Texas County Sheriff's Office", wso, "2025-07-23", "", ""), "2025-07-23"), MatchName},
		{"another county's sheriff", exit(coke, "2025-07-01", "2025-08-04"), sig(lrec("TX", "Cook County Sheriff's Office", tf, "2025-08-01", "", ""), "2025-08-04"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LinkPromotions([]PendingExit{tt.exit}, []Agreement{tt.signing})
			if tt.wantMatch == "" {
				if len(got) != 0 {
					t.Errorf("got %+v, want no link", got)
				}
				return
			}
			if len(got) != 1 || got[0].Match != tt.wantMatch {
				t.Errorf("got %+v, want one link by %s", got, tt.wantMatch)
			}
		})
	}
	t.Run("a pending agency listed under two names links both exits", func(t *testing.T) {
		exits := []PendingExit{
			exit(lrec("OK", "Texas County's Sheriff's Office", wso, "", "", ""), "2025-07-18", "2025-07-22"),
			exit(lrec("OK", "Texas County Sheriff's Office", wso, "", "", ""), "2025-07-22", "2025-07-23"),
		}
		got := LinkPromotions(exits, []Agreement{sig(lrec("OK", "Texas County Sheriff's Office", wso, "2025-07-23", "", ""), "2025-07-23")})
		want := []Promotion{{Exit: 0, Signing: 0, Match: MatchName, Days: 1}, {Exit: 1, Signing: 0, Match: MatchExact, Days: 0}}
		if !slices.Equal(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("the closest signing wins", func(t *testing.T) {
		got := LinkPromotions([]PendingExit{exit(coke, "", "2025-08-04")},
			[]Agreement{sig(cokeSigned, "2025-07-30"), sig(cokeSigned, "2025-08-05")})
		if len(got) != 1 || got[0].Signing != 1 {
			t.Errorf("got %+v, want the signing of 2025-08-05", got)
		}
	})
}

// TestAdvanceLifecycle replays one agreement through missing, ended and
// restored, and checks what each step reports.
func TestAdvanceLifecycle(t *testing.T) {
	const tf = sheet.TaskForce
	keep := lrec("AL", "Etowah County Sheriff's Office", tf, "2020-06-09", "Etowah County", "")
	gone := lrec("TX", "Southside Place Police Department", tf, "2025-05-01", "Harris County", "")
	back := gone
	back.Signed = "2025-12-01"
	type step struct {
		published string
		recs      []sheet.Record
		rule      ConfirmRule
		// want
		removed, ended, restored int
		status                   Status // of the absent agreement after the step, "" when listed
		restoredWas              Status
	}
	steps := []step{
		{published: "2025-07-01", recs: []sheet.Record{keep, gone}},
		{published: "2025-07-18", recs: []sheet.Record{keep}, removed: 1, status: StatusMissing},
		{published: "2025-07-21", recs: []sheet.Record{keep}, status: StatusMissing},
		{published: "2025-07-25", recs: []sheet.Record{keep}, status: StatusMissing},
		// 10 days but only 3 lists only now: ended, dated 07-18.
		{published: "2025-07-28", recs: []sheet.Record{keep}, ended: 1, status: StatusEnded},
		{published: "2025-08-28", recs: []sheet.Record{keep}, status: StatusEnded},
		{published: "2026-03-02", recs: []sheet.Record{keep, back}, restored: 1, restoredWas: StatusEnded},
	}
	var listed []Agreement
	var absent []Absent
	n := 0
	var id string
	for i, s := range steps {
		res := Compare(sheet.Participating, listed, s.recs, Options{Published: s.published, NewID: func(sheet.Record) string {
			n++
			return "p-" + string(rune('0'+n))
		}})
		given := slices.Clone(res.Agreements)
		o := Advance(Step{List: sheet.Participating, Snapshot: uint64(i + 1), Published: s.published, Old: listed, Result: res, Absent: absent, Rule: s.rule})
		// The outcome shares the result's agreements until one takes
		// another id; the result's stay as Compare made them.
		if !reflect.DeepEqual(res.Agreements, given) {
			t.Fatalf("%s: the result's agreements were modified: got %+v, want %+v", s.published, res.Agreements, given)
		}
		if i == 0 {
			for _, a := range o.Agreements {
				if a.Agency == gone.Agency {
					id = a.ID
				}
			}
		}
		if len(o.Removed) != s.removed || len(o.Ended) != s.ended || len(o.Restored) != s.restored {
			t.Fatalf("%s: got %d removed, %d ended, %d restored; want %d, %d, %d", s.published, len(o.Removed), len(o.Ended), len(o.Restored), s.removed, s.ended, s.restored)
		}
		for _, e := range o.Ended {
			if e.Change.Kind != Ended || e.Change.AgreementID != id || e.Change.AfterPublished != "2025-07-18" || e.Absence.Lists != 3 {
				t.Errorf("%s: got ending %+v (absence %+v), want %s ended on 2025-07-18 after 3 lists", s.published, e.Change, e.Absence, id)
			}
		}
		for _, r := range o.Restored {
			if r.Change.Kind != Restored || r.Change.AgreementID != id || r.Was.Status != s.restoredWas || !slices.Equal(r.Change.Fields, []string{"signed"}) || r.Days != 227 {
				t.Errorf("%s: got restoration %+v (was %s, %d days), want %s back, was %s, fields [signed], 227 days", s.published, r.Change, r.Was.Status, r.Days, id, s.restoredWas)
			}
			if len(o.Added) != 0 {
				t.Errorf("%s: got %d added, want the return not to be a new agreement", s.published, len(o.Added))
			}
			found := false
			for _, a := range o.Agreements {
				if a.Agency == gone.Agency {
					found = a.ID == id && a.Since == "2025-07-01"
				}
			}
			if !found {
				t.Errorf("%s: the returned agreement is not listed under %s since 2025-07-01: %+v", s.published, id, o.Agreements)
			}
		}
		var st Status
		for _, a := range o.Absent {
			if a.ID == id {
				st = a.Status
			}
		}
		if st != s.status {
			t.Errorf("%s: got status %q, want %q", s.published, st, s.status)
		}
		listed, absent = o.Agreements, o.Absent
	}
}

// TestAdvanceSameList covers the rules that act within one list: a
// hand-off is one changed agreement, a duplicate's clean-up is not a
// removal, a promoted pending agency is not missing.
func TestAdvanceSameList(t *testing.T) {
	const tf = sheet.TaskForce
	constOld := lrec("TN", "Tennessee State Constable 4th District", tf, "2025-11-04", "Polk County", "")
	constNew := lrec("TN", "Polk County Constable District 4", tf, "2025-11-04", "Polk County", "")
	zeph := lrec("FL", "Zephyrhills Police Department", tf, "2025-04-14", "Pasco County", "")
	cityZeph := lrec("FL", "City of Zephyrhills Police Department", tf, "2025-04-14", "Pasco County", "")
	old := []Agreement{agg("p-1", constOld), agg("p-2", zeph), agg("p-3", cityZeph)}
	res := Compare(sheet.Participating, old, []sheet.Record{constNew, zeph}, Options{Published: "2026-03-02"})
	o := Advance(Step{List: sheet.Participating, Snapshot: 9, Published: "2026-03-02", Old: old, Result: res})
	if len(o.Removed) != 0 || len(o.Added) != 0 || len(o.Absent) != 0 {
		t.Errorf("got %d removed, %d added, %d absent; want none", len(o.Removed), len(o.Added), len(o.Absent))
	}
	hand := -1
	for i, c := range o.Changed {
		if c.Match == MatchHandoff {
			hand = i
		}
	}
	if hand < 0 || o.Changed[hand].AgreementID != "p-1" {
		t.Errorf("got changed %+v, want p-1 handed off", o.Changed)
	}
	if want := []Duplicate{{Kind: Removed, AgreementID: "p-3", Of: "p-2"}}; !slices.Equal(o.Duplicates, want) {
		t.Errorf("got duplicates %+v, want %+v", o.Duplicates, want)
	}
	for _, a := range o.Agreements {
		if a.Agency == constNew.Agency && (a.ID != "p-1" || a.Since != "2025-04-01") {
			t.Errorf("handed-off agreement: got id %s since %s, want p-1 since 2025-04-01", a.ID, a.Since)
		}
	}

	pend := lrec("TX", "Coke County Sheriff's Office", tf, "", "", "")
	res = &Result{List: sheet.Pending, Removed: []Change{{Kind: Removed, List: sheet.Pending, AgreementID: "q-1", Before: &pend, PromotedTo: "p-7"}}}
	s := Step{List: sheet.Pending, Published: "2025-08-04", Result: res, Old: []Agreement{{ID: "q-1", Record: pend, Since: "2025-07-01"}}}
	o = Advance(s)
	if len(o.Removed) != 1 || len(o.Absent) != 1 {
		t.Errorf("pending agency: got %d removed, %d absent; want 1 and 1 (LinkPromotions decides the promotion)", len(o.Removed), len(o.Absent))
	}
	want := []PendingExit{{Agreement: Agreement{ID: "q-1", Record: pend, Since: "2025-07-01"}, Left: "2025-08-04"}}
	if got := PendingExits(s, o); len(got) != 1 || got[0].ID != want[0].ID || got[0].Since != want[0].Since || got[0].Left != want[0].Left {
		t.Errorf("pending exits: got %+v, want %+v", got, want)
	}
	if _, err := AdvanceContext(t.Context(), Step{}); err == nil {
		t.Errorf("no result: got nil, want an error")
	}
}

func TestPromotionOpen(t *testing.T) {
	tests := []struct {
		left, asOf string
		want       bool
	}{
		{"2025-08-04", "2025-08-04", true},
		{"2025-08-04", "2025-08-11", true},
		{"2025-08-04", "2025-08-12", false},
		{"bad", "2025-08-04", false},
	}
	for _, tt := range tests {
		if got := PromotionOpen(tt.left, tt.asOf); got != tt.want {
			t.Errorf("PromotionOpen(%s, %s): got %v, want %v", tt.left, tt.asOf, got, tt.want)
		}
	}
}

func TestOutcomeSignings(t *testing.T) {
	const tf = sheet.TaskForce
	newRec := lrec("TX", "Coke County Sheriff's Office", tf, "2025-08-01", "", "")
	back := lrec("KS", "Rooks County Sheriff's Office", tf, "2025-09-05", "", "")
	same := lrec("PA", "East Donegal Township Constables Office", tf, "2025-07-01", "", "")
	o := &Outcome{
		Agreements: []Agreement{{ID: "a", Record: newRec, Since: "2025-08-04"}, {ID: "b", Record: back, Since: "2025-05-01"}, {ID: "c", Record: same, Since: "2025-05-01"}},
		Added:      []Change{{Kind: Added, AgreementID: "a"}},
		Restored: []Restoration{
			{Change: Change{Kind: Restored, AgreementID: "b", Fields: []string{"signed"}}},
			{Change: Change{Kind: Restored, AgreementID: "c"}},
		},
	}
	got := o.Signings("2025-09-09")
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "b" || got[1].Since != "2025-09-09" {
		t.Errorf("got %+v, want a and b (re-signed), dated 2025-09-09", got)
	}
}

func TestAdvanceCancelled(t *testing.T) {
	const tf = sheet.TaskForce
	gone := lrec("TX", "Southside Place Police Department", tf, "2025-05-01", "", "")
	res := Compare(sheet.Participating, nil, []sheet.Record{gone}, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := AdvanceContext(ctx, Step{List: sheet.Participating, Published: "2025-08-01", Result: res,
		Absent: []Absent{{Agreement: agg("p-1", gone), Status: StatusMissing, Absence: Absence{Published: "2025-07-18"}}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// TestAdvanceListedAbsence: an absence the store still lists under the
// same id is not "restored" a second time under that id.
func TestAdvanceListedAbsence(t *testing.T) {
	const tf = sheet.TaskForce
	r := lrec("TX", "Southside Place Police Department", tf, "2025-05-01", "", "")
	old := []Agreement{agg("p-1", r)}
	res := Compare(sheet.Participating, old, []sheet.Record{r, r}, Options{})
	twin := r
	twin.Signed = "2025-06-01"
	res2 := Compare(sheet.Participating, old, []sheet.Record{r, twin}, Options{})
	for _, res := range []*Result{res, res2} {
		o := Advance(Step{List: sheet.Participating, Published: "2025-08-01", Old: old, Result: res,
			Absent: []Absent{{Agreement: agg("p-1", r), Status: StatusMissing, Absence: Absence{Published: "2025-07-18"}}}})
		ids := map[string]int{}
		for _, a := range o.Agreements {
			ids[a.ID]++
		}
		if ids["p-1"] != 1 || len(o.Restored) != 0 {
			t.Errorf("got ids %v and %d restored, want p-1 once and none restored", ids, len(o.Restored))
		}
	}
	// The same absence given twice returns once.
	gone := lrec("TX", "Nixon Police Department", tf, "2025-05-01", "", "")
	back := gone
	back.Signed = "2025-09-01"
	res3 := Compare(sheet.Participating, old, []sheet.Record{r, back, gone}, Options{})
	twice := Absent{Agreement: agg("p-2", gone), Status: StatusMissing, Absence: Absence{Published: "2025-07-18"}}
	o := Advance(Step{List: sheet.Participating, Published: "2025-08-01", Old: old, Result: res3, Absent: []Absent{twice, twice}})
	ids := map[string]int{}
	for _, a := range o.Agreements {
		ids[a.ID]++
	}
	if ids["p-2"] != 1 || len(o.Restored) != 1 {
		t.Errorf("absence given twice: got ids %v and %d restored, want p-2 once and one restored", ids, len(o.Restored))
	}
}

// TestCompareKeepsPoliceAndSheriffApart: a police department removed and
// the county's sheriff's office added, signed the same day, are two
// agreements, unless the MOA is the same document.
func TestCompareKeepsPoliceAndSheriffApart(t *testing.T) {
	const tf = sheet.TaskForce
	pd := lrec("TX", "Haskell Police Department", tf, "2025-06-01", "Haskell County", "")
	so := lrec("TX", "Haskell County Sheriff's Office", tf, "2025-06-01", "Haskell County", "")
	res := Compare(sheet.Participating, []Agreement{agg("p-1", pd)}, []sheet.Record{so}, Options{})
	if len(res.Changed) != 0 || len(res.Added) != 1 || len(res.Removed) != 1 {
		t.Errorf("got %d changed, %d added, %d removed; want 0, 1, 1", len(res.Changed), len(res.Added), len(res.Removed))
	}
	pd.MOAURL = "https://www.ice.gov/doclib/287gMOA/HaskellTX_TFM.pdf"
	so.MOAURL = pd.MOAURL
	res = Compare(sheet.Participating, []Agreement{agg("p-1", pd)}, []sheet.Record{so}, Options{})
	if len(res.Changed) != 1 {
		t.Errorf("same MOA: got %d changed, want 1", len(res.Changed))
	}
}
