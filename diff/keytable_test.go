package diff

import (
	"fmt"
	"slices"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestKeyTable: rows queue under their key in the order queued, the
// first row noted under a key stays its first, and keys whose hashes
// collide stay apart, however full the table.
func TestKeyTable(t *testing.T) {
	keys := []exactKey{
		{"TX", "harris county sheriffs office", tfm, "2025-01-01"},
		{"TX", "polk county sheriffs office", tfm, "2025-01-01"},
		{"TX", "harris county sheriffs office", tfm, "2025-01-01"},
		{"FL", "harris county sheriffs office", tfm, "2025-01-01"},
		{"TX", "polk county sheriffs office", tfm, "2025-01-01"},
	}
	for i := range 40 { // past the first size, so the table grows
		keys = append(keys, exactKey{"TX", fmt.Sprintf("agency %d", i), tfm, ""})
	}
	for _, tc := range []struct {
		name string
		hash func(k exactKey) uint64
	}{
		{"hashed", func(k exactKey) uint64 {
			a := newKeyed(k.agency)
			a.key = k.agency
			return exactHash(k.state, &a, k.model, k.signed)
		}},
		{"all colliding", func(exactKey) uint64 { return 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			queued := newKeyTable(1, 1, len(keys))
			noted := newKeyTable(1, 1, 0)
			var firsts []int
			for i := range keys {
				queued.queue(tc.hash(keys[i]), &keys[i], i)
				_, first := noted.note(tc.hash(keys[i]), &keys[i], i)
				firsts = append(firsts, first)
			}
			if got, want := firsts[:5], []int{0, 1, 0, 3, 1}; !slices.Equal(got, want) {
				t.Errorf("first rows noted: got %v, want %v", got, want)
			}
			for i := 5; i < len(keys); i++ {
				if firsts[i] != i {
					t.Fatalf("first row noted under %v: got %d, want %d", keys[i], firsts[i], i)
				}
			}
			pop := func(k exactKey) int { return queued.pop(tc.hash(k), &k) }
			for _, c := range []struct {
				k    exactKey
				want int
			}{{keys[2], 0}, {keys[0], 2}, {keys[0], -1}, {keys[3], 3}, {keys[1], 1}, {keys[4], 4}, {keys[4], -1},
				{exactKey{"TX", "harris county sheriffs office", tfm, ""}, -1}, {keys[30], 30}} {
				if got := pop(c.k); got != c.want {
					t.Errorf("pop %v: got %d, want %d", c.k, got, c.want)
				}
			}
			if k := (exactKey{"TX", "agency 99", tfm, ""}); noted.has(tc.hash(k), &k) {
				t.Errorf("has %v: got true, want false", k)
			}
		})
	}
}

// TestCompareRepeatedKeys: old agreements sharing an exact key (absent
// agreements can) are taken in their order, the first for the first new
// agreement of the key, in the dated round and the undated one alike.
func TestCompareRepeatedKeys(t *testing.T) {
	old := agreements(
		rec("TX", "Harris County Sheriff's Office", tfm, "2025-01-01", ""),
		rec("TX", "Harris County Sheriffs Office", tfm, "2025-01-01", ""),
		rec("TX", "Polk County Sheriff's Office", tfm, "2025-01-01", ""),
		rec("TX", "Polk County Sheriffs Office", tfm, "2025-01-01", ""),
	)
	cur := []sheet.Record{
		rec("TX", "Harris County Sheriffs Office", tfm, "2025-01-01", ""),
		rec("TX", "Polk County Sheriff's Office", tfm, "2025-02-01", ""),
	}
	res := Compare(sheet.Participating, old, cur, Options{})
	if got := []string{res.Agreements[0].ID, res.Agreements[1].ID}; got[0] != "a1" || got[1] != "a3" {
		t.Errorf("ids: got %v, want [a1 a3]", got)
	}
	if len(res.Removed) != 2 || res.Removed[0].AgreementID != "a2" || res.Removed[1].AgreementID != "a4" {
		t.Errorf("removed: got %+v, want a2 and a4", res.Removed)
	}
}
