package diff

import "github.com/watch287g/watch287g/sheet"

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
// comparisons. It reads a list's records only during the call given it:
// the caller may rewrite them afterwards.
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
	m := getKeyMemo()
	defer putKeyMemo(m)
	return c.indexFrom(list, m)
}

// indexFrom is index with the names from m.
func (c *IndexCache) indexFrom(list []Agreement, m *keyMemo) *agencyIndex {
	if c == nil {
		return newAgencyIndexFrom(list, m)
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
	if c.ai == nil || !c.update(list, from, m) {
		c.ai = newAgencyIndexFrom(list, m)
	}
	c.from = from
	return c.ai
}

// update turns c.ai, built from c.from, into the index over list (whose
// agencies are from) in place, and reports whether it did: an entry whose
// agency the old list also named keeps its prepared name, its slot and
// the postings that file it, whatever its new position; only the entries
// of agencies gone are taken out of the postings and only those of
// agencies new are prepared and filed. The cost is that of the rows that
// came and went, plus one look at each row (a list changes by a few rows
// from one file to the next), where renumbering every posting cost the
// whole index. The index that results holds exactly what
// newAgencyIndex(list) would, up to the slots its postings use
// (TestIndexCache). It declines when most of the list is new, where a
// fresh build is as cheap.
func (c *IndexCache) update(list []Agreement, from []indexSource, m *keyMemo) bool {
	oldOf, kept := pairSources(c.from, from)
	if kept < len(list)/2 {
		return false
	}
	old := c.ai
	oldSlot := func(i int) int32 {
		if old.slotOf == nil {
			return int32(i)
		}
		return old.slotOf[i]
	}
	col := old.col
	x := col.idx
	pos := col.pos
	if pos == nil {
		pos = make([]int32, len(old.entries))
		for i := range pos {
			pos[i] = int32(i)
		}
	}
	free := old.free
	// Take out the entries of agencies gone.
	taken := make([]bool, len(old.entries))
	for _, i := range oldOf {
		if i >= 0 {
			taken[i] = true
		}
	}
	// The signatures of an entry gone are worked out from c.from, not
	// from the record it points at: the caller may have rewritten that
	// list since (LinkPromotions' signings are pruned in place).
	var was sheet.Record
	for i := range old.entries {
		if taken[i] {
			continue
		}
		s := oldSlot(i)
		was.State = c.from[i].state
		gone := entry{rec: &was, name: old.entries[i].name}
		entrySigs(&gone, func(h uint64) { x.remove(h, s) })
		pos[s] = -1
		free = append(free, s)
	}
	// Keep the others, and file the new ones in free slots.
	entries := make([]entry, len(list))
	slotOf := make([]int32, len(list))
	for j := range list {
		if i := oldOf[j]; i >= 0 {
			entries[j] = entry{rec: &list[j].Record, name: old.entries[i].name}
			slotOf[j] = oldSlot(int(i))
			pos[slotOf[j]] = int32(j)
		}
	}
	for j := range list {
		if oldOf[j] >= 0 {
			continue
		}
		entries[j] = entry{rec: &list[j].Record}
		entries[j].fullFrom(m)
		var s int32
		if n := len(free); n > 0 {
			s, free = free[n-1], free[:n-1]
		} else {
			s = int32(len(pos))
			pos = append(pos, -1)
		}
		slotOf[j], pos[s] = s, int32(j)
		entrySigs(&entries[j], func(h uint64) { x.insert(h, s) })
	}
	ncol := newCollector(x, len(pos))
	ncol.pos = pos
	c.ai = &agencyIndex{entries: entries, col: ncol, slotOf: slotOf, free: free}
	return true
}

// pairSources pairs each position of to with a position of from naming
// the same agency, each used once, and returns the pairs (to's position →
// from's, -1 when none) and how many there are. Lists change by a few
// rows inserted, removed or moved, so it walks both in step, skipping up
// to sourceLookahead rows on either side to find the next pair; only the
// rows the walk cannot pair so are looked up by agency. Which of two
// equal rows pairs with which does not matter: they carry the same name
// and signatures.
func pairSources(from, to []indexSource) ([]int32, int) {
	oldOf := make([]int32, len(to))
	var lostFrom, lostTo []int32
	kept := 0
	i, j := 0, 0
	for i < len(from) && j < len(to) {
		if from[i] == to[j] {
			oldOf[j] = int32(i)
			kept++
			i++
			j++
			continue
		}
		skipped := false
		for d := 1; d <= sourceLookahead && !skipped; d++ {
			switch {
			case i+d < len(from) && from[i+d] == to[j]: // rows removed
				for ; d > 0; d-- {
					lostFrom = append(lostFrom, int32(i))
					i++
				}
				skipped = true
			case j+d < len(to) && from[i] == to[j+d]: // rows added
				for ; d > 0; d-- {
					oldOf[j] = -1
					lostTo = append(lostTo, int32(j))
					j++
				}
				skipped = true
			}
		}
		if !skipped {
			lostFrom = append(lostFrom, int32(i))
			oldOf[j] = -1
			lostTo = append(lostTo, int32(j))
			i++
			j++
		}
	}
	for ; i < len(from); i++ {
		lostFrom = append(lostFrom, int32(i))
	}
	for ; j < len(to); j++ {
		oldOf[j] = -1
		lostTo = append(lostTo, int32(j))
	}
	if len(lostFrom) == 0 || len(lostTo) == 0 {
		return oldOf, kept
	}
	olds := make(map[indexSource][]int32, len(lostFrom))
	for _, i := range lostFrom {
		olds[from[i]] = append(olds[from[i]], i)
	}
	for _, j := range lostTo {
		if q := olds[to[j]]; len(q) > 0 {
			oldOf[j] = q[0]
			olds[to[j]] = q[1:]
			kept++
		}
	}
	return oldOf, kept
}

// sourceLookahead is how far pairSources looks for the next pair.
const sourceLookahead = 8
