package diff

import (
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestFilterMatch(t *testing.T) {
	tx := &sheet.Record{State: "TX", Model: sheet.TaskForce}
	ok := &sheet.Record{State: "OK", Model: sheet.JailEnforcement}
	moved := &Change{Kind: Changed, List: sheet.Participating, Before: tx, After: ok}
	added := &Change{Kind: Added, List: sheet.Pending, After: tx}
	tests := map[string]struct {
		f    Filter
		c    *Change
		want bool
	}{
		"empty matches all":         {Filter{}, added, true},
		"state":                     {Filter{States: []string{"TX"}}, added, true},
		"other state":               {Filter{States: []string{"FL"}}, added, false},
		"moved out of a state":      {Filter{States: []string{"TX"}}, moved, true},
		"model before or after":     {Filter{Models: []string{sheet.JailEnforcement}}, moved, true},
		"kind":                      {Filter{Kinds: []Kind{Removed}}, added, false},
		"list":                      {Filter{Lists: []string{"participating"}}, added, false},
		"all dimensions must match": {Filter{States: []string{"TX"}, Kinds: []Kind{Added}, Lists: []string{"pending"}}, added, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.f.Match(tc.c); got != tc.want {
				t.Fatalf("Match: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterAgreements(t *testing.T) {
	aggs := []Agreement{
		{ID: "1", Record: sheet.Record{State: "TX", Model: sheet.TaskForce}},
		{ID: "2", Record: sheet.Record{State: "TX", Model: sheet.JailEnforcement}},
		{ID: "3", Record: sheet.Record{State: "FL", Model: sheet.TaskForce}},
	}
	got := Filter{States: []string{"TX"}, Models: []string{sheet.TaskForce}, Kinds: []Kind{Removed}}.Agreements(aggs)
	if len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("Agreements: got %+v, want only agreement 1 (kinds do not apply to agreements)", got)
	}
	if got := (Filter{States: []string{"CA"}}).Agreements(aggs); got == nil || len(got) != 0 {
		t.Fatalf("Agreements with no match: got %#v, want an empty, non-nil slice", got)
	}
}
