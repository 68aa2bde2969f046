package diff

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

// churnLists builds an old list of n agreements and a new reading of it
// with realistic churn: adds new signings, drops terminations and renames
// typo fixes (one letter changed in a distinctive word).
func churnLists(n, adds, drops, renames int) ([]Agreement, []sheet.Record) {
	rng := rand.New(rand.NewPCG(287, 1))
	states := []string{"FL", "TX", "LA", "PA", "MO", "OK", "TN", "AL", "GA", "SC"}
	kinds := []string{"County Sheriff's Office", "Police Department", "Township Constable's Office"}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		b := []byte{byte('A' + rng.IntN(26))}
		for range 5 + rng.IntN(5) {
			b = append(b, letters[rng.IntN(26)])
		}
		return string(b)
	}
	mk := func() sheet.Record {
		st := states[rng.IntN(len(states))]
		return sheet.Record{State: st, StateName: st, Agency: word() + " " + kinds[rng.IntN(len(kinds))],
			Type: "County", Model: models[rng.IntN(len(models))],
			Signed: fmt.Sprintf("2025-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))}
	}
	old := make([]Agreement, n)
	for i := range old {
		old[i] = Agreement{ID: fmt.Sprintf("a%d", i), Record: mk()}
	}
	var cur []sheet.Record
	for i, a := range old {
		if i < drops {
			continue
		}
		r := a.Record
		if i >= drops && i < drops+renames {
			b := []byte(r.Agency)
			b[2] = 'z'
			if r.Agency[2] == 'z' {
				b[2] = 'y'
			}
			r.Agency = string(b)
		}
		cur = append(cur, r)
	}
	for range adds {
		cur = append(cur, mk())
	}
	return old, cur
}

func BenchmarkCompare1800(b *testing.B) {
	old, cur := churnLists(1800, 50, 10, 20)
	b.ReportAllocs()
	for b.Loop() {
		res := Compare(sheet.Participating, old, cur, Options{})
		if len(res.Agreements) != len(old)+len(res.Added)-len(res.Removed) {
			b.Fatal("invariant broken")
		}
	}
}

func TestChurn(t *testing.T) {
	old, cur := churnLists(1800, 50, 10, 20)
	res := Compare(sheet.Participating, old, cur, Options{})
	if len(res.Added) != 50 || len(res.Removed) != 10 || len(res.Changed) != 20 {
		t.Errorf("got +%d -%d ~%d, want +50 -10 ~20", len(res.Added), len(res.Removed), len(res.Changed))
	}
}

// renameLists builds an old list of n agreements, all in one state (the
// diff's costly case: identity resolution runs within a state), and a new
// reading in which every agency is renamed slightly: one letter of its
// distinctive word changed, as a typo fix would. want maps each new agency
// name to the id of the agreement it renames.
func renameLists(n int) (old []Agreement, cur []sheet.Record, want map[string]string) {
	rng := rand.New(rand.NewPCG(287, 2))
	kinds := []string{"County Sheriff's Office", "Police Department", "Township Constable's Office", "Regional Jail"}
	models := []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}
	seen := map[string]bool{}
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyz"
		for {
			b := []byte{byte('A' + rng.IntN(26))}
			for range 5 + rng.IntN(5) {
				b = append(b, letters[rng.IntN(26)])
			}
			if w := string(b); !seen[w] {
				seen[w] = true
				return w
			}
		}
	}
	want = make(map[string]string, n)
	for i := range n {
		w := word()
		r := sheet.Record{State: "TX", StateName: "TEXAS", Agency: w + " " + kinds[rng.IntN(len(kinds))],
			Type: "County", Model: models[rng.IntN(len(models))],
			Signed: fmt.Sprintf("2025-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))}
		a := Agreement{ID: fmt.Sprintf("a%d", i), Record: r}
		old = append(old, a)
		b := []byte(w)
		b[3] = 'a' + (b[3]-'a'+1)%26 // one letter changed: a typo fix
		r.Agency = string(b) + r.Agency[len(w):]
		cur = append(cur, r)
		want[r.Agency] = a.ID
	}
	return old, cur, want
}

// TestCompareRenames: a list in which every agency of one state was
// renamed slightly is all changes, each matched to its own agreement.
func TestCompareRenames(t *testing.T) {
	old, cur, want := renameLists(5000)
	res := Compare(sheet.Participating, old, cur, Options{})
	if len(res.Added) != 0 || len(res.Removed) != 0 || len(res.Changed) != len(old) {
		t.Fatalf("got +%d -%d ~%d, want +0 -0 ~%d", len(res.Added), len(res.Removed), len(res.Changed), len(old))
	}
	for _, c := range res.Changed {
		if id := want[c.After.Agency]; c.AgreementID != id {
			t.Errorf("%q: got agreement %s, want %s", c.After.Agency, c.AgreementID, id)
		}
		if !slices.Equal(c.Fields, []string{"agency"}) {
			t.Errorf("%q: got fields %v, want [agency]", c.After.Agency, c.Fields)
		}
	}
}

// BenchmarkCompareRenames5000 diffs a 5,000-row rename file pair.
func BenchmarkCompareRenames5000(b *testing.B) { benchRenames(b, 5000) }

// BenchmarkCompareRenames2000 is the same at 2,000 rows.
func BenchmarkCompareRenames2000(b *testing.B) { benchRenames(b, 2000) }

func benchRenames(b *testing.B, n int) {
	old, cur, _ := renameLists(n)
	b.ReportAllocs()
	for b.Loop() {
		res := Compare(sheet.Participating, old, cur, Options{})
		if len(res.Changed) != n {
			b.Fatalf("got %d changed, want %d", len(res.Changed), n)
		}
	}
}

// corpusStep is one file of the corpus as the store compares it: the
// list's previous agreements, the file's records and the other list's
// current agreements.
type corpusStep struct {
	list  sheet.List
	old   []Agreement
	cur   []sheet.Record
	other []Agreement
}

// corpusSteps replays the last n files of the corpus manifest with
// Compare and returns a step per file after each list's first.
func corpusSteps(b *testing.B, n int) []corpusStep {
	b.Helper()
	dir := corpustest.Dir(b)
	files := corpustest.Manifest(b, dir)
	files = files[max(0, len(files)-n):]
	state := map[sheet.List][]Agreement{}
	var steps []corpusStep
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			b.Fatal(err)
		}
		sf, err := sheet.Parse(raw)
		if err != nil {
			b.Fatalf("parse %s: %v", f.Name, err)
		}
		other := state[sheet.Pending]
		if sf.List == sheet.Pending {
			other = state[sheet.Participating]
		}
		if old, ok := state[sf.List]; ok {
			steps = append(steps, corpusStep{list: sf.List, old: old, cur: sf.Records, other: other})
		}
		state[sf.List] = Compare(sf.List, state[sf.List], sf.Records, Options{}).Agreements
	}
	return steps
}

