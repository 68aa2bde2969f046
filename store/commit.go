package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// current is a list's latest accepted agreements, kept whole so a cycle
// diffs against it without re-parsing anything.
type current struct {
	SnapshotID uint64           `json:"snapshot_id"`
	Published  string           `json:"published,omitempty"`
	Agreements []diff.Agreement `json:"agreements"`
	// index keeps the agency index the other list's comparisons build
	// over these agreements (diff.IndexCache); setCurrent hands it on to
	// the list's next agreements, where it is reused while they name the
	// same agencies. Not stored.
	index *diff.IndexCache
	// signings keeps, on the participating list, the agency index
	// promote's links build over the signings kept (diff.IndexCache);
	// handed on like index. Not stored.
	signings *diff.IndexCache
	// absent is the list's absences as the last commit left them
	// (absent.go). Not stored.
	absent *absentSet
}

// indexCache returns c's agency index cache, made on first use.
func (c *current) indexCache() *diff.IndexCache {
	if c.index == nil {
		c.index = &diff.IndexCache{}
	}
	return c.index
}

// signingsIndex returns c's signings index cache, made on first use.
func (c *current) signingsIndex() *diff.IndexCache {
	if c.signings == nil {
		c.signings = &diff.IndexCache{}
	}
	return c.signings
}

// prepared is one Input hashed and, unless its bytes are known, parsed.
type prepared struct {
	idx  int
	in   Input
	sha  string
	file *sheet.File
	perr error
}

// ListRank is the order in which a cycle's files are applied: the
// participating list first, then the pending list, then files whose list
// is unknown (unread or unreadable). A pending agency that was signed is
// recognised as promoted only against the new participating list; applied
// the other way round it would read as dropped. This is the one place the
// order is decided: Commit applies it to every cycle it is given.
func ListRank(list sheet.List) int {
	switch list {
	case sheet.Participating:
		return 0
	case sheet.Pending:
		return 1
	}
	return 2
}

func inputRank(f *sheet.File) int {
	if f == nil {
		return ListRank("")
	}
	return ListRank(f.List)
}

func listRank(p *prepared) int { return inputRank(p.file) }

