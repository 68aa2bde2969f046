// Package store keeps everything watch287g knows in one bbolt file: the
// archived files byte for byte, snapshots, agreements with stable ids,
// changes, fetch checks, HTTP validators and the delivery outbox.
//
// One fetch cycle (or one imported file) commits in one write transaction,
// so after a crash the store holds the whole cycle or none of it. Archived
// bytes are written once and never rewritten.
//
// THIS FILE IS THE CONTRACT other packages code against. Method bodies live
// in the other files of this package.
package store

import (
	"errors"
	"log/slog"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// Errors callers test with errors.Is.
var (
	// ErrLocked means another process (usually `watch287g serve`) holds
	// the database file.
	ErrLocked = errors.New("database is held by another watch287g process")
	// ErrNotFound means the snapshot, agreement, change, file or delivery
	// asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotQuarantined means Accept was asked to release a snapshot that
	// is not quarantined.
	ErrNotQuarantined = errors.New("snapshot is not quarantined")
)

// DefaultOpenTimeout is how long Open waits for the file lock before
// returning ErrLocked, so a command never hangs behind a running server.
const DefaultOpenTimeout = time.Second

// Options configures Open.
type Options struct {
	// Timeout waits for the file lock; DefaultOpenTimeout when zero.
	Timeout time.Duration
	// ReadOnly opens with a shared lock: several readers, no writer.
	ReadOnly bool
	// Logger receives the store's logs; slog.Default() when nil.
	Logger *slog.Logger
	// Parse reads an archived file; sheet.Parse when nil. The store keeps
	// only agreement ids per snapshot and re-parses the archived bytes to
	// rebuild an old snapshot's agreements, so this must be the reader
	// that produced the snapshot (tests inject a stand-in).
	Parse func([]byte) (*sheet.File, error)
}

// Snapshot statuses.
const (
	Accepted    = "accepted"
	Quarantined = "quarantined"
)

// Defaults for Guard: diff's, the one place they are defined.
const (
	DefaultMaxDropShare = diff.DefaultMaxDropShare
	DefaultMaxDropRows  = diff.DefaultMaxDropRows
)

// Guard is diff.Guard: the rule that holds back a file that looks broken.
// Commit applies it; the decision is diff's.
type Guard = diff.Guard

// Snapshot is one distinct file of one list.
type Snapshot struct {
	ID        uint64     `json:"id"`
	List      sheet.List `json:"list"`
	SourceURL string     `json:"source_url"`
	FileName  string     `json:"file_name"`
	// Published is the date the file name claims (YYYY-MM-DD), when it parses.
	Published    string          `json:"published,omitempty"`
	FirstSeen    time.Time       `json:"first_seen"`
	LastSeen     time.Time       `json:"last_seen"`
	SHA256       string          `json:"sha256"`
	Size         int64           `json:"size"`
	ETag         string          `json:"etag,omitempty"`
	LastModified string          `json:"last_modified,omitempty"`
	Records      int             `json:"records"`
	Agreements   int             `json:"agreements"`
	Warnings     []sheet.Warning `json:"warnings"`
	Status       string          `json:"status"`
	// Reason says why a snapshot was quarantined.
	Reason string `json:"reason,omitempty"`
	// Guard is the guard's verdict on a snapshot it held back (nil for
	// one it let through, or an unreadable one): the counts behind Reason.
	Guard *diff.Verdict `json:"guard,omitempty"`
	// Counts of the changes this snapshot brought (zero for a baseline or
	// a quarantined snapshot).
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	// Baseline is true for the first accepted snapshot of a list: its
	// agreements were recorded, not announced.
	Baseline bool `json:"baseline,omitempty"`
	// OutOfOrder is set on a file that arrived after a later list of its
	// kind (a backfill): archived, not yet in the history; the rebuild
	// puts it in its place, judges it with the guard, and clears it.
	OutOfOrder bool `json:"out_of_order,omitempty"`
	// ByModel and ByState count the snapshot's agreements, for charts.
	ByModel map[string]int `json:"by_model,omitempty"`
	ByState map[string]int `json:"by_state,omitempty"`
	// Capture and OriginalURL say where a backfilled file came from: the
	// Wayback Machine capture's timestamp (YYYYMMDDhhmmss) and the URL ICE
	// served it at; SourceURL is then the capture's playback URL.
	Capture     string `json:"capture,omitempty"`
	OriginalURL string `json:"original_url,omitempty"`
}

// Readable reports whether the snapshot's header was recognised. An
// unreadable file is archived and quarantined with an empty List, and can
// never be accepted.
func (s Snapshot) Readable() bool { return s.List != "" }

// Input is one downloaded or imported file handed to Commit.
type Input struct {
	// Source is the URL it was downloaded from, or the imported path.
	Source string
	// Name is the original file name (from Content-Disposition or the URL).
	Name string
	Body []byte
	// Parsed is the file already read by the caller; Commit parses Body
	// itself when nil. A file whose header is not recognised is archived
	// and quarantined, so Parsed may be nil with ParseErr set.
	Parsed   *sheet.File
	ParseErr error
	// Published is the date the name claims (YYYY-MM-DD), or empty.
	Published    string
	LastModified string
	ETag         string
	SeenAt       time.Time
	// Capture and OriginalURL are a backfilled file's provenance (see
	// Snapshot); empty for a live fetch or an import.
	Capture     string
	OriginalURL string
}

// CheckOutcome is what one poll transferred, as its check record keeps it.
type CheckOutcome string

// Check outcomes. A check is written in the same transaction as the files
// it brought, so it says what the poll transferred; the snapshots say what
// became of them. Stores written before these constants may also hold
// "new", "unchanged" and "quarantined"; readers treat every outcome but
// CheckError as a success.
const (
	// CheckDownloaded: at least one file came with a body.
	CheckDownloaded CheckOutcome = "downloaded"
	// CheckNotModified: every file answered 304 Not Modified.
	CheckNotModified CheckOutcome = "not_modified"
	// CheckError: the poll failed (partly or wholly); Error says how.
	CheckError CheckOutcome = "error"
)

// OK reports whether the poll succeeded.
func (o CheckOutcome) OK() bool { return o != CheckError && o != "" }

// Check is one poll of one URL.
type Check struct {
	At         time.Time     `json:"at"`
	URL        string        `json:"url"`
	Status     int           `json:"status"`
	Bytes      int64         `json:"bytes"`
	Duration   time.Duration `json:"duration"`
	Outcome    CheckOutcome  `json:"outcome"`
	Error      string        `json:"error,omitempty"`
	SnapshotID uint64        `json:"snapshot_id,omitempty"`
}

// Validator is the HTTP validators last seen for one URL.
type Validator struct {
	URL          string `json:"url"`
	LastModified string `json:"last_modified,omitempty"`
	ETag         string `json:"etag,omitempty"`
}

// Recipient is one subscriber or webhook endpoint as the outbox sees it:
// a stable id ("email:metro@example.org", "webhook:https://…") and the
// filter that decides which changes it receives.
type Recipient struct {
	ID     string
	Filter diff.Filter
	// NoMissing leaves out the raw removals (missing from one list, not
	// linked to a signing) even when Filter lets them through: an email
	// subscriber without a kinds filter hears of an ending once it is
	// confirmed (issue 11).
	NoMissing bool
}

// Cycle is everything one fetch cycle (or one import step) commits at once.
type Cycle struct {
	At         time.Time
	Inputs     []Input
	Checks     []Check
	Validators []Validator
	// Recipients receive one outbox delivery per matching change.
	Recipients []Recipient
	Guard      Guard
	// Lifecycle is the rule that confirms an absence as an ending
	// (config lifecycle:); the zero value is diff.DefaultConfirmRule.
	Lifecycle diff.ConfirmRule
	// Operators are the outbox recipient ids of the operator's channels
	// (one per email address and webhook, see RecipientOperatorEmail);
	// each receives its own Alert delivery for each snapshot quarantined
	// in this cycle, written in the same transaction, so a failing
	// channel is retried without repeating the others.
	Operators []string
	// HoldRebuild: a file older than its list's latest accepted snapshot
	// is committed (archived, nothing announced) but the history is not
	// replayed in published order after this commit; the caller calls
	// Rebuild once all its files are in (import, backfill). Without it,
	// CommitBatch rebuilds after the batch.
	HoldRebuild bool
}

// Outcome is what Commit did with one Input.
type Outcome struct {
	Snapshot Snapshot
	// New is false when the same bytes were seen before (last_seen updated).
	New bool
	// Result is the comparison with the previous accepted snapshot of the
	// list; nil for a baseline, a repeat or a quarantined snapshot. Its
	// Agreements are the store's own current list (not copied: a copy per
	// list was a second of a ten-year import), to be read, never changed.
	Result *diff.Result
	// Dropped is how many agreements the guard counted as dropped.
	Dropped int
}

// CycleResult is what Commit did with a cycle.
type CycleResult struct {
	Outcomes []Outcome
	// Changes recorded in this cycle, with their ids.
	Changes []diff.Change
}

// Quarantined reports whether any snapshot of the cycle was quarantined.
func (r *CycleResult) Quarantined() bool {
	for _, o := range r.Outcomes {
		if o.New && o.Snapshot.Status == Quarantined {
			return true
		}
	}
	return false
}

// ChangeQuery selects changes. Results are newest first; Cursor is the id
// below which to continue (0 starts from the newest).
type ChangeQuery struct {
	Filter diff.Filter
	// Since and Until are calendar days (UTC; the time of day is ignored),
	// both inclusive: a change filed on Since, on Until or between them
	// matches, so Since == Until selects one day. Zero: no bound. A change
	// is filed under its file's published date (see changeTime).
	Since time.Time
	Until time.Time
	// AgreementID limits to one agreement.
	AgreementID string
	Cursor      uint64
	Limit       int // 0: no limit
}

// AgreementInfo is one agreement's identity and latest state.
type AgreementInfo struct {
	diff.Agreement
	List sheet.List `json:"list"`
	// Active is false once the agreement has been removed.
	Active bool `json:"active"`
	// Status is listed, missing (absent from its list's latest lists, not
	// yet confirmed ended), ended (lifecycle.go) or merged (a duplicate
	// row removed while the agreement it repeated, MergedInto, stayed
	// listed). Records written before the lifecycle read as listed when
	// active, else ended.
	Status diff.Status `json:"status"`
	// MergedInto is the agreement a merged duplicate row repeated.
	MergedInto string `json:"merged_into,omitempty"`
	// AbsentSince is the published date of the first list without the
	// agreement while it is missing or ended ("missing since", "ended on").
	AbsentSince    string `json:"absent_since,omitempty"`
	FirstSnapshot  uint64 `json:"first_snapshot"`
	FirstPublished string `json:"first_published,omitempty"`
	LastSnapshot   uint64 `json:"last_snapshot"`
	LastPublished  string `json:"last_published,omitempty"`
}

// Delivery states.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryDead    = "dead"
)

