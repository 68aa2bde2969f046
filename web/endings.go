package web

import (
	"context"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// ending is one participating agreement no longer listed: the agreement
// as last listed and the published date of the first list without it.
type ending struct {
	A     store.AgreementInfo
	Ended string
	// ListID is the snapshot that dropped it (0 when unknown).
	ListID uint64
	// Confirmed is true once the store's lifecycle rule has confirmed the
	// absence (status ended); false while it is only missing.
	Confirmed bool
}

// endings reads every participating agreement that ended (removed and not
// listed again: missing or ended in the store's lifecycle), newest ending
// first, and which states ever had one.
// states limits it to those states (all when empty). year, when not zero,
// keeps only those ended in that calendar year (by the dropping list's
// published date).
func (s *Server) endings(ctx context.Context, states []string, year int) (ended []ending, ever map[string]bool, err error) {
	all, err := s.store.FindAgreements(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	ever = map[string]bool{}
	gone := map[string]store.AgreementInfo{}
	for _, a := range all {
		if a.List != sheet.Participating {
			continue
		}
		ever[a.State] = true
		if !a.Active {
			gone[a.ID] = a
		}
	}
	q := store.ChangeQuery{Filter: diff.Filter{States: states, Kinds: []diff.Kind{diff.Removed},
		Lists: []string{string(sheet.Participating)}}}
	if year != 0 {
		q.Since = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		q.Until = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	removals, _, err := s.store.Changes(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, c := range removals {
		a, ok := gone[c.AgreementID]
		if !ok || seen[c.AgreementID] {
			// Listed again since, or an older removal of an agreement
			// that came back and left again (newest first: the first
			// removal seen is the last one).
			continue
		}
		seen[c.AgreementID] = true
		// The store dates an absence by the first list without the
		// agreement (AbsentSince); a record written before the
		// lifecycle has only the removal's date.
		e := ending{A: a, Ended: cmp(a.AbsentSince, c.AfterPublished), ListID: c.AfterSnapshot,
			Confirmed: a.Status == diff.StatusEnded}
		ended = append(ended, e)
	}
	return ended, ever, nil
}
