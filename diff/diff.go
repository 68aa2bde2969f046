// Package diff turns two readings of one ICE list into agreements and the
// changes between them: new signings, terminations, and changes. Identity
// resolution lives here, because a typo fix reported as a termination plus a
// signing is the worst mistake watch287g can make.
package diff

import (
	"github.com/watch287g/watch287g/sheet"
)

// Options tunes Compare. The zero value works for a file-to-file diff.
type Options struct {
	// NewID returns the id for an agreement seen for the first time. When
	// nil, ids are "new-1", "new-2", … in order of appearance.
	NewID func(r sheet.Record) string
	// Published is the published date (YYYY-MM-DD) of the new snapshot;
	// it becomes Agreement.Since of agreements seen for the first time.
	Published string
	// Pending is the pending list as it stood before this snapshot, used
	// when comparing a participating list: an added agreement whose agency
	// (same state, same or closely matching name) is found there gets
	// Change.WasPendingSince from that pending agreement's Since, or
	// "unknown" when its Since is empty.
	Pending []Agreement
	// Participating is the participating list as it stands now, used when
	// comparing a pending list: a removed pending agency found there gets
	// Change.PromotedTo and does not count as dropped.
	Participating []Agreement
	// PendingIndex and ParticipatingIndex, when set, keep the agency
	// indexes over Pending and Participating from one comparison to the
	// next (see IndexCache); they change no result.
	PendingIndex, ParticipatingIndex *IndexCache
	// noRemoved leaves Result.Removed empty, for MatchReturnsContext,
	// which compares every absent agreement (thousands, after years) with
	// a few added ones and reads only the matches.
	noRemoved bool
}

// Result is the outcome of one comparison.
type Result struct {
	List sheet.List
	// Agreements is the new list of agreements, each with its id: ids
	// carried over from the old list where identity was resolved, new ids
	// otherwise. Order follows the new records. Always
	// len(Agreements) == len(old) + len(Added) - len(Removed).
	Agreements []Agreement
	// Added, Removed and Changed are sorted by state, agency, model, id.
	Added   []Change
	Removed []Change
	Changed []Change
	// Unchanged counts agreements matched with no field difference.
	Unchanged int
	// OnParticipating counts, for a pending list compared with
	// Options.Participating, the new list's agreements that are already
	// participating agreements (same state, agency and model). A genuine
	// pending list holds few; a participating list read as pending,
	// because its SIGNED column was renamed past recognition, holds
	// nearly all. The store's guard quarantines the latter.
	OnParticipating int
	// Warnings from folding the new records (duplicate rows, …).
	Warnings []sheet.Warning
}

// Dropped counts removed agreements that left the program: a pending
// agency promoted to participating was not dropped.
func (r *Result) Dropped() int {
	n := 0
	for _, c := range r.Removed {
		if c.PromotedTo == "" {
			n++
		}
	}
	return n
}
