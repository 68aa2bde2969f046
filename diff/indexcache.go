package diff

// IndexCache keeps the agency index Compare builds over Options.Pending or
// Options.Participating, so the next comparison over the same agencies
// reuses it. An import compares each list against the other list's
// current agreements, which seldom change from one file to the next, and
// rebuilding the index (every name prepared, every distinctive word's typo
// signatures hashed) was a tenth of an import (issue 12).
//
// A cache is reused only when the list it was built from names the same
// agencies (agency, state and state as published, the only fields the
// index reads) at the same positions; any other list rebuilds it, so a
// stale cache can cost time but never change a result. The zero value is
// ready to use; a nil *IndexCache builds a fresh index each time. A cache
// is not safe for concurrent comparisons.
type IndexCache struct {
	from []indexSource
	ai   *agencyIndex
	// Builds counts the indexes built, for benchmarks and tests.
	Builds int
}

// indexSource is what the agency index reads of one agreement.
type indexSource struct {
	agency, state, stateName string
}

// index returns the agency index over list, from c when c was built from
// the same agencies.
func (c *IndexCache) index(list []Agreement) *agencyIndex {
	if c == nil {
		return newAgencyIndex(list)
	}
	if c.ai != nil && len(c.from) == len(list) {
		same := true
		for i := range list {
			r, f := &list[i].Record, &c.from[i]
			if r.Agency != f.agency || r.State != f.state || r.StateName != f.stateName {
				same = false
				break
			}
		}
		if same {
			// The entries point at the records they were built from;
			// point them at this list's (equal where the index reads).
			for i := range list {
				c.ai.entries[i].rec = &list[i].Record
			}
			return c.ai
		}
	}
	c.Builds++
	c.ai = newAgencyIndex(list)
	c.from = make([]indexSource, len(list))
	for i := range list {
		r := &list[i].Record
		c.from[i] = indexSource{r.Agency, r.State, r.StateName}
	}
	return c.ai
}
