package diff

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// sameIndex fails t unless got indexes list exactly as a fresh
// newAgencyIndex(list) does: the same prepared names, entries pointing at
// list's records, the same signatures filing the same positions, and the
// same candidates for every entry.
func sameIndex(t *testing.T, got *agencyIndex, list []Agreement) {
	t.Helper()
	want := newAgencyIndex(list)
	if len(got.entries) != len(want.entries) {
		t.Fatalf("entries: got %d, want %d", len(got.entries), len(want.entries))
	}
	for i := range want.entries {
		if got.entries[i].rec != &list[i].Record {
			t.Fatalf("entry %d: does not point at the list's record", i)
		}
		if !reflect.DeepEqual(got.entries[i].name, want.entries[i].name) {
			t.Fatalf("entry %d: got name %+v, want %+v", i, got.entries[i].name, want.entries[i].name)
		}
	}
	if g, w := positions(got), positions(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("signatures: got %d keys, want %d (or postings differ)", len(g), len(w))
	}
	if len(got.col.query) < len(list) {
		t.Fatalf("collector: got %d slots, want at least %d", len(got.col.query), len(list))
	}
	for i := range list {
		e := &want.entries[i]
		if g, w := got.candidates(e), want.candidates(e); !slices.Equal(g, w) {
			t.Fatalf("candidates of entry %d: got %v, want %v", i, g, w)
		}
	}
}

// positions returns ai's postings as the positions they file, in order.
func positions(ai *agencyIndex) map[uint64][]int32 {
	out := make(map[uint64][]int32, len(ai.col.idx))
	for h, p := range ai.col.idx {
		q := make([]int32, len(p))
		for k, s := range p {
			q[k] = ai.col.position(s)
		}
		slices.Sort(q)
		out[h] = q
	}
	return out
}

// TestIndexCache: a cached agency index is the index a fresh build gives,
// whatever the next list does (the same agencies, rows inserted, removed,
// renamed, reordered, duplicated), and it is rebuilt only when the list
// names other agencies.
func TestIndexCache(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	states := []string{"TX", "FL", "AL"}
	words := []string{"Harris", "Harriss", "Lake", "City", "Polk", "Brevard", "Walton", "Bay"}
	kinds := []string{"County Sheriff's Office", "Police Department", "Sheriff's Office", "Department of Corrections"}
	newRec := func() sheet.Record {
		name := words[rng.IntN(len(words))] + " " + kinds[rng.IntN(len(kinds))]
		if rng.IntN(3) == 0 {
			name = words[rng.IntN(len(words))] + " " + name
		}
		return rec(states[rng.IntN(len(states))], name, tfm, "2025-06-01", "")
	}
	var list []Agreement
	for range 40 {
		list = append(list, Agreement{Record: newRec()})
	}
	var c IndexCache
	sameIndex(t, c.index(list), list)
	if c.Builds != 1 {
		t.Fatalf("builds: got %d, want 1", c.Builds)
	}
	for step := range 60 {
		next := slices.Clone(list)
		what := rng.IntN(6)
		switch what {
		case 0: // the same agencies; other fields change
			for i := range next {
				next[i].Model, next[i].Row = sheet.JailEnforcement, i+100
			}
		case 1:
			i := rng.IntN(len(next) + 1)
			next = slices.Insert(next, i, Agreement{Record: newRec()})
		case 2:
			if len(next) > 1 {
				i := rng.IntN(len(next))
				next = slices.Delete(next, i, i+1)
			}
		case 3:
			next[rng.IntN(len(next))].Agency += " East"
		case 4:
			rng.Shuffle(len(next), func(i, j int) { next[i], next[j] = next[j], next[i] })
		case 5:
			next = append(next, next[rng.IntN(len(next))])
		}
		builds := c.Builds
		t.Run(fmt.Sprintf("step %d kind %d", step, what), func(t *testing.T) {
			sameIndex(t, c.index(next), next)
			if what == 0 && c.Builds != builds {
				t.Errorf("builds after a list of the same agencies: got %d, want %d", c.Builds, builds)
			}
		})
		list = next
	}
	var none *IndexCache
	sameIndex(t, none.index(list), list)
}

// indexBenchList is n synthetic agreements over a few states, names built from
// a vocabulary so that words repeat as in ICE's lists.
func indexBenchList(n int) []Agreement {
	rng := rand.New(rand.NewPCG(3, 5))
	words := []string{"Harris", "Galveston", "Brazoria", "Montgomery", "Lubbock", "Polk", "Brevard", "Walton",
		"Okaloosa", "Escambia", "Baldwin", "Madison", "Jefferson", "Marshall", "Lake", "Orange"}
	kinds := []string{"County Sheriff's Office", "Police Department", "Sheriff's Office", "County Jail"}
	states := []string{"TX", "FL", "AL", "GA", "LA"}
	list := make([]Agreement, n)
	for i := range list {
		name := fmt.Sprintf("%s %s %s", words[rng.IntN(len(words))], words[rng.IntN(len(words))], kinds[rng.IntN(len(kinds))])
		list[i] = Agreement{Record: rec(states[rng.IntN(len(states))], name, tfm, "2025-06-01", "")}
	}
	return list
}

// BenchmarkAgencyIndex: the index over a 2,000-agreement list built
// fresh, against IndexCache updating it after the list gained and lost a
// row (an import's usual day).
func BenchmarkAgencyIndex(b *testing.B) {
	list := indexBenchList(2001)
	a, c := list[:2000], list[1:]
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			newAgencyIndex(c)
		}
	})
	b.Run("update", func(b *testing.B) {
		var cache IndexCache
		for i := 0; b.Loop(); i++ {
			if i%2 == 0 {
				cache.index(a)
			} else {
				cache.index(c)
			}
		}
	})
}
