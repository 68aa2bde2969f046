package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestCompareHostileNames: names no agency has (thousands of words, one
// word of 100 KB, hundreds of agencies sharing every word) are compared at
// a bounded cost and never merged on evidence the rules do not accept.
func TestCompareHostileNames(t *testing.T) {
	words := func(i, n int) string {
		w := make([]string, n)
		for k := range w {
			w[k] = fmt.Sprintf("w%dx%d", k, i)
		}
		return strings.Join(w, " ")
	}
	big := strings.Repeat("abcdefghij", 10_000)
	tests := map[string]struct {
		n                       int
		old, cur                func(i int) string
		added, removed, changed int
		unchanged               int
	}{
		"2,000-word names, unchanged": {n: 40, old: func(i int) string { return words(i, 2000) }, cur: func(i int) string { return words(i, 2000) }, unchanged: 40},
		// Past maxNameTokens words, a name matches by its whole key only.
		"2,000-word names, one word changed": {n: 40, old: func(i int) string { return words(i, 2000) },
			cur: func(i int) string { return words(i, 1999) + " changed" }, added: 40, removed: 40},
		// Past maxWordBytes, words correspond only when equal.
		"100 KB word, one letter fixed": {n: 20, old: func(i int) string { return fmt.Sprintf("%s%d Police Department", big, i) },
			cur: func(i int) string { return fmt.Sprintf("%sz%d Police Department", big[:len(big)-1], i) }, added: 20, removed: 20},
		"100 KB word, department renamed": {n: 20, old: func(i int) string { return fmt.Sprintf("%s%d Police Department", big, i) },
			cur: func(i int) string { return fmt.Sprintf("%s%d Police Services Department", big, i) }, changed: 20},
		"1,000 agencies sharing every word": {n: 1000, old: func(i int) string { return fmt.Sprintf("Springfield Police Department %d", i) },
			cur: func(i int) string { return fmt.Sprintf("Springfeld Police Department %d", i) }, added: 1000, removed: 1000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var old []Agreement
			var cur []sheet.Record
			for i := range tc.n {
				r := sheet.Record{State: "TX", StateName: "TEXAS", Agency: tc.old(i), Model: sheet.TaskForce, Signed: "2025-01-01"}
				old = append(old, Agreement{ID: fmt.Sprint(i), Record: r})
				r.Agency = tc.cur(i)
				cur = append(cur, r)
			}
			res := Compare(sheet.Participating, old, cur, Options{})
			if len(res.Added) != tc.added || len(res.Removed) != tc.removed || len(res.Changed) != tc.changed || res.Unchanged != tc.unchanged {
				t.Errorf("got +%d -%d ~%d =%d, want +%d -%d ~%d =%d", len(res.Added), len(res.Removed), len(res.Changed), res.Unchanged,
					tc.added, tc.removed, tc.changed, tc.unchanged)
			}
			for _, c := range res.Changed {
				if want := tc.cur(mustAtoi(t, c.AgreementID)); c.After.Agency != want {
					t.Errorf("agreement %s: got %.40q…, want its own renamed agency", c.AgreementID, c.After.Agency)
				}
			}
		})
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return n
}
