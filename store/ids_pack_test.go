package store

import (
	"hash/fnv"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// TestPackIDsCanonical: only ids that print back as themselves are packed
// as numbers; any other falls back (nil), so reading one back gives the
// id stored.
func TestPackIDsCanonical(t *testing.T) {
	for id, packs := range map[string]bool{"7": true, "0": true, "1234": true, "07": false, "00": false, "+7": false, "-7": false, "7a": false, "": false, "1_000": false} {
		aggs := []diff.Agreement{{ID: "1", Record: sheet.Record{Row: 2}}, {ID: id, Record: sheet.Record{Row: 3}}}
		if got := packIDs(aggs, aggs) != nil; got != packs {
			t.Errorf("id %q: packed %v, want %v", id, got, packs)
		}
	}
}

// TestRowHashFNV: rowHash is FNV-1a of the fields, each followed by a zero
// byte, as stored snapshot_ids values were written with hash/fnv.
func TestRowHashFNV(t *testing.T) {
	for _, r := range []sheet.Record{{}, {StateName: "TEXAS", AgencyRaw: "Harris County Sheriff’s Office", ModelRaw: "Jail Enforcement Model", SignedRaw: "45123"}, {AgencyRaw: "\x00\xff"}} {
		h := fnv.New32a()
		for _, f := range []string{r.StateName, r.AgencyRaw, r.ModelRaw, r.SignedRaw} {
			h.Write([]byte(f))
			h.Write([]byte{0})
		}
		if got, want := rowHash(&r), h.Sum32()&(1<<(8*rowHashLen)-1); got != want {
			t.Errorf("%+v: %#x, want %#x", r, got, want)
		}
	}
}
