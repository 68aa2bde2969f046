package dataset

import (
	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// Agreement statuses in the exports: diff's lifecycle words.
const (
	StatusListed  = string(diff.StatusListed)
	StatusMissing = string(diff.StatusMissing)
	StatusEnded   = string(diff.StatusEnded)
	StatusMerged  = string(diff.StatusMerged)
	// StatusPromoted is a pending record whose agency signed: it left the
	// pending list for the participating agreement PromotedTo. The store
	// calls it ended on the pending list; the exports say promoted, so a
	// reporter counting "ended" never counts signings as terminations.
	StatusPromoted = "promoted"
)

// Endings completes the store's word on how each agreement stands for
// the exports' status, ended and promoted_to columns (the SQLite
// agreements table and agreements-ever.csv read it alike): the status and
// the date of the first list without the agreement are the store's
// (AgreementInfo.Status and AbsentSince, decided by diff's lifecycle);
// the agreement a pending record became is on its removal, so Endings
// reads the changes for it. Feed it changes newest first, as the store
// returns them; it keeps one small entry per agreement that left a list,
// never the changes.
type Endings struct {
	left map[string]*leaving
}

// leaving is an agreement's newest removal.
type leaving struct {
	// removed is the published date of the list that dropped it last.
	removed    string
	promotedTo string
}

// Ending is how one agreement stands.
type Ending struct {
	// Status is StatusListed, StatusMissing (gone from its list, the
	// absence not yet confirmed), StatusEnded (confirmed), StatusMerged
	// (a duplicate row) or StatusPromoted (a pending record that signed).
	Status string
	// Ended is the published date of the first list without the
	// agreement, for one no longer listed.
	Ended string
	// PromotedTo is, for a pending record that left its list because its
	// agency signed, the id of the agreement it became.
	PromotedTo string
}

// NewEndings returns an empty Endings.
func NewEndings() *Endings { return &Endings{left: map[string]*leaving{}} }

// Note reads one change. Changes must come newest first: the first
// removal seen of an agreement is its newest.
func (e *Endings) Note(c *diff.Change) {
	if c.Kind != diff.Removed || e.left[c.AgreementID] != nil {
		return
	}
	e.left[c.AgreementID] = &leaving{removed: c.AfterPublished, promotedTo: c.PromotedTo}
}

// Of says how the agreement stands. A record without a status (a store
// stand-in) is listed when active, else missing: only the lifecycle
// confirms an ending.
func (e *Endings) Of(in *store.AgreementInfo) Ending {
	out := Ending{Status: string(in.Status), Ended: in.AbsentSince}
	if out.Status == "" {
		out.Status = StatusListed
		if !in.Active {
			out.Status = StatusMissing
		}
	}
	if out.Status == StatusListed {
		return Ending{Status: StatusListed}
	}
	if l := e.left[in.ID]; l != nil {
		out.PromotedTo = l.promotedTo
		if out.Ended == "" {
			out.Ended = l.removed
		}
	}
	if out.PromotedTo != "" {
		// A signing, not an ending; Ended stays the date it left the
		// pending list.
		out.Status = StatusPromoted
	}
	return out
}
