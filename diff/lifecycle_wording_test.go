package diff

import "testing"

func TestLifecycleNote(t *testing.T) {
	no, yes := false, true
	tests := []struct {
		name string
		ch   Change
		want string
	}{
		{"missing", Change{Kind: Removed, Confirmed: &no, AfterPublished: "2026-03-03"},
			"missing from ICE's list of March 3, 2026 (not yet confirmed ended)"},
		{"removed before the lifecycle", Change{Kind: Removed, AfterPublished: "2026-03-03"}, ""},
		{"promoted", Change{Kind: Removed, Confirmed: &no, PromotedTo: "a-1", AfterPublished: "2026-03-03"}, ""},
		{"ended", Change{Kind: Ended, Confirmed: &yes, AfterPublished: "2026-03-03", AbsentSince: "2026-03-03", AbsentLists: 4},
			"absent from ICE's lists since March 3, 2026 (4 lists)"},
		{"restored", Change{Kind: Restored, AfterPublished: "2026-03-05", AbsentDays: 2},
			"back on ICE's list of March 5, 2026 after 2 days"},
		{"restored a day later", Change{Kind: Restored, AfterPublished: "2026-03-05", AbsentDays: 1},
			"back on ICE's list of March 5, 2026 after 1 day"},
		{"a bad date", Change{Kind: Restored, AfterPublished: "soon"}, "back on ICE's list of an unknown date"},
		{"added", Change{Kind: Added, AfterPublished: "2026-03-05"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LifecycleNote(&tt.ch); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
