package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// historyJSON is `changes --format json` without what depends on when and
// in which order the files arrived: ids (changes, agreements, snapshots)
// and detection times.
func historyJSON(t *testing.T, db string) []string {
	t.Helper()
	out := mustRun(t, "--db", db, "changes", "--format", "json")
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("changes --format json: %v\n%s", err, out)
	}
	var changes []any
	switch d := doc.(type) {
	case []any:
		changes = d
	case map[string]any:
		changes, _ = d["changes"].([]any)
	}
	var got []string
	for _, c := range changes {
		m, ok := c.(map[string]any)
		if !ok {
			t.Fatalf("change is %T, want an object", c)
		}
		// historical says how a change arrived (found late, never
		// announced), not what the history is.
		for _, k := range []string{"id", "detected_at", "historical", "agreement_id", "promoted_to", "before_snapshot", "after_snapshot", "url", "agreement_url"} {
			delete(m, k)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	slices.Sort(got)
	return got
}

// TestBackfillAfterLiveBaselineEqualsImport: serve fetched the newest lists
// first; the backfill's older files then give the history an import in
// published order gives, and announce nothing (issue 10, item 5).
func TestBackfillAfterLiveBaselineEqualsImport(t *testing.T) {
	sc := newBFScenario(t)
	cfg := bfConfig(t)
	db := filepath.Join(t.TempDir(), "b.db")
	mustRun(t, "--db", db, "--config", cfg, "import",
		filepath.Join(sc.dir, "2025-07-01pm_participatingAgencies07012025pm.xlsx"),
		filepath.Join(sc.dir, "2025-07-01pm_pendingAgencies07012025pm.xlsx"))
	before := bfDeliveries(t, db)
	r := bfRun(t, context.Background(), "--db", db, "--config", cfg, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
	if r.err != nil && !strings.Contains(r.err.Error(), "quarantined") {
		t.Fatalf("backfill: %v\n%s", r.err, r.stdout)
	}
	if after := bfDeliveries(t, db); after != before {
		t.Errorf("got %d outbox deliveries after the backfill, want %d as before it", after, before)
	}
	imp := filepath.Join(t.TempDir(), "i.db")
	mustRun(t, "--db", imp, "import", sc.dir)
	got, want := historyJSON(t, db), historyJSON(t, imp)
	if len(want) == 0 {
		t.Fatal("the import in published order recorded no change; the test needs some")
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes after a live baseline and a backfill:\n%s\nwant as an import in published order:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
