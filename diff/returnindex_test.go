package diff

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// indexedReturns is MatchReturns as the store runs it: over the absent
// agreements ReturnIndex picks for the added ones, in order, with the
// indexes mapped back to absent's. It also returns how many were picked.
func indexedReturns(absent, added []Agreement) ([]Return, int) {
	x := NewReturnIndex()
	for i := range absent {
		x.Add(uint64(i+1), &absent[i])
	}
	recs := make([]sheet.Record, len(added))
	for j := range added {
		recs[j] = added[j].Record
	}
	keys := x.Candidates(recs)
	sub := make([]Agreement, len(keys))
	for k, key := range keys {
		sub[k] = absent[key-1]
	}
	got := MatchReturns(sub, added)
	for i := range got {
		got[i].Absent = int(keys[got[i].Absent] - 1)
	}
	return got, len(keys)
}

// unrelated builds n absent agreements of other agencies, spread over the
// states and models the cases use, signed over the days before 2025-09-30,
// a few a day, as agreements that left over the years were.
func unrelated(n int) []Agreement {
	last := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	states := []string{"PA", "WY", "KS", "FL", "TX", "SC", "LA", "GA"}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}
	kinds := []string{"County Sheriff's Office", "Police Department", "Township Constables Office"}
	rng := rand.New(rand.NewPCG(12, 287))
	out := make([]Agreement, n)
	for i := range out {
		b := []byte{byte('A' + rng.IntN(26))}
		for range 6 + rng.IntN(4) {
			b = append(b, byte('a'+rng.IntN(26)))
		}
		st := states[i%len(states)]
		out[i] = agg(fmt.Sprintf("gone-%d", i), lrec(st, string(b)+" "+kinds[i%len(kinds)], models[i%len(models)],
			last.AddDate(0, 0, -i/3).Format(time.DateOnly), "", ""))
	}
	return out
}

// TestReturnIndexFindsReturns: among thousands of unrelated absent
// agreements, the return of each kind is found through the index as the
// full MatchReturns finds it, and the index hands over a few candidates,
// not the thousands.
func TestReturnIndexFindsReturns(t *testing.T) {
	const tf, wso = sheet.TaskForce, sheet.WarrantServiceOfficer
	moa := "https://www.ice.gov/doclib/287gMOA/FDACS_TFM.pdf"
	tests := []struct {
		name      string
		absent    sheet.Record
		added     sheet.Record
		wantMatch string // "" for no return
	}{
		{"back unchanged", lrec("PA", "East Donegal Township Constables Office", tf, "2025-07-01", "Lancaster County", ""),
			lrec("PA", "East Donegal Township Constables Office", tf, "2025-07-01", "Lancaster County", ""), MatchExact},
		{"re-signed", lrec("KS", "Rooks County Sheriff's Office", wso, "2025-06-02", "", ""),
			lrec("KS", "Rooks County Sheriff's Office", wso, "2025-09-05", "", ""), MatchExact},
		{"renamed (word swap)", lrec("WY", "Wyoming State Highway Patrol", tf, "2025-06-10", "", ""),
			lrec("WY", "Wyoming Highway State Patrol", tf, "2025-06-10", "", ""), MatchName},
		{"typo fixed", lrec("LA", "Calacasieu Parish Sheriff's Office", wso, "2025-05-01", "", ""),
			lrec("LA", "Calcasieu Parish Sheriff's Office", wso, "2025-05-01", "", ""), MatchName},
		{"state fixed", lrec("FL", "Kershaw County Sheriff's Office", tf, "2025-04-10", "", ""),
			lrec("SC", "Kershaw County Sheriff's Office", tf, "2025-04-10", "", ""), MatchState},
		{"same MOA, new name", lrec("FL", "Florida Department of Agriculture", tf, "2025-06-11", "", moa),
			lrec("FL", "Florida Department of Agriculture Law Enforcement", tf, "2025-08-11", "", moa), MatchMOA},
		{"model label fixed", lrec("FL", "Gulf County Sheriff's Office", "Task Forse Modle", "2025-02-26", "", ""),
			lrec("FL", "Gulf County Sheriff's Office", tf, "2025-02-26", "", ""), MatchModel},
		{"one typo apart, another date: no return", lrec("FL", "Oakland Police Department", tf, "2025-04-24", "", ""),
			lrec("FL", "Lakeland Police Department", tf, "2025-06-24", "", ""), ""},
	}
	others := unrelated(3000)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			absent := slices.Clone(others[:1500])
			absent = append(absent, agg("back", tt.absent))
			absent = append(absent, others[1500:]...)
			added := []Agreement{agg("new-1", lrec("GA", "Cobb County Sheriff's Office", tf, "2025-04-01", "", "")), agg("new-2", tt.added)}
			want := MatchReturns(absent, added)
			got, picked := indexedReturns(absent, added)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("through the index: %+v; over all %d absent: %+v", got, len(absent), want)
			}
			if picked > 50 {
				t.Errorf("the index picked %d of %d absent agreements for 2 added rows", picked, len(absent))
			}
			if tt.wantMatch == "" {
				if len(got) != 0 {
					t.Fatalf("got %+v, want no return", got)
				}
				return
			}
			if len(got) != 1 || got[0].Absent != 1500 || got[0].Added != 1 || got[0].Match != tt.wantMatch {
				t.Fatalf("got %+v, want absent 1500 back as added 1 by %s", got, tt.wantMatch)
			}
		})
	}
}

