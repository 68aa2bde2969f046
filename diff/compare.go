package diff

import (
	"fmt"
	"strings"

	"github.com/watch287g/watch287g/sheet"
)

// Fold turns records into agreements: exact duplicate rows fold into one,
// with a warning naming the duplicate's row. Ids are left empty.
// TODO(diff helper): replace with the real engine.
func Fold(recs []sheet.Record) ([]Agreement, []sheet.Warning) {
	seen := map[string]int{}
	var out []Agreement
	var warns []sheet.Warning
	for _, r := range recs {
		k := exactKey(r)
		if first, ok := seen[k]; ok {
			warns = append(warns, sheet.Warning{Row: r.Row, Message: fmt.Sprintf("duplicate of row %d", first)})
			continue
		}
		seen[k] = r.Row
		out = append(out, Agreement{Record: r})
	}
	return out, warns
}

func exactKey(r sheet.Record) string {
	return strings.Join([]string{r.State, strings.ToLower(r.Agency), r.Model, r.Signed}, "\x00")
}

// Compare matches old agreements to new records and reports what changed.
// TODO(diff helper): placeholder that matches exact keys only.
func Compare(list sheet.List, old []Agreement, cur []sheet.Record, opt Options) *Result {
	res := &Result{List: list}
	aggs, warns := Fold(cur)
	res.Warnings = warns
	oldByKey := map[string]Agreement{}
	for _, a := range old {
		oldByKey[exactKey(a.Record)] = a
	}
	n := 0
	for _, a := range aggs {
		k := exactKey(a.Record)
		if o, ok := oldByKey[k]; ok {
			a.ID, a.Since = o.ID, o.Since
			delete(oldByKey, k)
			res.Unchanged++
		} else {
			n++
			if opt.NewID != nil {
				a.ID = opt.NewID(a.Record)
			} else {
				a.ID = fmt.Sprintf("new-%d", n)
			}
			r := a.Record
			res.Added = append(res.Added, Change{Kind: Added, List: list, AgreementID: a.ID, After: &r})
		}
		res.Agreements = append(res.Agreements, a)
	}
	for _, o := range old {
		if _, ok := oldByKey[exactKey(o.Record)]; ok {
			r := o.Record
			res.Removed = append(res.Removed, Change{Kind: Removed, List: list, AgreementID: o.ID, Before: &r})
		}
	}
	return res
}
