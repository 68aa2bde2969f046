package diff

import (
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// Kind is what happened to an agreement between two snapshots.
type Kind string

// The kinds of change. Added, Removed and Changed come from comparing two
// lists; Ended and Restored from an agreement's lifecycle across lists
// (see lifecycle.go): Removed means "missing from this list", Ended that
// the absence was confirmed, Restored that an absent agreement is back.
const (
	Added    Kind = "added"
	Removed  Kind = "removed"
	Changed  Kind = "changed"
	Ended    Kind = "ended"
	Restored Kind = "restored"
	// The document kinds (document.go): an agreement's linked MOA or addendum PDF.
	DocumentAdded    Kind = "document_added"
	DocumentReplaced Kind = "document_replaced"
	DocumentGone     Kind = "document_gone"
	DocumentBack     Kind = "document_back"
)

// Agreement is one agreement as it stands in one snapshot: a record plus the
// stable id that survives renames and typo fixes.
type Agreement struct {
	ID string `json:"id"`
	sheet.Record
	// Since is the published date (YYYY-MM-DD) of the first snapshot in
	// which this agreement appeared, when known.
	Since string `json:"since,omitempty"`
}

// Change is one added, removed or changed agreement.
type Change struct {
	// ID is monotonic, given by the store; zero for file-to-file diffs.
	ID          uint64        `json:"id,omitempty"`
	Kind        Kind          `json:"kind"`
	List        sheet.List    `json:"list"`
	AgreementID string        `json:"agreement_id"`
	Before      *sheet.Record `json:"before,omitempty"`
	After       *sheet.Record `json:"after,omitempty"`
	// Fields names the normalized fields that differ (changed only).
	Fields []string `json:"fields,omitempty"`
	// Match says how identity was resolved for a changed agreement
	// (for example "exact", "agency", "state", "signed"); informational.
	Match string `json:"match,omitempty"`

	BeforeSnapshot  uint64    `json:"before_snapshot,omitempty"`
	AfterSnapshot   uint64    `json:"after_snapshot,omitempty"`
	BeforePublished string    `json:"before_published,omitempty"`
	AfterPublished  string    `json:"after_published,omitempty"`
	DetectedAt      time.Time `json:"detected_at,omitzero"`
	// Historical is set on a change found when older lists arrived after
	// newer ones (a backfill after live fetches, store.Rebuild): part of
	// the history, never announced. The Atom feed leaves it out, so feed
	// readers are not flooded with the past as if it were news.
	Historical bool `json:"historical,omitempty"`

	// WasPendingSince is set on a participating "added" change whose agency
	// was on the pending list: the published date it first appeared there.
	WasPendingSince string `json:"was_pending_since,omitempty"`
	// PromotedTo is set on a pending "removed" change whose agency now
	// appears among participating agreements: that agreement's id. Such a
	// removal is a promotion, not an agreement leaving the program.
	PromotedTo string `json:"promoted_to,omitempty"`
	// Document is set on the document kinds: which PDF, old and new bytes.
	Document *DocumentRef `json:"document,omitempty"`

	// The lifecycle (lifecycle.go), as the store records it. Confirmed is
	// false on a "removed" change (missing from one list, not yet an
	// ending) and true on "ended"; nil on the other kinds and on
	// file-to-file diffs. AbsentSince is the published date of the first
	// list without the agreement (ended and restored), AbsentLists the
	// lists of its kind since then still without it (ended), AbsentDays
	// the days away (ended: as of the list that confirmed it; restored:
	// until its return). The wording of emails and the feed reads them.
	Confirmed   *bool  `json:"confirmed,omitempty"`
	AbsentSince string `json:"absent_since,omitempty"`
	AbsentLists int    `json:"absent_lists,omitempty"`
	AbsentDays  int    `json:"absent_days,omitempty"`
}

// Record returns the record that best describes the change's agreement:
// After when present, else Before.
func (c *Change) Record() *sheet.Record {
	if c.After != nil {
		return c.After
	}
	return c.Before
}
