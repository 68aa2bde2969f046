package web

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// ending is one participating agreement no longer listed: the agreement
// as last listed and the published date of the first list without it.
type ending struct {
	// A points into the records read, which stay unmodified: ten years
	// hold thousands of endings, and each record is a kilobyte to copy.
	A     *store.AgreementInfo
	Ended string
	// ListID is the snapshot that dropped it (0 when unknown or not asked
	// for).
	ListID uint64
	// Confirmed is true once the store's lifecycle rule has confirmed the
	// absence (status ended); false while it is only missing.
	Confirmed bool
}

// endings reads every participating agreement that ended (removed and not
// listed again: missing or ended in the store's lifecycle), newest ending
// first.
// states limits it to those states (all when empty). year, when not zero,
// keeps only those ended in that calendar year (by the dropping list's
// published date). withList fills ListID.
//
// The store's agreement records carry the lifecycle (status and the date
// of the first list without the agreement), so this reads no change at
// all unless ListID is asked for, or a record written before the
// lifecycle has no date; then it decodes only the removals since the
// oldest ending shown (or of year): proportional to what it returns, not
// to the history. With the store's FormerAgreements it reads only the
// agreements no longer listed.
func (s *Server) endings(ctx context.Context, states []string, year int, withList bool) ([]ending, error) {
	var all []store.AgreementInfo
	var err error
	if fi, ok := s.store.(formerInReader); ok && len(states) > 0 {
		all, err = fi.FormerAgreementsIn(ctx, sheet.Participating, states, "")
	} else if fr, ok := s.store.(formerReader); ok {
		all, err = fr.FormerAgreements(ctx, sheet.Participating, "")
	} else {
		all, err = s.store.FindAgreements(ctx, "")
	}
	if err != nil {
		return nil, err
	}
	return s.endingsIn(ctx, all, states, year, withList)
}

// formerInReader is the store's read of the agreements no longer listed
// in some states (*store.Store has it): a state's page decodes that
// state's, not every state's.
type formerInReader interface {
	FormerAgreementsIn(ctx context.Context, list sheet.List, states []string, since string) ([]store.AgreementInfo, error)
}

// endingsIn is endings over all: the agreements the store knows, or at
// least those no longer listed (for a caller that has read them already).
func (s *Server) endingsIn(ctx context.Context, all []store.AgreementInfo, states []string, year int, withList bool) ([]ending, error) {
	inStates := func(code string) bool {
		if len(states) == 0 {
			return true
		}
		for _, st := range states {
			if st == code {
				return true
			}
		}
		return false
	}
	yearPrefix := ""
	if year != 0 {
		yearPrefix = strconv.Itoa(year) + "-"
	}
	var ended []ending
	undated := map[string]store.AgreementInfo{}
	for i := range all {
		a := &all[i]
		if a.List != sheet.Participating {
			continue
		}
		// A merged duplicate row did not leave: its agreement stays listed
		// under the other row's id.
		if a.Active || a.Status == diff.StatusMerged || !inStates(a.State) {
			continue
		}
		if a.AbsentSince == "" {
			undated[a.ID] = *a
			continue
		}
		if yearPrefix != "" && (len(a.AbsentSince) < len(yearPrefix) || a.AbsentSince[:len(yearPrefix)] != yearPrefix) {
			continue
		}
		ended = append(ended, ending{A: a, Ended: a.AbsentSince, Confirmed: a.Status == diff.StatusEnded})
	}
	if len(undated) > 0 || (withList && len(ended) > 0) {
		var err error
		if ended, err = s.endingRemovals(ctx, states, year, ended, undated); err != nil {
			return nil, err
		}
	}
	return newestEndingFirst(ended), nil
}