// Delivery is one change (or operator alert) owed to one recipient.
type Delivery struct {
	// ID is monotonic and stable across retries: the webhook's
	// X-Watch287g-Delivery and part of the email's Message-ID.
	ID          uint64    `json:"id"`
	Recipient   string    `json:"recipient"`
	ChangeID    uint64    `json:"change_id,omitempty"`
	Alert       *Alert    `json:"alert,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	State       string    `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt"`
	LastError   string    `json:"last_error,omitempty"`
	SentAt      time.Time `json:"sent_at,omitzero"`
}

// AlertKind is what an operator alert is about.
type AlertKind string

// Alert kinds.
const (
	// AlertQuarantine: a new snapshot was held back (the store enqueues it
	// in the commit that quarantined the snapshot).
	AlertQuarantine AlertKind = "quarantine"
	// AlertFetchFailing: fetch cycles keep failing.
	AlertFetchFailing AlertKind = "fetch_failing"
	// AlertRecovered: fetching works again after failures.
	AlertRecovered AlertKind = "recovered"
	// AlertDeadDelivery: a delivery was given up on.
	AlertDeadDelivery AlertKind = "dead_delivery"
	// AlertStale: no successful fetch for too long.
	AlertStale AlertKind = "stale"
	// AlertDocumentsBlocked: ICE answered a document fetch with 403 or 429; the round stopped (moafetch).
	AlertDocumentsBlocked AlertKind = "documents_blocked"
)

