package store

// Method set of *Store (implemented in the package's other files):
//
//	Open(path string, opt Options) (*Store, error)      // ErrLocked after opt.Timeout (default 1s); ErrCorrupt for an empty, truncated or non-bbolt file
//	(*Store) Close() error
//	(*Store) Path() string
//	(*Store) Size() (int64, error)
//
//	// Writing
//	(*Store) Commit(ctx, Cycle) (*CycleResult, error)   // one write tx
//	(*Store) CommitBatch(ctx, []Cycle) ([]*CycleResult, error) // several cycles, in order, one write tx
//	(*Store) RecordChecks(ctx, []Check, []Validator) error  // a cycle with no files
//	(*Store) Accept(ctx, snapshotID uint64, recipients []Recipient, at time.Time) (*Outcome, error) // an old file: put in its place (Rebuild), not announced
//	(*Store) Rebuild(ctx, RebuildOptions) (*RebuildResult, error) // replay every archived list in published order, ids kept (rebuild.go); one write tx
//	(*Store) RebuildPending(ctx) (bool, error)                  // a file came out of published order since the last Rebuild (Cycle.HoldRebuild)
//
//	// Reading
//	(*Store) Validator(ctx, url string) (Validator, error)     // zero value when unknown
//	(*Store) Snapshots(ctx) ([]Snapshot, error)                // oldest first
//	(*Store) SnapshotsPage(ctx, before uint64, limit int) ([]Snapshot, next uint64, error) // newest first, below id before (0: newest); decodes only the page
//	(*Store) DataVersion(ctx) (uint64, error)                  // moves only when readers' data moves (not on a check); Version(ctx) is "d"+it, the web cache key
//	(*Store) Snapshot(ctx, id uint64) (Snapshot, error)
//	(*Store) SnapshotBySHA(ctx, list sheet.List, sha string) (Snapshot, error)
//	(*Store) File(ctx, sha string) ([]byte, error)             // original bytes
//	(*Store) HasFile(ctx, sha string) (bool, error)
//	(*Store) Latest(ctx, list sheet.List) (Snapshot, error)    // last accepted; ErrNotFound
//	(*Store) Agreements(ctx, list sheet.List, at uint64) (Snapshot, []diff.Agreement, error) // at==0: latest accepted; ErrIDMismatch if the file no longer reads as recorded
//	(*Store) AgreementsAt(ctx, list sheet.List, date string) (Snapshot, []diff.Agreement, error) // last accepted published on/before date
//	(*Store) Agreement(ctx, id string) (AgreementInfo, []diff.Change, error) // history oldest first; an id a Rebuild merged answers as the agreement it became
//	(*Store) FindAgreements(ctx, query string) ([]AgreementInfo, error) // agency/ id substring, case- and accent-insensitive
//	(*Store) Changes(ctx, ChangeQuery) (changes []diff.Change, next uint64, err error)
//	(*Store) Change(ctx, id uint64) (diff.Change, error)   // also a change a Rebuild superseded, as recorded
//	(*Store) AgreementsAsOf(ctx, list sheet.List, at string) (Snapshot, []diff.Agreement, error) // at as ParseAt reads it
//	(*Store) Checks(ctx, limit int) ([]Check, error)           // newest first; retention: CheckRetention / CheckKeep
//	(*Store) LastSuccess(ctx) (time.Time, error)               // zero when none
//	(*Store) LastError(ctx) (time.Time, string, error)
//	(*Store) Series(ctx) ([]Series, error)                     // accepted snapshots, oldest first
//	(*Store) SnapshotChanges(ctx, id uint64) ([]diff.Change, error) // the changes one snapshot brought, oldest first (snapshot_changes.go)
//	(*Store) Verify(ctx) (*VerifyReport, error)                // file mismatches and records that do not read
//
//	// Functions
//	ParseAt(s string) (date string, snapshotID uint64, err error) // --at / ?at=; ErrBadAt
//	ListRank(sheet.List) int                                     // participating before pending
//	RecipientID(RecipientKind, address) string / ParseRecipient(id)
//
//	// Outbox
//	(*Store) Due(ctx, now time.Time, limit int) ([]Delivery, error)     // pending with NextAttempt <= now, oldest first
//	(*Store) Deliveries(ctx, state string) ([]Delivery, error)          // "" for all
//	(*Store) Delivery(ctx, id uint64) (Delivery, error)
//	(*Store) MarkSent(ctx, ids []uint64, at time.Time) error
//	(*Store) MarkFailed(ctx, id uint64, err string, next time.Time, dead bool) error
//	(*Store) Retry(ctx, id uint64, now time.Time) error                 // dead or pending -> pending, due now
//	(*Store) EnqueueAlert(ctx, recipient string, a Alert, at time.Time) (Delivery, error)
//	(*Store) Meta(ctx, key string) (string, error) / SetMeta(ctx, key, value string) error // small operator state (failure streaks, digest last-sent)