// TestReturnIndexEquivalent holds MatchReturns over the index's
// candidates to MatchReturns over every absent agreement, on lists drawn
// from a few words, states, models, dates and MOAs, so that typos, word
// swaps, state and model fixes, shared dates and ties between equal
// absences are common.
func TestReturnIndexEquivalent(t *testing.T) {
	words := []string{"Lakeland", "Oakland", "Lakelnd", "Franklin", "Frankln", "Gulf", "Golf", "Pasco", "Polk", "Polk", "Rooks", "Rook", "Haskell", "Haskel", "Cobb", "East", "Donegal", "Highway", "State", "Saint"}
	kinds := []string{"County Sheriff's Office", "Police Department", "Sheriffs Office", "Township Constables Office", "Dept of Public Safety", ""}
	states := []string{"FL", "TX", "SC", ""}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, "Task Forse Modle", sheet.JailEnforcement}
	dates := []string{"2025-04-10", "2025-04-11", "2025-06-02", ""}
	moas := []string{"", "", "https://www.ice.gov/a.pdf", "https://www.ice.gov/b.pdf", "https://www.ice.gov/c.html"}
	rng := rand.New(rand.NewPCG(287, 12))
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	record := func() sheet.Record {
		name := pick(words)
		for range rng.IntN(3) {
			name += " " + pick(words)
		}
		return lrec(pick(states), name+" "+pick(kinds), pick(models), pick(dates), pick([]string{"", "Polk County"}), pick(moas))
	}
	// mutate returns r as ICE might list it again.
	mutate := func(r sheet.Record) sheet.Record {
		switch rng.IntN(6) {
		case 0:
			r.Signed = pick(dates)
		case 1:
			r.State = pick(states)
			r.StateName = sheet.StateName(r.State)
		case 2:
			r.Model = pick(models)
		case 3:
			r.Agency = pick(words) + " " + r.Agency
		case 4:
			r.MOAURL = pick(moas)
		}
		r.AgencyRaw = r.Agency
		return r
	}
	returns, trials := 0, 300
	for trial := range trials {
		absent := make([]Agreement, 20+rng.IntN(200))
		for i := range absent {
			absent[i] = agg(fmt.Sprintf("a%d", i), record())
		}
		var added []Agreement
		for j := range 1 + rng.IntN(12) {
			r := record()
			if rng.IntN(3) > 0 {
				r = mutate(absent[rng.IntN(len(absent))].Record)
			}
			added = append(added, agg(fmt.Sprintf("n%d", j), r))
		}
		// MatchReturns is given agreements of one folded list.
		folded, _ := Fold(recordsOf(added))
		if len(folded) != len(added) {
			continue
		}
		want := MatchReturns(absent, added)
		got, _ := indexedReturns(absent, added)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("trial %d: through the index %+v; over all: %+v\nabsent %+v\nadded %+v", trial, got, want, absent, added)
		}
		returns += len(want)
	}
	if returns < trials {
		t.Fatalf("only %d returns in %d trials: the lists do not exercise the rules", returns, trials)
	}
}

func recordsOf(aggs []Agreement) []sheet.Record {
	out := make([]sheet.Record, len(aggs))
	for i := range aggs {
		out[i] = aggs[i].Record
	}
	return out
}

// TestReturnIndexRemove: a removed agreement is no longer a candidate,
// others filed under its signatures still are.
func TestReturnIndexRemove(t *testing.T) {
	a := agg("a", lrec("KS", "Rooks County Sheriff's Office", sheet.TaskForce, "2025-06-02", "", ""))
	b := agg("b", lrec("KS", "Rooks County Sheriff's Office", sheet.TaskForce, "2024-01-02", "", ""))
	x := NewReturnIndex()
	x.Add(1, &a)
	x.Add(2, &b)
	back := []sheet.Record{lrec("KS", "Rooks County Sheriffs Office", sheet.TaskForce, "2025-09-01", "", "")}
	if got := x.Candidates(back); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("candidates %v, want [1 2]", got)
	}
	x.Remove(1, &a)
	if got := x.Candidates(back); !slices.Equal(got, []uint64{2}) || x.Len() != 1 {
		t.Fatalf("after removing 1: candidates %v (len %d), want [2]", got, x.Len())
	}
	x.Remove(2, &b)
	if got := x.Candidates(back); len(got) != 0 || len(x.posts) != 0 {
		t.Fatalf("after removing both: candidates %v, %d signatures left", got, len(x.posts))
	}
}