// Commit records one fetch cycle (or one import step) in one write
// transaction: checks, validators, and each input as a snapshot, diffed
// against its list's current agreements, guarded, with its changes and
// their outbox deliveries. Inputs are processed participating first, then
// pending, then unreadable files; CycleResult.Outcomes follows the order
// of c.Inputs. Parsing happens before the write transaction so the lock
// is held only for the diff and the writes.
func (s *Store) Commit(ctx context.Context, c Cycle) (*CycleResult, error) {
	res, err := s.CommitBatch(ctx, []Cycle{c})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// CommitBatch commits several cycles, in order, in ONE write transaction:
// all of them or none. Each cycle is applied exactly as Commit would apply
// it alone. It exists for backfills: every write transaction ends in an
// fsync, and on a slow disk that, not the work, bounds an import, so
// `import` commits a few files at a time (a crash loses at most that
// batch, which a re-run redoes).
func (s *Store) CommitBatch(ctx context.Context, cycles []Cycle) ([]*CycleResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: commit: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	orders := make([][]*prepared, len(cycles))
	results := make([]*CycleResult, len(cycles))
	for ci, c := range cycles {
		preps, err := s.prepare(ctx, c)
		if err != nil {
			return nil, err
		}
		order := slices.Clone(preps)
		slices.SortStableFunc(order, func(a, b *prepared) int { return cmp.Compare(listRank(a), listRank(b)) })
		orders[ci] = order
		results[ci] = &CycleResult{Outcomes: make([]Outcome, len(preps))}
	}

	var w *writer
	err := s.update("commit", func(tx *bolt.Tx) error {
		w = newWriter(tx, s.currents)
		for ci, c := range cycles {
			res := results[ci]
			for _, p := range orders[ci] {
				if err := ctx.Err(); err != nil {
					return err
				}
				out, changes, err := w.input(ctx, p, c)
				if err != nil {
					return fmt.Errorf("%s: %w", p.in.Name, err)
				}
				res.Outcomes[p.idx] = *out
				res.Changes = append(res.Changes, changes...)
			}
			if err := w.rememberGuard(c.Guard); err != nil {
				return err
			}
			if err := w.recordValidators(c); err != nil {
				return err
			}
			if err := w.recordChecks(c.Checks, len(c.Inputs)); err != nil {
				return err
			}
		}
		return w.finish()
	})
	if err != nil {
		return nil, err
	}
	s.currents = w.currents
	s.remember(w)
	s.rebuildAfter(ctx, w, cycles, results)
	for _, res := range results {
		for _, o := range res.Outcomes {
			if o.New {
				logSnapshot(s.log, "snapshot recorded", o.Snapshot)
			}
		}
	}
	return results, nil
}

// prepare hashes a cycle's inputs and parses those not already archived,
// outside the write transaction.
func (s *Store) prepare(ctx context.Context, c Cycle) ([]*prepared, error) {
	preps := make([]*prepared, len(c.Inputs))
	for i, in := range c.Inputs {
		sum := sha256.Sum256(in.Body)
		preps[i] = &prepared{idx: i, in: in, sha: hex.EncodeToString(sum[:])}
	}
	known := map[string]bool{}
	err := s.view("commit: look up files", func(tx *bolt.Tx) error {
		for _, p := range preps {
			if _, ok := findSHA(tx, p.sha); ok {
				known[p.sha] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range preps {
		switch {
		case known[p.sha]:
			// A repeat only updates last_seen: no need to read it again.
		case p.in.Parsed != nil:
			p.file = p.in.Parsed
		case p.in.ParseErr != nil:
			p.perr = p.in.ParseErr
		default:
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("store: commit: %w", err)
			}
			p.file, p.perr = s.parse(ctx, p.in.Body)
			if p.file == nil && p.perr == nil {
				p.perr = sheet.ErrNoHeader
			}
		}
	}
	return preps, nil
}

// RecordChecks records a cycle that brought no file: its polls and the
// validators the server sent.
func (s *Store) RecordChecks(ctx context.Context, checks []Check, validators []Validator) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: record checks: %w", err)
	}
	return s.update("record checks", func(tx *bolt.Tx) error {
		w := newWriter(tx)
		if err := w.recordValidators(Cycle{Validators: validators}); err != nil {
			return err
		}
		return w.recordChecks(checks, 0)
	})
}

// Accept releases a quarantined snapshot. When it is newer than its list's
// latest accepted snapshot it is diffed against the current agreements and
// its changes and deliveries are recorded as Commit would, without the
// guard. When a later snapshot was accepted meanwhile it is only marked
// accepted, without changes: the later snapshot already moved the list past
// it, and diffing it now would announce every difference twice (once
// backwards, once forwards) for a file ICE has since replaced. Such a
// snapshot keeps its file and counts but is not part of the agreements'
// timeline.
func (s *Store) Accept(ctx context.Context, id uint64, recipients []Recipient, at time.Time) (*Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: accept %d: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	snap, err := s.Snapshot(ctx, id)
	if err != nil {
		return nil, err // "store: snapshot ID: not found" says it all
	}
	if snap.Status != Quarantined {
		return nil, fmt.Errorf("store: accept %d: %w", id, ErrNotQuarantined)
	}
	if !snap.Readable() {
		return nil, fmt.Errorf("store: accept %d: %s has no recognisable header (%s), so it has no agreements to accept", id, snap.FileName, snap.Reason)
	}
	body, err := s.File(ctx, snap.SHA256)
	if err != nil {
		return nil, fmt.Errorf("store: accept %d: %w", id, err)
	}
	f, err := s.parse(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("store: accept %d: parse %s: %w", id, snap.FileName, err)
	}
	var out *Outcome
	var w *writer
	err = s.update(fmt.Sprintf("accept %d", id), func(tx *bolt.Tx) error {
		w = newWriter(tx, s.currents)
		var snap Snapshot
		ok, err := getJSON(w.snapshots, be64(id), &snap)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		if snap.Status != Quarantined {
			return ErrNotQuarantined
		}
		cur, err := w.current(snap.List)
		if err != nil {
			return err
		}
		o := &Outcome{}
		older := false
		if cur != nil {
			if older, err = w.outOfOrder(&snap); err != nil {
				return err
			}
		}
		if older {
			// Before the list's latest in published order: accepted, and
			// put in its place by the rebuild below, its guard verdict
			// kept as the mark of the operator's accept (rebuild.go).
			// Nothing is announced: it is history.
			snap.Status = Accepted
		} else {
			adm, err := w.admit(ctx, &snap, f, nil, recipients, at)
			if err != nil {
				return err
			}
			o.Result, o.Dropped = adm.res, adm.dropped
		}
		if err := w.putSnapshot(&snap); err != nil {
			return err
		}
		if err := w.noteNewest(&snap); err != nil {
			return err
		}
		o.Snapshot = snap
		out = o
		w.data = true
		return w.finish()
	})
	if err != nil {
		return nil, err
	}
	s.currents = w.currents
	s.remember(w)
	if w.rebuild {
		// The guard of the last commit (rememberGuard): accept is not
		// given the config's.
		if _, err := s.rebuildLocked(ctx, RebuildOptions{At: at}); err != nil {
			return nil, fmt.Errorf("store: accept %d: accepted; the history stays to be rebuilt: %w", id, err)
		}
		if snap, err := s.Snapshot(ctx, id); err == nil {
			out.Snapshot = snap
		}
	}
	logSnapshot(s.log, "snapshot accepted", out.Snapshot)
	return out, nil
}

func logSnapshot(log *slog.Logger, msg string, snap Snapshot) {
	log.Info(msg, slog.Uint64("snapshot_id", snap.ID), slog.String("list", string(snap.List)),
		slog.String("file", snap.FileName), slog.String("status", snap.Status),
		slog.Int("agreements", snap.Agreements), slog.Int("added", snap.Added),
		slog.Int("removed", snap.Removed), slog.Int("changed", snap.Changed),
		slog.String("reason", snap.Reason))
}
