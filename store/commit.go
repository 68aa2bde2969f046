package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
}

// prepared is one Input hashed and, unless its bytes are known, parsed.
type prepared struct {
	idx  int
	in   Input
	sha  string
	file *sheet.File
	perr error
}

// listRank orders a cycle's inputs: participating first, because a pending
// list's promotions are recognised against the new participating list.
func listRank(p *prepared) int {
	if p.file == nil {
		return 2
	}
	switch p.file.List {
	case sheet.Participating:
		return 0
	case sheet.Pending:
		return 1
	}
	return 2
}

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
				out, changes, err := w.input(p, c)
				if err != nil {
					return fmt.Errorf("%s: %w", p.in.Name, err)
				}
				res.Outcomes[p.idx] = *out
				res.Changes = append(res.Changes, changes...)
			}
			if err := w.recordValidators(c); err != nil {
				return err
			}
			if err := w.recordChecks(c.Checks, c.Inputs, res.Outcomes); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.currents = w.currents
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
			p.file, p.perr = s.parse(p.in.Body)
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
		return w.recordChecks(checks, nil, nil)
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
		return nil, fmt.Errorf("store: accept %d: %w", id, err)
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
	f, err := s.parse(body)
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
		if cur != nil && snap.ID < cur.SnapshotID {
			snap.Status = Accepted
			snap.Reason = strings.TrimSpace(snap.Reason + " (accepted after snapshot " + strconv.FormatUint(cur.SnapshotID, 10) + ": recorded without changes)")
		} else {
			res, dropped, _, err := w.admit(&snap, f, nil, recipients, at)
			if err != nil {
				return err
			}
			o.Result, o.Dropped = res, dropped
		}
		if err := putJSON(w.snapshots, be64(snap.ID), &snap); err != nil {
			return err
		}
		o.Snapshot = snap
		out = o
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.currents = w.currents
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

// writer holds one write transaction's buckets and the lists' current
// agreements as this transaction has left them.
type writer struct {
	tx                                                    *bolt.Tx
	meta, files, snapshots, shas, agreements, agrChanges  *bolt.Bucket
	cur, snapshotIDs, changes, checks, validators, outbox *bolt.Bucket
	due                                                   *bolt.Bucket
	currents                                              map[sheet.List]*current
}

// appendFill is the fill of buckets whose keys only grow (sequences,
// times): bbolt's default of 0.5 would leave their pages half empty.
const appendFill = 0.95

// newWriter starts a writer; cache, when not nil, seeds its current
// agreements (see Store.currents).
func newWriter(tx *bolt.Tx, cache ...map[sheet.List]*current) *writer {
	w := &writer{
		tx: tx, meta: tx.Bucket(bucketMeta), files: tx.Bucket(bucketFiles),
		snapshots: tx.Bucket(bucketSnapshots), shas: tx.Bucket(bucketSHAs),
		agreements: tx.Bucket(bucketAgreements), agrChanges: tx.Bucket(bucketAgrChanges),
		cur: tx.Bucket(bucketCurrent), snapshotIDs: tx.Bucket(bucketSnapshotIDs),
		changes: tx.Bucket(bucketChanges), checks: tx.Bucket(bucketChecks),
		validators: tx.Bucket(bucketValidators), outbox: tx.Bucket(bucketOutbox),
		due:      tx.Bucket(bucketDue),
		currents: map[sheet.List]*current{},
	}
	for _, c := range cache {
		for l, cur := range c {
			w.currents[l] = cur
		}
	}
	for _, b := range []*bolt.Bucket{w.snapshots, w.agreements, w.snapshotIDs, w.changes, w.checks, w.outbox} {
		b.FillPercent = appendFill
	}
	return w
}

// shaKey indexes a snapshot by list and digest; an unreadable file has an
// empty list.
func shaKey(list sheet.List, sha string) []byte { return []byte(string(list) + "/" + sha) }