// BenchmarkReturns is one list's search for returns (five added rows)
// among 100 and 10,000 absent agreements: through the index (what the
// store does) its cost per list must not grow with the absences; over
// all of them (the full MatchReturns) it does.
func BenchmarkReturns(b *testing.B) {
	for _, n := range []int{100, 10000} {
		absent := unrelated(n)
		added := []Agreement{agg("n1", absent[n/2].Record)}
		for i, a := range benchList(4, "x") {
			a.ID = fmt.Sprintf("n%d", i+2)
			added = append(added, a)
		}
		recs := recordsOf(added)
		x := NewReturnIndex()
		for i := range absent {
			x.Add(uint64(i), &absent[i])
		}
		b.Run(fmt.Sprintf("indexed/absent=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				keys := x.Candidates(recs)
				sub := make([]Agreement, len(keys))
				for k, key := range keys {
					sub[k] = absent[key]
				}
				if len(MatchReturns(sub, added)) != 1 {
					b.Fatal("the return was not found")
				}
			}
		})
		b.Run(fmt.Sprintf("all/absent=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(MatchReturns(absent, added)) != 1 {
					b.Fatal("the return was not found")
				}
			}
		})
	}
}

// TestAdvanceWithoutEndedNonCandidates: a step given the missing absences
// and only the ended ones ReturnIndex picks decides exactly what a step
// given every absence decides, and leaves the others as they were.
func TestAdvanceWithoutEndedNonCandidates(t *testing.T) {
	others := unrelated(3000)
	back := lrec("WY", "Wyoming State Highway Patrol", sheet.TaskForce, "2025-06-10", "", "")
	kept := lrec("KS", "Rooks County Sheriff's Office", sheet.TaskForce, "2025-06-02", "", "")
	gone := lrec("FL", "Gulf County Sheriff's Office", sheet.TaskForce, "2025-02-26", "", "")
	old := []Agreement{agg("k", kept), agg("g", gone)}
	for i := range 30 {
		old = append(old, agg(fmt.Sprintf("o%d", i), others[2000+i].Record))
	}
	var cur []sheet.Record
	for _, a := range old[:len(old)-1] {
		if a.ID != "g" {
			cur = append(cur, a.Record)
		}
	}
	cur = append(cur, lrec("WY", "Wyoming Highway State Patrol", sheet.TaskForce, "2025-06-10", "", ""), others[1500].Record,
		lrec("TX", "Brand New Police Department", sheet.TaskForce, "2025-07-01", "", ""))
	res := Compare(sheet.Participating, old, cur, Options{Published: "2025-07-01"})

	var all []Absent
	x := NewReturnIndex()
	for i, a := range others[:1800] {
		st := StatusEnded
		if i%300 == 0 {
			st = StatusMissing
		}
		all = append(all, Absent{Agreement: a, Status: st, Absence: Absence{Published: "2025-06-20", Lists: 1 + i%4}})
	}
	all = append(all, Absent{Agreement: agg("wy", back), Status: StatusEnded, Absence: Absence{Published: "2025-05-01", Lists: 7}})
	all = append(all, Absent{Agreement: others[1500], Status: StatusEnded, Absence: Absence{Published: "2025-01-01", Lists: 9}})
	var given []Absent
	var givenAt []int
	for i := range all {
		if all[i].Status == StatusEnded {
			x.Add(uint64(i), &all[i].Agreement)
		}
	}
	cands := x.Candidates(AddedRecords(res))
	for i := range all {
		if all[i].Status != StatusEnded || slices.Contains(cands, uint64(i)) {
			given, givenAt = append(given, all[i]), append(givenAt, i)
		}
	}
	if len(given) > 50 {
		t.Fatalf("%d absences given for 3 added rows", len(given))
	}
	step := Step{List: sheet.Participating, Snapshot: 9, Published: "2025-07-01", Old: old, Result: res, Absent: all}
	want := Advance(step)
	step.Absent = given
	got := Advance(step)
	if len(want.Restored) != 2 || len(got.Restored) != 2 {
		t.Fatalf("restored: %d over all, %d over the candidates; want 2", len(want.Restored), len(got.Restored))
	}
	for i := range got.Restored {
		if got.Restored[i].Index = givenAt[got.Restored[i].Index]; !reflect.DeepEqual(got.Restored[i], want.Restored[i]) {
			t.Errorf("restored %d: %+v, want %+v", i, got.Restored[i], want.Restored[i])
		}
	}
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"agreements", got.Agreements, want.Agreements}, {"added", got.Added, want.Added},
		{"removed", got.Removed, want.Removed}, {"changed", got.Changed, want.Changed},
		{"ended", got.Ended, want.Ended}, {"duplicates", got.Duplicates, want.Duplicates},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: %+v over the candidates, %+v over all", f.name, f.got, f.want)
		}
	}
	// Every absence left out is in want.Absent as it was given.
	left := map[string]Absent{}
	for _, a := range want.Absent {
		left[a.ID] = a
	}
	for i, a := range all {
		if slices.Contains(givenAt, i) {
			continue
		}
		if w, ok := left[a.ID]; !ok || !reflect.DeepEqual(w, a) {
			t.Fatalf("absence %s left out of the step: over all it became %+v (present %v), want it unchanged", a.ID, w, ok)
		}
	}
}
