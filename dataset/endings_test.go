package dataset

import (
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

func TestEndings(t *testing.T) {
	removed := func(day, to string) diff.Change {
		return diff.Change{Kind: diff.Removed, AgreementID: "1", AfterPublished: day, PromotedTo: to}
	}
	tests := []struct {
		name    string
		info    store.AgreementInfo
		changes []diff.Change // oldest first; fed newest first
		want    Ending
	}{
		{"listed", store.AgreementInfo{Active: true, Status: diff.StatusListed},
			[]diff.Change{removed("2025-01-01", ""), {Kind: diff.Restored, AgreementID: "1"}}, Ending{Status: StatusListed}},
		{"missing: the store's date", store.AgreementInfo{Status: diff.StatusMissing, AbsentSince: "2025-02-03"},
			[]diff.Change{{Kind: diff.Added, AgreementID: "1"}, removed("2025-02-01", "")},
			Ending{Status: StatusMissing, Ended: "2025-02-03"}},
		{"ended", store.AgreementInfo{Status: diff.StatusEnded, AbsentSince: "2025-02-03"},
			[]diff.Change{removed("2025-02-03", ""), {Kind: diff.Ended, AgreementID: "1", AfterPublished: "2025-02-03"}},
			Ending{Status: StatusEnded, Ended: "2025-02-03"}},
		{"promoted: the newest removal's link", store.AgreementInfo{Status: diff.StatusMissing, AbsentSince: "2025-06-01"},
			[]diff.Change{removed("2025-01-01", "5"), {Kind: diff.Restored, AgreementID: "1"}, removed("2025-06-01", "7")},
			Ending{Status: StatusPromoted, Ended: "2025-06-01", PromotedTo: "7"}},
		{"no status: missing when inactive, dated by the removal", store.AgreementInfo{},
			[]diff.Change{removed("2025-01-01", ""), {Kind: diff.Changed, AgreementID: "1"},
				{Kind: diff.Removed, AgreementID: "2", AfterPublished: "2025-09-09"}, {Kind: diff.DocumentGone, AgreementID: "1"}},
			Ending{Status: StatusMissing, Ended: "2025-01-01"}},
		{"no status, active", store.AgreementInfo{Active: true}, nil, Ending{Status: StatusListed}},
		{"no changes", store.AgreementInfo{Status: diff.StatusEnded}, nil, Ending{Status: StatusEnded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEndings()
			for i := len(tc.changes) - 1; i >= 0; i-- {
				e.Note(&tc.changes[i])
			}
			in := tc.info
			in.ID = "1"
			if got := e.Of(&in); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