// findSHA finds the snapshot holding these bytes under any list.
func findSHA(tx *bolt.Tx, sha string) (uint64, bool) {
	b := tx.Bucket(bucketSHAs)
	for _, l := range []sheet.List{sheet.Participating, sheet.Pending, ""} {
		if v := b.Get(shaKey(l, sha)); len(v) == 8 {
			return beUint(v), true
		}
	}
	return 0, false
}

func beUint(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// current returns the list's latest accepted agreements, nil before its
// baseline. The returned value is shared within the transaction.
func (w *writer) current(list sheet.List) (*current, error) {
	if c, ok := w.currents[list]; ok {
		return c, nil
	}
	var c current
	ok, err := getJSON(w.cur, []byte(list), &c)
	if err != nil || !ok {
		return nil, err
	}
	w.currents[list] = &c
	return &c, nil
}

func (w *writer) setCurrent(list sheet.List, c *current) error {
	// A copy, so a caller holding the Result cannot change the cache.
	c.Agreements = slices.Clone(c.Agreements)
	w.currents[list] = c
	return putJSON(w.cur, []byte(list), c)
}

// input commits one file of a cycle.
func (w *writer) input(p *prepared, c Cycle) (*Outcome, []diff.Change, error) {
	seen := p.in.SeenAt
	if seen.IsZero() {
		seen = c.At
	}
	seen = seen.UTC()
	if id, ok := findSHA(w.tx, p.sha); ok {
		var snap Snapshot
		if _, err := getJSON(w.snapshots, be64(id), &snap); err != nil {
			return nil, nil, err
		}
		if seen.After(snap.LastSeen) {
			snap.LastSeen = seen
			if err := putJSON(w.snapshots, be64(id), &snap); err != nil {
				return nil, nil, err
			}
		}
		return &Outcome{Snapshot: snap}, nil, nil
	}
	if !hasFile(w.files, p.sha) {
		if err := putFile(w.files, p.sha, p.in.Body); err != nil {
			return nil, nil, err
		}
	}
	id, err := w.snapshots.NextSequence()
	if err != nil {
		return nil, nil, err
	}
	snap := Snapshot{
		ID: id, SourceURL: p.in.Source, FileName: p.in.Name, Published: p.in.Published,
		FirstSeen: seen, LastSeen: seen, SHA256: p.sha, Size: int64(len(p.in.Body)),
		ETag: p.in.ETag, LastModified: p.in.LastModified, Warnings: []sheet.Warning{},
	}
	out := &Outcome{New: true}
	var changes []diff.Change
	if p.file == nil {
		snap.Status = Quarantined
		reason := "not read"
		if p.perr != nil {
			reason = p.perr.Error()
		}
		if errors.Is(p.perr, sheet.ErrNoHeader) || p.perr == nil {
			reason = "header not recognised: " + reason
		}
		snap.Reason = reason
	} else {
		snap.List = p.file.List
		snap.Records = len(p.file.Records)
		snap.Warnings = append(snap.Warnings, p.file.Warnings...)
		g := c.Guard
		res, dropped, ch, err := w.admit(&snap, p.file, &g, c.Recipients, c.At)
		if err != nil {
			return nil, nil, err
		}
		out.Result, out.Dropped, changes = res, dropped, ch
	}
	if err := w.shas.Put(shaKey(snap.List, p.sha), be64(id)); err != nil {
		return nil, nil, err
	}
	if err := putJSON(w.snapshots, be64(id), &snap); err != nil {
		return nil, nil, err
	}
	if snap.Status == Quarantined && c.Operator != "" {
		if _, err := w.enqueue(Delivery{Recipient: c.Operator, Alert: quarantineAlert(&snap, out.Dropped)}, c.At); err != nil {
			return nil, nil, err
		}
	}
	out.Snapshot = snap
	return out, changes, nil
}

// guardHolds reports whether dropping dropped of prev agreements looks like
// a broken file. A zero field of g takes its default.
func guardHolds(g Guard, dropped, prev int) bool {
	share, rows := g.MaxDropShare, g.MaxDropRows
	if share <= 0 {
		share = DefaultMaxDropShare
	}
	if rows <= 0 {
		rows = DefaultMaxDropRows
	}
	return float64(dropped) > share*float64(prev) && dropped > rows
}

// tempID marks an id Compare asked for; real ids are drawn only once the
// snapshot is accepted, so a quarantined file burns no agreement ids.
const tempID = "\x00new-"

// admit records a readable snapshot's agreements: a baseline when its list
// has none, else a diff against the current agreements, held back when
// guard (nil: no guard) says the file looks broken. It sets snap's status
// and counts; the caller writes snap.
func (w *writer) admit(snap *Snapshot, f *sheet.File, guard *Guard, recipients []Recipient, at time.Time) (*diff.Result, int, []diff.Change, error) {
	list := snap.List
	cur, err := w.current(list)
	if err != nil {
		return nil, 0, nil, err
	}
	folded, foldWarns := diff.Fold(f.Records)
	if cur == nil {
		snap.Baseline = true
		snap.Status = Accepted
		snap.Warnings = append(snap.Warnings, foldWarns...)
		for i := range folded {
			id, err := w.newAgreementID()
			if err != nil {
				return nil, 0, nil, err
			}
			folded[i].ID = id
			folded[i].Since = snap.Published
			if err := w.putInfo(newInfo(folded[i], snap)); err != nil {
				return nil, 0, nil, err
			}
		}
		countAgreements(snap, folded)
		if err := w.putSnapshotIDs(snap.ID, folded, folded); err != nil {
			return nil, 0, nil, err
		}
		return nil, 0, nil, w.setCurrent(list, &current{SnapshotID: snap.ID, Published: snap.Published, Agreements: folded})
	}

	n := 0
	opt := diff.Options{Published: snap.Published, NewID: func(sheet.Record) string {
		n++
		return tempID + strconv.Itoa(n)
	}}
	switch list {
	case sheet.Participating:
		if p, err := w.current(sheet.Pending); err != nil {
			return nil, 0, nil, err
		} else if p != nil {
			opt.Pending = p.Agreements
		}
	case sheet.Pending:
		if p, err := w.current(sheet.Participating); err != nil {
			return nil, 0, nil, err
		} else if p != nil {
			opt.Participating = p.Agreements
		}
	}
	res := diff.Compare(list, cur.Agreements, f.Records, opt)
	dropped := res.Dropped()
	snap.Warnings = append(snap.Warnings, res.Warnings...)
	countAgreements(snap, res.Agreements)
	if guard != nil && guardHolds(*guard, dropped, len(cur.Agreements)) {
		snap.Status = Quarantined
		snap.Reason = fmt.Sprintf("drops %d of the %d agreements of snapshot %d (guard: more than %s and more than %d)",
			dropped, len(cur.Agreements), cur.SnapshotID, sharePercent(*guard), guardRows(*guard))
		return nil, dropped, nil, nil
	}
	if guard != nil && looksParticipating(*guard, res) {
		// Announcing it would tell every subscriber that hundreds of
		// signed agreements are "new pending agencies".
		snap.Status = Quarantined
		snap.Reason = fmt.Sprintf("read as a pending list (no SIGNED column), but %d of its %d agreements are already participating agreements: is it the participating list with its SIGNED column renamed?",
			res.OnParticipating, len(res.Agreements))
		return nil, dropped, nil, nil
	}

	// Draw real ids for the agreements seen for the first time.
	ids := map[string]string{}
	for i := range res.Agreements {
		a := &res.Agreements[i]
		if strings.HasPrefix(a.ID, tempID) {
			id, err := w.newAgreementID()
			if err != nil {
				return nil, 0, nil, err
			}
			ids[a.ID] = id
			a.ID = id
		}
		if a.Since == "" {
			a.Since = snap.Published
		}
	}
	var changes []diff.Change
	for _, group := range [][]diff.Change{res.Added, res.Removed, res.Changed} {
		for i := range group {
			ch := &group[i]
			if real, ok := ids[ch.AgreementID]; ok {
				ch.AgreementID = real
			}
			ch.List = list
			ch.BeforeSnapshot, ch.BeforePublished = cur.SnapshotID, cur.Published
			ch.AfterSnapshot, ch.AfterPublished = snap.ID, snap.Published
			ch.DetectedAt = at.UTC()
			id, err := w.changes.NextSequence()
			if err != nil {
				return nil, 0, nil, err
			}
			ch.ID = id
			if err := putJSON(w.changes, be64(id), ch); err != nil {
				return nil, 0, nil, err
			}
			if err := w.agrChanges.Put(agrChangeKey(ch.AgreementID, id), nil); err != nil {
				return nil, 0, nil, err
			}
			if err := w.noteChange(ch, snap, cur, res.Agreements); err != nil {
				return nil, 0, nil, err
			}
			for _, r := range recipients {
				if r.Filter.Match(ch) {
					if _, err := w.enqueue(Delivery{Recipient: r.ID, ChangeID: id}, at); err != nil {
						return nil, 0, nil, err
					}
				}
			}
			changes = append(changes, *ch)
		}
	}
	snap.Added, snap.Removed, snap.Changed = len(res.Added), len(res.Removed), len(res.Changed)
	snap.Status = Accepted
	if err := w.putSnapshotIDs(snap.ID, res.Agreements, folded); err != nil {
		return nil, 0, nil, err
	}
	if err := w.setCurrent(list, &current{SnapshotID: snap.ID, Published: snap.Published, Agreements: res.Agreements}); err != nil {
		return nil, 0, nil, err
	}
	return res, dropped, changes, nil
}

// looksParticipating reports whether a list read as pending is mostly
// agreements already on the participating list: more than half of it and
// more than the guard's row count.
func looksParticipating(g Guard, res *diff.Result) bool {
	return res.List == sheet.Pending && res.OnParticipating > guardRows(g) && 2*res.OnParticipating > len(res.Agreements)
}

func sharePercent(g Guard) string {
	if g.MaxDropShare <= 0 {
		g.MaxDropShare = DefaultMaxDropShare
	}
	return strconv.FormatFloat(g.MaxDropShare*100, 'f', -1, 64) + "%"
}

func guardRows(g Guard) int {
	if g.MaxDropRows <= 0 {
		return DefaultMaxDropRows
	}
	return g.MaxDropRows
}

func countAgreements(snap *Snapshot, aggs []diff.Agreement) {
	snap.Agreements = len(aggs)
	snap.ByModel, snap.ByState = map[string]int{}, map[string]int{}
	for _, a := range aggs {
		snap.ByModel[a.Model]++
		snap.ByState[a.State]++
	}
}

func newInfo(a diff.Agreement, snap *Snapshot) *AgreementInfo {
	return &AgreementInfo{
		Agreement: a, List: snap.List, Active: true,
		FirstSnapshot: snap.ID, FirstPublished: snap.Published,
		LastSnapshot: snap.ID, LastPublished: snap.Published,
	}
}

func (w *writer) putInfo(info *AgreementInfo) error {
	return putJSON(w.agreements, []byte(info.ID), info)
}

// noteChange brings one agreement's stored identity up to date. Agreements
// that did not change are not rewritten: readers take an active
// agreement's latest record and snapshot from the list's current
// agreements, which keeps a cycle's writes proportional to its changes.
func (w *writer) noteChange(ch *diff.Change, snap *Snapshot, cur *current, now []diff.Agreement) error {
	var info AgreementInfo
	ok, err := getJSON(w.agreements, []byte(ch.AgreementID), &info)
	if err != nil {
		return err
	}
	switch {
	case !ok && ch.Kind == diff.Removed:
		return fmt.Errorf("removed agreement %s is unknown", ch.AgreementID)
	case !ok:
		a := diff.Agreement{ID: ch.AgreementID, Record: *ch.After, Since: snap.Published}
		for _, n := range now {
			if n.ID == ch.AgreementID {
				a = n
				break
			}
		}
		return w.putInfo(newInfo(a, snap))
	case ch.Kind == diff.Removed:
		info.Active = false
		info.Record = *ch.Before
		info.LastSnapshot, info.LastPublished = cur.SnapshotID, cur.Published
	default:
		info.Active = true
		if ch.After != nil {
			info.Record = *ch.After
		}
		info.LastSnapshot, info.LastPublished = snap.ID, snap.Published
	}
	return w.putInfo(&info)
}

func agrChangeKey(agreementID string, changeID uint64) []byte {
	k := append([]byte(agreementID), 0)
	return append(k, be64(changeID)...)
}

// quarantineAlert tells the operator what was held back and how to release it.
func quarantineAlert(snap *Snapshot, dropped int) *Alert {
	list := string(snap.List)
	if list == "" {
		list = "unreadable"
	}
	subject := fmt.Sprintf("watch287g: quarantined %s snapshot %d (%s): %d records", list, snap.ID, snap.FileName, snap.Records)
	if dropped > 0 {
		subject += fmt.Sprintf(", %d agreements dropped", dropped)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "watch287g archived a file but did not diff or announce it.\n\n")
	fmt.Fprintf(&b, "Snapshot:   %d\nList:       %s\nFile:       %s\nSource:     %s\nPublished:  %s\nSHA-256:    %s\n", snap.ID, list, snap.FileName, snap.SourceURL, snap.Published, snap.SHA256)
	fmt.Fprintf(&b, "Records:    %d\nAgreements: %d\nDropped:    %d\n", snap.Records, snap.Agreements, dropped)
	fmt.Fprintf(&b, "Reason:     %s\n\n", snap.Reason)
	if snap.Readable() {
		fmt.Fprintf(&b, "If the file is genuine, release it with:\n\n    watch287g accept %d\n", snap.ID)
	} else {
		fmt.Fprintf(&b, "Its header was not recognised, so it cannot be accepted; check the file (watch287g parse) and the reader.\n")
	}
	return &Alert{Kind: "quarantine", Subject: subject, Body: b.String()}
}

func (w *writer) recordValidators(c Cycle) error {
	vs := []Validator{}
	for _, in := range c.Inputs {
		if (in.LastModified != "" || in.ETag != "") && (strings.HasPrefix(in.Source, "http://") || strings.HasPrefix(in.Source, "https://")) {
			vs = append(vs, Validator{URL: in.Source, LastModified: in.LastModified, ETag: in.ETag})
		}
	}
	// The cycle's own validators come last so they win: they are what the
	// server said most recently.
	for _, v := range append(vs, c.Validators...) {
		if v.URL == "" {
			continue
		}
		if err := putJSON(w.validators, []byte(v.URL), v); err != nil {
			return fmt.Errorf("validator %s: %w", v.URL, err)
		}
	}
	return nil
}

// recordChecks writes the cycle's polls. A check for an input's URL that
// leaves SnapshotID or Outcome empty gets them from what Commit did.
func (w *writer) recordChecks(checks []Check, inputs []Input, outs []Outcome) error {
	for _, ch := range checks {
		for i, in := range inputs {
			if in.Source != ch.URL || i >= len(outs) {
				continue
			}
			o := outs[i]
			if ch.SnapshotID == 0 {
				ch.SnapshotID = o.Snapshot.ID
			}
			if ch.Outcome == "" {
				switch {
				case o.Snapshot.Status == Quarantined && o.New:
					ch.Outcome = "quarantined"
				case o.New:
					ch.Outcome = "new"
				default:
					ch.Outcome = "unchanged"
				}
			}
		}
		seq, err := w.checks.NextSequence()
		if err != nil {
			return err
		}
		ch.At = ch.At.UTC()
		if err := putJSON(w.checks, timeKey(ch.At, seq), ch); err != nil {
			return fmt.Errorf("check %s: %w", ch.URL, err)
		}
	}
	return nil
}
