package store

import (
	"maps"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// TestCountAgreements: the counts by run equal a count row by row, in
// any order, empty keys included.
func TestCountAgreements(t *testing.T) {
	rows := [][2]string{{"TX", "jail"}, {"TX", "jail"}, {"TX", "task"}, {"", "jail"}, {"FL", ""}, {"TX", "jail"}, {"FL", "task"}, {"FL", "task"}}
	for start := range len(rows) + 1 {
		var aggs []diff.Agreement
		for _, r := range append(rows[start:], rows[:start]...) {
			aggs = append(aggs, diff.Agreement{Record: sheet.Record{State: r[0], Model: r[1]}})
		}
		wantModel, wantState := map[string]int{}, map[string]int{}
		for _, a := range aggs {
			wantModel[a.Model]++
			wantState[a.State]++
		}
		var snap Snapshot
		countAgreements(&snap, aggs)
		if snap.Agreements != len(aggs) || !maps.Equal(snap.ByModel, wantModel) || !maps.Equal(snap.ByState, wantState) {
			t.Errorf("rotation %d: %d %v %v, want %d %v %v", start, snap.Agreements, snap.ByModel, snap.ByState, len(aggs), wantModel, wantState)
		}
	}
	var snap Snapshot
	countAgreements(&snap, nil)
	if snap.ByModel == nil || len(snap.ByModel) != 0 || len(snap.ByState) != 0 {
		t.Errorf("no agreements: %v %v", snap.ByModel, snap.ByState)
	}
}
