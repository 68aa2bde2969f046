package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
)

// TestImportSwappedNames imports a day whose two files carry each other's
// names, as ICE's links did on 2025-09-22. The list is decided by the
// columns, so the participating file still goes first and the pending
// town that signed is promoted (added with was_pending_since), not
// dropped from pending and then added as if new.
func TestImportSwappedNames(t *testing.T) {
	dir := t.TempDir()
	part := scrapertest.SampleRows(sheet.Participating, 10)
	town := []string{"TEXAS", "Sample Town Police Department", "Municipality", "Task Force Model"}
	other := []string{"FLORIDA", "Other Town Police Department", "Municipality", "Task Force Model"}
	signed := append(append([]string{}, town...), "2025-09-01", "link")
	for name, body := range map[string][]byte{
		"participatingAgencies09022025am.xlsx": participating(t, part),
		"pendingAgencies09022025am.xlsx":       pending(t, [][]string{town, other}),
		// Swapped: the pending list under the participating name and
		// the participating list under the pending name.
		"participatingAgencies09032025am.xlsx": pending(t, [][]string{other}),
		"pendingAgencies09032025am.xlsx":       participating(t, append(part, signed)),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "w.db")
	mustRun(t, "--db", db, "import", "--quiet", dir)
	var added, removed []diff.Change
	for _, c := range changesOf(t, db) {
		switch c.Kind {
		case diff.Added:
			added = append(added, c)
		case diff.Removed:
			removed = append(removed, c)
		}
	}
	if len(added) != 1 || added[0].WasPendingSince == "" {
		t.Errorf("added: got %+v, want one change for the town with was_pending_since set (promoted)", added)
	}
	for _, c := range removed {
		if c.PromotedTo == "" {
			t.Errorf("removed: got %s %q dropped from %s, want it promoted (the participating file read first)", c.AgreementID, c.Record().Agency, c.List)
		}
	}
}