// Alert is an operator alert carried by the outbox. It carries what
// happened as data; notify writes the words. Subject and Body hold text
// written by whoever raised the alert; the store leaves them empty for the
// alerts it raises (AlertQuarantine), whose fields below say everything.
type Alert struct {
	Kind    AlertKind `json:"kind"`
	Subject string    `json:"subject"`
	Body    string    `json:"body"`

	// Set for AlertQuarantine.
	SnapshotID uint64     `json:"snapshot_id,omitempty"`
	List       sheet.List `json:"list,omitempty"` // empty: the header was not recognised
	FileName   string     `json:"file_name,omitempty"`
	SourceURL  string     `json:"source_url,omitempty"`
	Published  string     `json:"published,omitempty"`
	SHA256     string     `json:"sha256,omitempty"`
	Records    int        `json:"records,omitempty"`
	Agreements int        `json:"agreements,omitempty"`
	// Reason is the guard's reason code (diff.GuardDrops, …), or
	// ReasonUnreadable; Detail is the snapshot's one-line reason.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Dropped and Previous: agreements the file drops, of the Previous
	// ones of PreviousSnapshot.
	Dropped          int    `json:"dropped,omitempty"`
	Previous         int    `json:"previous,omitempty"`
	PreviousSnapshot uint64 `json:"previous_snapshot,omitempty"`
	// Acceptable is true when `watch287g accept SnapshotID` can release
	// the snapshot (its header was recognised).
	Acceptable bool `json:"acceptable,omitempty"`
}

// ReasonUnreadable is Alert.Reason for a file whose header was not
// recognised: archived, quarantined, never acceptable.
const ReasonUnreadable = "unreadable"

// Series is one accepted snapshot's counts, for charts over time.
type Series struct {
	SnapshotID uint64         `json:"snapshot_id"`
	List       sheet.List     `json:"list"`
	Published  string         `json:"published"`
	Agreements int            `json:"agreements"`
	ByModel    map[string]int `json:"by_model"`
	ByState    map[string]int `json:"by_state"`
}

// Mismatch is an archived file whose bytes no longer hash to their key.
type Mismatch struct {
	SHA256 string `json:"sha256"`
	Got    string `json:"got"`
}
