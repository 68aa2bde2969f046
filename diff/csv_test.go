package diff

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

func TestChangeCSVRow(t *testing.T) {
	before := &sheet.Record{State: "TX", Agency: "Alice Police Dept", Model: sheet.TaskForce, Signed: "2025-01-02"}
	after := &sheet.Record{State: "TX", Agency: "Alice Police Department", Type: "City", Model: sheet.TaskForce,
		Signed: "2025-01-03", MOAURL: "https://www.ice.gov/a.pdf"}
	hostile := &sheet.Record{State: "TX", Agency: "=HYPERLINK(\"http://evil\")", Model: sheet.TaskForce, Signed: "2025-01-02"}
	detected := time.Date(2026, 2, 27, 14, 5, 6, 0, time.FixedZone("X", 3600))
	col := func(row []string, name string) string { return row[slices.Index(ChangeCSVHeader(), name)] }
	tests := map[string]struct {
		c    Change
		want map[string]string
	}{
		"stored change": {
			Change{ID: 42, Kind: Changed, List: sheet.Participating, AgreementID: "7", Before: before, After: after,
				Fields: []string{"agency", "signed"}, Match: MatchName, AfterPublished: "2026-02-27",
				BeforePublished: "2026-02-20", DetectedAt: detected},
			map[string]string{"id": "42", "kind": "changed", "list": "participating", "agreement_id": "7",
				"published": "2026-02-27", "previous_published": "2026-02-20", "state": "TX",
				"agency": "Alice Police Department", "type": "City", "model": "task_force", "signed": "2025-01-03",
				"moa_url": "https://www.ice.gov/a.pdf", "fields": "agency;signed",
				"before": "agency=Alice Police Dept; signed=2025-01-02",
				"after":  "agency=Alice Police Department; signed=2025-01-03", "match": "name",
				"detected_at": "2026-02-27T13:05:06Z"},
		},
		"file diff: no id, no dates": {
			Change{Kind: Added, List: sheet.Participating, AgreementID: "new-1", After: after, WasPendingSince: "2025-12-01"},
			map[string]string{"id": "", "published": "", "detected_at": "", "agency": "Alice Police Department",
				"fields": "", "before": "", "after": "", "was_pending_since": "2025-12-01"},
		},
		"removal describes the record before": {
			Change{Kind: Removed, List: sheet.Pending, AgreementID: "9", Before: before, PromotedTo: "12"},
			map[string]string{"kind": "removed", "agency": "Alice Police Dept", "signed": "2025-01-02", "promoted_to": "12"},
		},
		"formula neutralised": {
			Change{Kind: Added, List: sheet.Participating, AgreementID: "-1", After: hostile},
			map[string]string{"agency": "'=HYPERLINK(\"http://evil\")", "agreement_id": "'-1"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			row := ChangeCSVRow(&tc.c)
			if len(row) != len(ChangeCSVHeader()) {
				t.Fatalf("got %d cells, want %d (the header's)", len(row), len(ChangeCSVHeader()))
			}
			for k, want := range tc.want {
				if got := col(row, k); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestWriteChangesCSV(t *testing.T) {
	changes := []Change{
		{ID: 1, Kind: Added, List: sheet.Participating, AgreementID: "1", After: &sheet.Record{State: "FL", Agency: "Gulf, \"County\"\nSheriff"}},
		{ID: 2, Kind: Removed, List: sheet.Pending, AgreementID: "2", Before: &sheet.Record{State: "TX", Agency: "@Alice"}},
	}
	var b bytes.Buffer
	if err := WriteChangesCSV(&b, changes); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if len(recs) != 3 || !slices.Equal(recs[0], ChangeCSVHeader()) {
		t.Fatalf("got %d records, header %q; want 3 and %q", len(recs), recs[0], ChangeCSVHeader())
	}
	for i, want := range []string{"Gulf, \"County\"\nSheriff", "'@Alice"} {
		if got := recs[i+1][7]; got != want {
			t.Errorf("row %d agency: got %q, want %q", i+1, got, want)
		}
	}
	// A Result is written in the same layout: added, removed, changed.
	res := &Result{Added: changes[:1], Removed: changes[1:]}
	var r bytes.Buffer
	if err := WriteCSV(&r, res); err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	if err := WriteChangesCSV(&c, changes); err != nil {
		t.Fatal(err)
	}
	if r.String() != c.String() {
		t.Errorf("WriteCSV:\n%s\nwant WriteChangesCSV's:\n%s", r.String(), c.String())
	}
}
