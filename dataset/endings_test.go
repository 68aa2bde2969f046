package dataset

import (
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

func TestEndings(t *testing.T) {
	removed := func(day string) diff.Change {
		return diff.Change{Kind: diff.Removed, AgreementID: "1", AfterPublished: day}
	}
	tests := []struct {
		name    string
		active  bool
		changes []diff.Change // oldest first; fed newest first
		want    Ending
	}{
		{"listed", true, []diff.Change{removed("2025-01-01"), {Kind: diff.Restored, AgreementID: "1"}}, Ending{Status: StatusListed}},
		{"missing", false, []diff.Change{{Kind: diff.Added, AgreementID: "1"}, removed("2025-02-03")},
			Ending{Status: StatusMissing, Ended: "2025-02-03"}},
		{"ended", false, []diff.Change{removed("2025-02-03"), {Kind: diff.Ended, AgreementID: "1", AfterPublished: "2025-02-20"}},
			Ending{Status: StatusEnded, Ended: "2025-02-03"}},
		{"back and gone again", false, []diff.Change{removed("2025-01-01"), {Kind: diff.Ended, AgreementID: "1"},
			{Kind: diff.Restored, AgreementID: "1"}, removed("2025-06-01")},
			Ending{Status: StatusMissing, Ended: "2025-06-01"}},
		{"promoted", false, []diff.Change{{Kind: diff.Removed, AgreementID: "1", AfterPublished: "2025-03-01", PromotedTo: "7"}},
			Ending{Status: StatusMissing, Ended: "2025-03-01", PromotedTo: "7"}},
		{"other agreements and kinds ignored", false, []diff.Change{removed("2025-01-01"),
			{Kind: diff.Changed, AgreementID: "1"}, {Kind: diff.Removed, AgreementID: "2", AfterPublished: "2025-09-09"},
			{Kind: diff.DocumentGone, AgreementID: "1"}},
			Ending{Status: StatusMissing, Ended: "2025-01-01"}},
		{"no changes", false, nil, Ending{Status: StatusMissing}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEndings()
			for i := len(tc.changes) - 1; i >= 0; i-- {
				e.Note(&tc.changes[i])
			}
			in := store.AgreementInfo{Agreement: diff.Agreement{ID: "1"}, Active: tc.active}
			if got := e.Of(&in); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
