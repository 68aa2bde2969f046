package diff

import (
	"slices"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestKeyTable: rows queue under their key in the order added, and keys
// whose hashes collide stay apart.
func TestKeyTable(t *testing.T) {
	keys := []exactKey{
		{"TX", "harris county sheriffs office", tfm, "2025-01-01"},
		{"TX", "polk county sheriffs office", tfm, "2025-01-01"},
		{"TX", "harris county sheriffs office", tfm, "2025-01-01"},
		{"FL", "harris county sheriffs office", tfm, "2025-01-01"},
		{"TX", "polk county sheriffs office", tfm, "2025-01-01"},
	}
	for _, tc := range []struct {
		name string
		hash func(k exactKey) uint64
	}{
		{"hashed", func(k exactKey) uint64 {
			a := keyed{k.agency, 0}
			a.h = newKeyed(k.agency).h
			return exactHash(k.state, &a, k.model, k.signed)
		}},
		{"all colliding", func(exactKey) uint64 { return 7 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := newKeyTable(len(keys), len(keys), func(i int) exactKey { return keys[i] })
			var fresh []bool
			for i := range keys {
				fresh = append(fresh, tab.add(tc.hash(keys[i]), &keys[i], i))
			}
			if want := []bool{true, true, false, true, false}; !slices.Equal(fresh, want) {
				t.Errorf("new keys: got %v, want %v", fresh, want)
			}
			pop := func(k exactKey) int { return tab.pop(tc.hash(k), &k) }
			for _, c := range []struct {
				k    exactKey
				want int
			}{{keys[2], 0}, {keys[0], 2}, {keys[0], -1}, {keys[3], 3}, {keys[1], 1}, {keys[4], 4}, {keys[4], -1},
				{exactKey{"TX", "harris county sheriffs office", tfm, ""}, -1}} {
				if got := pop(c.k); got != c.want {
					t.Errorf("pop %v: got %d, want %d", c.k, got, c.want)
				}
			}
			if got := tab.first(tc.hash(keys[4]), &keys[4]); got != 1 {
				t.Errorf("first of %v: got %d, want 1", keys[4], got)
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
