package diff

import "slices"

// This file recognises duplicate rows: ICE sometimes lists one agreement
// twice under near-identical names ("City of Zephyrhills Police Department"
// and "Zephyrhills Police Department", same date; "FL Dept of
// Environmental Protection" and "…, Division of Law Enforcement", same
// date and MOA; St. Cloud Police Department signed 04-15 and 04-14), and
// later cleans the repeat away. Fold merges rows whose canonical names are
// equal; these are not, so Compare reports the repeat's arrival as a
// signing and its clean-up as a termination. Neither is one.

// Duplicate is an added or removed agreement that repeats an agreement
// listed both before and after the list.
type Duplicate struct {
	// Kind is Added when the repeat appeared beside Of, Removed when it
	// left while Of stayed.
	Kind Kind `json:"kind"`
	// AgreementID is the repeat's id.
	AgreementID string `json:"agreement_id"`
	// Of is the id of the agreement it repeats.
	Of string `json:"of"`
}

// maxDuplicateDays is how far apart two rows' signing dates may be and
// still be one agreement: ICE's repeats differ by a day at most (St. Cloud
// 04-15 / 04-14), a typed date and its time-zone shifted copy.
const maxDuplicateDays = 1

// FindDuplicates returns the added and removed agreements of res that
// repeat an agreement carried from the old list to the new one (matched by
// Compare, so listed throughout): the same state and model, signing dates
// at most a day apart or the same MOA document, and names with the same
// distinctive words (sameWords). An added repeat is not a signing; a removed
// one is not a termination. Added repeats come first, each group in the
// order of res.Added and res.Removed.
func FindDuplicates(res *Result) []Duplicate {
	if len(res.Added) == 0 && len(res.Removed) == 0 {
		return nil
	}
	isAdded := make(map[string]bool, len(res.Added))
	for _, c := range res.Added {
		isAdded[c.AgreementID] = true
	}
	var added []Agreement
	var carried []*Agreement
	for i := range res.Agreements {
		if a := &res.Agreements[i]; isAdded[a.ID] {
			added = append(added, *a)
		} else {
			carried = append(carried, a)
		}
	}
	removed := make([]Agreement, 0, len(res.Removed))
	for _, c := range res.Removed {
		if c.Before != nil {
			removed = append(removed, Agreement{ID: c.AgreementID, Record: *c.Before})
		}
	}
	// Keep the order of res.Added (sorted), not of the list.
	byID := make(map[string]Agreement, len(added))
	for _, a := range added {
		byID[a.ID] = a
	}
	added = added[:0]
	for _, c := range res.Added {
		if a, ok := byID[c.AgreementID]; ok {
			added = append(added, a)
		}
	}
	return duplicates(carried, added, removed)
}