// BenchmarkCompareCorpus compares real consecutive lists: "pair" the last
// participating pair of the corpus that differs by a handful of
// agreements (an ordinary day), "jump" the last pair, months apart
// (hundreds of changes), both with no options; "store" the last 40 files
// in order as the store compares them (the other list given, its agency
// index kept in an IndexCache from file to file). ns/compare is the time
// of one comparison.
func BenchmarkCompareCorpus(b *testing.B) {
	steps := corpusSteps(b, 40)
	var pair, jump *corpusStep
	for i := range steps {
		s := &steps[i]
		if s.list != sheet.Participating {
			continue
		}
		jump = s
		res := Compare(s.list, s.old, s.cur, Options{})
		if n := len(res.Added) + len(res.Removed) + len(res.Changed); n > 0 && n <= 20 {
			pair = s
		}
	}
	if pair == nil || jump == nil {
		b.Skip("no participating pairs in the corpus window")
	}
	for _, c := range []struct {
		name string
		s    *corpusStep
	}{{"pair", pair}, {"jump", jump}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res := Compare(c.s.list, c.s.old, c.s.cur, Options{})
				if len(res.Agreements) != len(c.s.old)+len(res.Added)-len(res.Removed) {
					b.Fatal("invariant broken")
				}
			}
		})
	}
	b.Run("store", func(b *testing.B) {
		caches := map[sheet.List]*IndexCache{sheet.Participating: {}, sheet.Pending: {}}
		b.ReportAllocs()
		for b.Loop() {
			for i := range steps {
				s := &steps[i]
				opt := Options{Published: "2026-01-01"}
				if s.list == sheet.Participating {
					opt.Pending, opt.PendingIndex = s.other, caches[sheet.Pending]
				} else {
					opt.Participating, opt.ParticipatingIndex = s.other, caches[sheet.Participating]
				}
				if _, err := CompareContext(context.Background(), s.list, s.old, s.cur, opt); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(steps)), "ns/compare")
	})
}
