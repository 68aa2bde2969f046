package store

import (
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