// endingRemovals fills ListID of ended from the removal that dropped each
// and adds the undated agreements (records from before the lifecycle)
// dated by theirs, reading removals of year, or since the oldest ending
// when every one is dated.
func (s *Server) endingRemovals(ctx context.Context, states []string, year int, ended []ending, undated map[string]store.AgreementInfo) ([]ending, error) {
	q := store.ChangeQuery{Filter: diff.Filter{States: states, Kinds: []diff.Kind{diff.Removed},
		Lists: []string{string(sheet.Participating)}}}
	switch {
	case year != 0:
		q.Since = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		q.Until = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	case len(undated) == 0:
		oldest := ended[0].Ended
		for _, e := range ended {
			oldest = min(oldest, e.Ended)
		}
		if t, err := time.Parse(time.DateOnly, oldest); err == nil {
			q.Since = t
		}
	}
	if len(undated) == 0 {
		return s.endingLists(ctx, q, ended)
	}
	return s.scanRemovals(ctx, q, ended, undated)
}

// scanRemovals is endingRemovals from every removal q selects.
func (s *Server) scanRemovals(ctx context.Context, q store.ChangeQuery, ended []ending, undated map[string]store.AgreementInfo) ([]ending, error) {
	removals, _, err := s.store.Changes(ctx, q)
	if err != nil {
		return nil, err
	}
	at := make(map[string]int, len(ended))
	for i, e := range ended {
		at[e.A.ID] = i
	}
	seen := map[string]bool{}
	for _, c := range removals {
		if seen[c.AgreementID] {
			// An older removal of an agreement that came back and left
			// again (newest first: the first removal seen is the last).
			continue
		}
		seen[c.AgreementID] = true
		if i, ok := at[c.AgreementID]; ok {
			ended[i].ListID = c.AfterSnapshot
		} else if a, ok := undated[c.AgreementID]; ok {
			ended = append(ended, ending{A: &a, Ended: c.AfterPublished, ListID: c.AfterSnapshot,
				Confirmed: a.Status == diff.StatusEnded})
		}
	}
	return ended, nil
}

// endingLists fills ListID of ended (every one dated) from each
// agreement's own newest removal that q selects: the removal the scan of
// every removal q selects would find first for it, read through the
// agreement's changes, so a state's page decodes the changes of the
// agreements it lists rather than every removal in the state since its
// oldest ending (ten years of them).
//
// With the store's series (nextReader) the list is the first accepted
// list after the one the agreement was last listed in, taken when it was
// published on the ending's date (the removal's list is); any other
// ending reads its removal.
func (s *Server) endingLists(ctx context.Context, q store.ChangeQuery, ended []ending) ([]ending, error) {
	var next map[uint64]store.Series
	if nr, ok := s.store.(nextReader); ok {
		last := make([]uint64, len(ended))
		for i := range ended {
			last[i] = ended[i].A.LastSnapshot
		}
		var err error
		if next, err = nr.NextAccepted(ctx, sheet.Participating, last); err != nil {
			return nil, err
		}
	}
	for i := range ended {
		if p, ok := next[ended[i].A.LastSnapshot]; ok && ended[i].A.LastSnapshot != 0 && p.Published == ended[i].Ended {
			ended[i].ListID = p.SnapshotID
			continue
		}
		one := q
		one.AgreementID, one.Limit = ended[i].A.ID, 1
		removal, _, err := s.store.Changes(ctx, one)
		if err != nil {
			return nil, err
		}
		if len(removal) > 0 {
			ended[i].ListID = removal[0].AfterSnapshot
		}
	}
	return ended, nil
}

// nextReader is the store's read of the accepted list after another
// (*store.Store has it).
type nextReader interface {
	NextAccepted(ctx context.Context, list sheet.List, after []uint64) (map[uint64]store.Series, error)
}

// newestEndingFirst orders ended by ending date, newest first, ties in
// their order. It sorts positions, not the records: ten years hold
// thousands of endings, and moving whole agreement records through a
// stable sort's rotations cost more than everything else in the overview.
func newestEndingFirst(ended []ending) []ending {
	order := make([]int, len(ended))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return ended[order[i]].Ended > ended[order[j]].Ended })
	out := make([]ending, len(ended))
	for i, k := range order {
		out[i] = ended[k]
	}
	return out
}
