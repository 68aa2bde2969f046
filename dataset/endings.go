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
)

// Endings learns from an agreement's changes how it left its list, for
// the exports' status and ended columns (the SQLite agreements table and
// agreements-ever.csv read it alike). Feed it changes newest first, as
// the store returns them; it keeps one small entry per agreement, never
// the changes.
type Endings struct {
	left map[string]*leaving
}

// leaving is the newest lifecycle of one agreement as its changes tell it.
type leaving struct {
	// newest is the kind of its newest added, removed, ended or restored
	// change.
	newest diff.Kind
	// removed is the published date of the list that dropped it last.
	removed    string
	promotedTo string
}

// Ending is how one agreement stands.
type Ending struct {
	// Status is StatusListed, StatusMissing (gone from the latest list,
	// the absence not yet confirmed) or StatusEnded (confirmed).
	Status string
	// Ended is the published date of the list that dropped it, for an
	// agreement no longer listed.
	Ended string
	// PromotedTo is, for a pending record that left its list because its
	// agency signed, the id of the agreement it became.
	PromotedTo string
}

// NewEndings returns an empty Endings.
func NewEndings() *Endings { return &Endings{left: map[string]*leaving{}} }

// Note reads one change. Changes must come newest first: the first
// lifecycle change seen of an agreement is its newest.
func (e *Endings) Note(c *diff.Change) {
	switch c.Kind {
	case diff.Added, diff.Removed, diff.Ended, diff.Restored:
	default:
		return
	}
	l := e.left[c.AgreementID]
	if l == nil {
		l = &leaving{newest: c.Kind}
		e.left[c.AgreementID] = l
	}
	if c.Kind == diff.Removed && l.removed == "" {
		l.removed = c.AfterPublished
		l.promotedTo = c.PromotedTo
	}
}

// Of says how the agreement stands: listed while the store has it active;
// otherwise missing, or ended once its newest lifecycle change is an
// ending, since the list that dropped it last.
func (e *Endings) Of(in *store.AgreementInfo) Ending {
	if in.Active {
		return Ending{Status: StatusListed}
	}
	out := Ending{Status: StatusMissing}
	if l := e.left[in.ID]; l != nil {
		if l.newest == diff.Ended {
			out.Status = StatusEnded
		}
		out.Ended, out.PromotedTo = l.removed, l.promotedTo
	}
	return out
}
