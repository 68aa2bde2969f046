package diff

import "slices"

// IndexCache keeps the agency index Compare builds over Options.Pending or
// Options.Participating, so the next comparison over the same agencies
// reuses it. An import compares each list against the other list's
// current agreements, which seldom change from one file to the next, and
// rebuilding the index (every name prepared, every distinctive word's typo
// signatures hashed) was a tenth of an import (issue 12).
//
// A cache is reused as it is when the list it was built from names the
// same agencies (agency, state and state as published, the only fields
// the index reads) at the same positions, and updated in place when a few
// rows came, went or moved (update); either way it holds exactly what a
// fresh index would, so it can change the time a comparison takes but
// never its result. The zero value is ready to use; a nil *IndexCache
// builds a fresh index each time. A cache is not safe for concurrent
// comparisons.
type IndexCache struct {
	from []indexSource
	ai   *agencyIndex
	// Builds counts the indexes built or updated, for benchmarks and
	// tests.
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
	from := make([]indexSource, len(list))
	for i := range list {
		r := &list[i].Record
		from[i] = indexSource{r.Agency, r.State, r.StateName}
	}
	if c.ai == nil || !c.update(list, from) {
		c.ai = newAgencyIndex(list)
	}
	c.from = from
	return c.ai
}

// update turns c.ai, built from c.from, into the index over list (whose
// agencies are from) in place, and reports whether it did: an entry whose
// agency the old list also named keeps its prepared name and its
// signatures (their postings renumbered to its new position), and only
// the others are prepared and hashed. The index that results holds exactly
// what newAgencyIndex(list) would (TestIndexCache), for a fraction of the
// cost when a list changes by a few rows. It declines when most of the
// list is new, where a fresh build is as cheap.
func (c *IndexCache) update(list []Agreement, from []indexSource) bool {
	// Pair each new position with an old one of the same agency, the
	// earliest not yet taken; an agency named twice pairs in order.
	olds := make(map[indexSource][]int32, len(c.from))
	for i, f := range c.from {
		olds[f] = append(olds[f], int32(i))
	}
	newOf := make([]int32, len(c.from)) // old position → new, -1 when gone
	for i := range newOf {
		newOf[i] = -1
	}
	oldOf := make([]int32, len(list)) // new position → old, -1 when new
	kept := 0
	for j, f := range from {
		oldOf[j] = -1
		if q := olds[f]; len(q) > 0 {
			oldOf[j], newOf[q[0]] = q[0], int32(j)
			olds[f] = q[1:]
			kept++
		}
	}
	if kept < len(list)/2 {
		return false
	}
	old := c.ai
	entries := make([]entry, len(list))
	for j := range list {
		entries[j].rec = &list[j].Record
		if i := oldOf[j]; i >= 0 {
			entries[j].name = old.entries[i].name
		} else {
			entries[j].full()
		}
	}
	// Renumber the postings; an entry's signatures are a function of its
	// agency, so a kept entry carries the same ones at its new position.
	x := old.col.idx
	for h, p := range x {
		q := p[:0]
		sorted := true
		for _, i := range p {
			if j := newOf[i]; j >= 0 {
				if len(q) > 0 && j < q[len(q)-1] {
					sorted = false
				}
				q = append(q, j)
			}
		}
		switch {
		case len(q) == 0:
			delete(x, h)
		default:
			if !sorted {
				slices.Sort(q)
			}
			x[h] = q
		}
	}
	for j := range entries {
		if oldOf[j] < 0 {
			entrySigs(&entries[j], func(h uint64) { x.insert(h, int32(j)) })
		}
	}
	c.ai = &agencyIndex{entries: entries, col: newCollector(x, len(list))}
	return true
}
