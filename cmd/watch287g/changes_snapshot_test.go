package main

import (
	"strconv"
	"strings"
	"testing"
)

// TestChangesSnapshot: `changes --snapshot ID` prints only the changes that
// list brought, in every format, and --limit counts within them.
func TestChangesSnapshot(t *testing.T) {
	fx := newFixture(t)
	all := fx.changes(t)
	bySnap := map[uint64]int{}
	for _, c := range all {
		bySnap[c.AfterSnapshot]++
	}
	if len(bySnap) < 2 {
		t.Fatalf("fixture: got changes from %d snapshots, want at least 2", len(bySnap))
	}
	for id, n := range bySnap {
		sid := strconv.FormatUint(id, 10)
		t.Run("snapshot "+sid, func(t *testing.T) {
			got := fx.changes(t, "--snapshot", sid)
			if len(got) != n {
				t.Fatalf("json: got %d changes, want %d", len(got), n)
			}
			for _, c := range got {
				if c.AfterSnapshot != id {
					t.Errorf("json: got a change of snapshot %d, want only %d", c.AfterSnapshot, id)
				}
			}
			rows := readCSV(t, fx.mustRun(t, "changes", "--format", "csv", "--snapshot", sid), changeCSVHeader)
			if len(rows) != n {
				t.Errorf("csv: got %d rows, want %d", len(rows), n)
			}
			text := fx.mustRun(t, "changes", "--snapshot", sid)
			if !strings.HasSuffix(text, strconv.Itoa(n)+" changes\n") {
				t.Errorf("text: got %q at the end, want %q", text[max(0, len(text)-40):], strconv.Itoa(n)+" changes")
			}
			if got := fx.changes(t, "--snapshot", sid, "--limit", "1"); len(got) != 1 || got[0].AfterSnapshot != id {
				t.Errorf("--limit 1: got %d changes, want 1 of snapshot %d", len(got), id)
			}
		})
	}
	// A snapshot that does not exist is an error, not "0 changes".
	if r := fx.run(t, "changes", "--snapshot", "999999"); r.err == nil || !strings.Contains(r.err.Error(), "snapshot 999999: not found") {
		t.Errorf("unknown snapshot: got %v, want \"snapshot 999999: not found\"", r.err)
	}
}
