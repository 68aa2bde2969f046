package web

import (
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// TestChangeTitleLifecycle: the feed words missing, ended and restored
// plainly (issue 11), with diff.LifecycleNote.
func TestChangeTitleLifecycle(t *testing.T) {
	no, yes := false, true
	r := &sheet.Record{Agency: "Rooks County Sheriff's Office", State: "KS", Model: sheet.TaskForce}
	tests := []struct {
		name string
		c    diff.Change
		want string
	}{
		{"missing", diff.Change{Kind: diff.Removed, List: sheet.Participating, Before: r, Confirmed: &no, AfterPublished: "2026-03-03"},
			"Missing: Rooks County Sheriff's Office (KS, Task Force) — missing from ICE's list of March 3, 2026 (not yet confirmed ended)"},
		{"removed before the lifecycle", diff.Change{Kind: diff.Removed, List: sheet.Participating, Before: r, AfterPublished: "2026-03-03"},
			"Removed: Rooks County Sheriff's Office (KS, Task Force)"},
		{"ended", diff.Change{Kind: diff.Ended, List: sheet.Participating, Before: r, Confirmed: &yes, AfterPublished: "2026-03-03", AbsentSince: "2026-03-03", AbsentLists: 4},
			"Ended: Rooks County Sheriff's Office (KS, Task Force) — absent from ICE's lists since March 3, 2026 (4 lists)"},
		{"restored re-signed", diff.Change{Kind: diff.Restored, List: sheet.Participating, Before: r, After: r, Fields: []string{"signed"}, AfterPublished: "2026-03-05", AbsentDays: 2},
			"Restored: Rooks County Sheriff's Office (KS, Task Force): signed — back on ICE's list of March 5, 2026 after 2 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := changeTitle(&tt.c); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