// duplicates finds the agreements of added and removed that repeat one of
// carried. A repeat shares its state and model and a signing date within
// a day, or its MOA document, with what it repeats, so the carried
// agreements are indexed by those cheap keys and only the few under the
// same keys have their names compared: the cost grows with the lists,
// not with their product, and no carried name is prepared in vain. Only
// the carried agreements of a state and model that an added or removed
// one has are indexed: every key holds both, and most lists add a few.
func duplicates(carried []*Agreement, added, removed []Agreement) []Duplicate {
	if len(carried) == 0 || len(added)+len(removed) == 0 {
		return nil
	}
	type dayKey struct {
		state, model string
		day          int64 // days since 1970
	}
	type moaK struct{ state, model, moa string }
	type stateModel struct{ state, model string }
	wanted := make(map[stateModel]bool, len(added)+len(removed))
	for _, list := range [][]Agreement{added, removed} {
		for i := range list {
			wanted[stateModel{list[i].State, list[i].Model}] = true
		}
	}
	byDay := map[dayKey][]int{}
	byMOA := map[moaK][]int{}
	for i := range carried {
		r := &carried[i].Record
		if !wanted[stateModel{r.State, r.Model}] {
			continue
		}
		if t, ok := parseDay(r.Signed); ok {
			k := dayKey{r.State, r.Model, t.Unix() / 86400}
			byDay[k] = append(byDay[k], i)
		}
		if m := moaKey(r.MOAURL); m != "" {
			k := moaK{r.State, r.Model, m}
			byMOA[k] = append(byMOA[k], i)
		}
	}
	prepared := make(map[int]*entry)
	carriedEntry := func(i int) *entry {
		if e, ok := prepared[i]; ok {
			return e
		}
		e := &entry{rec: &carried[i].Record}
		e.full()
		prepared[i] = e
		return e
	}
	var out []Duplicate
	find := func(kind Kind, list []Agreement) {
		for i := range list {
			a := &list[i]
			r := &a.Record
			var cands []int
			if t, ok := parseDay(r.Signed); ok {
				d := t.Unix() / 86400
				for off := int64(-maxDuplicateDays); off <= maxDuplicateDays; off++ {
					cands = append(cands, byDay[dayKey{r.State, r.Model, d + off}]...)
				}
			}
			if m := moaKey(r.MOAURL); m != "" {
				cands = append(cands, byMOA[moaK{r.State, r.Model, m}]...)
			}
			if len(cands) == 0 {
				continue
			}
			slices.Sort(cands)
			cands = slices.Compact(cands)
			if len(cands) > maxPosting {
				// Hundreds of agreements of one state and model
				// signed on one day: a name says little among them.
				continue
			}
			e := entry{rec: r}
			e.full()
			for _, k := range cands {
				if sameRow(&e, carriedEntry(k)) {
					out = append(out, Duplicate{Kind: kind, AgreementID: a.ID, Of: carried[k].ID})
					break
				}
			}
		}
	}
	find(Added, added)
	find(Removed, removed)
	return out
}

// sameRow reports whether two rows are one agreement listed twice: same
// state and model, signing dates at most maxDuplicateDays apart (both
// known) or the same MOA document, and the same agency by sameWords.
func sameRow(a, b *entry) bool {
	ra, rb := a.rec, b.rec
	if ra.State != rb.State || ra.Model != rb.Model {
		return false
	}
	moaSame := moaKey(ra.MOAURL) != "" && moaKey(ra.MOAURL) == moaKey(rb.MOAURL)
	near := false
	if ra.Signed != "" && rb.Signed != "" {
		if d, ok := daysBetween(ra.Signed, rb.Signed); ok && d >= -maxDuplicateDays && d <= maxDuplicateDays {
			near = true
		}
	}
	if !near && !moaSame {
		return false
	}
	return sameWords(a, b)
}

// sameWords is the name rule for a repeated row, stricter than the rename
// rule: a repeat adds or drops generic words ("City of", ", Division of
// Law Enforcement", "Dept" for "Department") but never retypes the
// distinctive ones, while two agencies of one state signed on one day can
// be one typo apart ("Lakeland" and "Oakland" Police Department, both
// 2025-04-24) or differ in a number ("Polk County Constable District 2"
// and "… 4"). So the distinctive words and the numbers must be the same
// sets, and the kinds of body must agree; or the canonical names or cores
// be equal.
func sameWords(a, b *entry) bool {
	if a.name.key == b.name.key || a.name.core != "" && a.name.core == b.name.core {
		return true
	}
	if a.name.long || b.name.long || len(a.name.distinct) == 0 || len(b.name.distinct) == 0 {
		return false
	}
	return sameSet(a.name.distinct, b.name.distinct) && sameSet(numbers(a.name.toks), numbers(b.name.toks)) &&
		kindsAgree(a.name.kinds, b.name.kinds)
}

// sameSet reports whether two lists hold the same words, ignoring order
// and repeats.
func sameSet(a, b []string) bool {
	for _, w := range a {
		if !slices.Contains(b, w) {
			return false
		}
	}
	for _, w := range b {
		if !slices.Contains(a, w) {
			return false
		}
	}
	return true
}

// numbers returns the words of toks that are numbers.
func numbers(toks []string) []string {
	var out []string
	for _, t := range toks {
		if isNumber(t) {
			out = append(out, t)
		}
	}
	return out
}
