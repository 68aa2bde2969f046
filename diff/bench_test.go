package diff

import (
	"fmt"
	"math/rand/v2"
	"testing"

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
