package store

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
)

// History is a function of the archived files (DESIGN.md): whatever order
// files arrive in, the agreements and changes must equal importing every
// file in published order. Commit applies a file to the list as it stands,
// which is that order only when files arrive oldest first; a backfill
// brings files older than those serve already fetched. Rebuild replays
// every archived, readable snapshot in published order through the same
// admit (guard, diff, lifecycle, promotions) into fresh derived state, in
// one write transaction: a crash or a cancellation leaves the previous
// state whole. Archived files and the snapshots' own facts (first/last
// seen, provenance) are never rewritten; only what admit derives is.
//
// Ids already handed out stay valid (docs/decisions.md, "History
// independent of arrival order"): an agreement re-derived on the same row
// of the same snapshot as an existing agreement keeps that id; a change
// with the same (agreement, kind, after snapshot) keeps its id; an old
// agreement id that the published order merges into another resolves to
// it (bucketAgrAliases); an old change id that no longer exists resolves
// to the change as it was announced (bucketSupersededChanges).

var (
	// bucketAgrAliases: old agreement id → the agreement id it became.
	bucketAgrAliases = []byte("agreement_aliases")
	// bucketSupersededChanges: be64 old change id → JSON diff.Change as
	// it was recorded, its agreement id mapped to the agreement's id now.
	bucketSupersededChanges = []byte("superseded_changes")
)

// metaRebuildPending is set, in the commit that accepted it, when a file
// older than its list's latest accepted snapshot came in: the history is
// out of published order until a Rebuild clears it.
const metaRebuildPending = "rebuild_pending"

// metaGuard holds the guard of the last commit that named one, for a
// rebuild not given one (Accept).
const metaGuard = "guard"

// rememberGuard keeps g as the last commit's guard, written only when it
// changed.
func (w *writer) rememberGuard(g Guard) error {
	if g == (Guard{}) {
		return nil
	}
	var was Guard
	if ok, err := getJSON(w.meta, []byte(metaGuard), &was); err != nil || (ok && was == g) {
		return err
	}
	return putJSON(w.meta, []byte(metaGuard), g)
}

// RebuildOptions configures Rebuild.
type RebuildOptions struct {
	// Guard and Lifecycle as the commits use them (config guard: and
	// lifecycle:). Zero values keep the ones the last commit named.
	Guard     Guard
	Lifecycle diff.ConfirmRule
	// At is the detected_at of changes found for the first time; now when
	// zero.
	At time.Time
}

// RebuildResult says what Rebuild did.
type RebuildResult struct {
	Snapshots  int `json:"snapshots"`
	Changes    int `json:"changes"`
	Agreements int `json:"agreements"`
	// KeptAgreementIDs and KeptChangeIDs are ids that existed before and
	// still do; Aliased and Superseded those that now redirect.
	KeptAgreementIDs int `json:"kept_agreement_ids"`
	KeptChangeIDs    int `json:"kept_change_ids"`
	Aliased          int `json:"aliased"`
	Superseded       int `json:"superseded"`
	// Unplanned counts rows whose agreement id is not the one the first
	// pass planned (0 unless the replay is not deterministic).
	Unplanned int `json:"unplanned"`
}

// rowIDs reads every snapshot's agreement id by row (idsByRow values).
func rowIDs(tx *bolt.Tx) map[uint64]map[int]string {
	out := map[uint64]map[int]string{}
	_ = tx.Bucket(bucketSnapshotIDs).ForEach(func(k, v []byte) error {
		if len(v) == 0 || v[0] != idsByRow {
			return nil
		}
		ids, err := decodeIDs(v)
		if err != nil {
			return nil
		}
		rows := make(map[int]string, len(ids.byRow))
		for row, r := range ids.byRow {
			rows[row] = r.id
		}
		out[beUint(k)] = rows
		return nil
	})
	return out
}

// RebuildPending reports whether a file arrived out of published order
// since the last Rebuild.
func (s *Store) RebuildPending(ctx context.Context) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: rebuild pending: %w", err)
	}
	var pending bool
	err := s.view("rebuild pending", func(tx *bolt.Tx) error {
		pending = tx.Bucket(bucketMeta).Get([]byte(metaRebuildPending)) != nil
		return nil
	})
	return pending, err
}

// Rebuild replays the history in published order (see above). No outbox
// delivery is created for anything it records.
func (s *Store) Rebuild(ctx context.Context, opt RebuildOptions) (*RebuildResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: rebuild: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rebuildLocked(ctx, opt)
}

// replayKey orders snapshots as import does: published date (the first
// seen day for a name without one), the slot of the day, participating
// before pending, then first seen.
type replayKey struct {
	day, slot string
	rank      int
	seen      time.Time
	id        uint64
}

func keyOf(snap *Snapshot) replayKey {
	k := replayKey{day: snap.Published, rank: ListRank(snap.List), seen: snap.FirstSeen, id: snap.ID}
	if _, slot, ok := scraper.ParseName(snap.FileName, snap.FirstSeen); ok {
		k.slot = slot
	}
	if k.day == "" {
		k.day = snap.FirstSeen.UTC().Format(time.DateOnly)
	}
	return k
}

func compareKeys(a, b replayKey) int {
	return cmp.Or(strings.Compare(a.day, b.day), cmp.Compare(scraper.SlotOrder(a.slot), scraper.SlotOrder(b.slot)),
		strings.Compare(a.slot, b.slot), cmp.Compare(a.rank, b.rank), a.seen.Compare(b.seen), cmp.Compare(a.id, b.id))
}

// changeKey identifies a change across rebuilds.
type changeKey struct {
	agreement string
	kind      diff.Kind
	after     uint64
}

// idPlan carries ids across a rebuild's two passes. Pass one replays with
// provisional ids (1, 2, … in the order admit draws them) to learn which
// new agreement is which old one; pass two replays again and, at the k-th
// draw, hands out the old id chosen for provisional id k. The replay is
// the same both times, so the draws line up.
type idPlan struct {
	draws int
	// final maps a provisional id to the old id it keeps (pass two).
	final map[string]string
	// oldChanges are the list changes before the rebuild, by key.
	oldChanges map[changeKey]diff.Change
	usedChange map[uint64]bool
	keptAgr    int
}

// drawAgreementID hands out an agreement id: the writer's next one, or in
// a rebuild the plan's.
func (w *writer) drawAgreementID() (string, error) {
	p := w.plan
	if p == nil {
		return w.newAgreementID()
	}
	p.draws++
	prov := strconv.Itoa(p.draws)
	if p.final == nil {
		return prov, nil
	}
	if id, ok := p.final[prov]; ok {
		p.keptAgr++
		return id, nil
	}
	return w.newAgreementID()
}

// drawChangeID hands out a change id, keeping in a rebuild the id (and the
// detection time) of the same change recorded before.
func (w *writer) drawChangeID(ch *diff.Change) (uint64, error) {
	if p := w.plan; p != nil && p.final != nil {
		if old, ok := p.oldChanges[changeKey{ch.AgreementID, ch.Kind, ch.AfterSnapshot}]; ok && !p.usedChange[old.ID] {
			p.usedChange[old.ID] = true
			ch.DetectedAt, ch.Historical = old.DetectedAt, old.Historical
			return old.ID, nil
		}
		// A change the history did not hold before: found only now that
		// older lists arrived. It is never announced.
		ch.Historical = true
	}
	return w.changes.NextSequence()
}

// before is what a rebuild reads before replacing the derived state.
type before struct {
	snaps   []Snapshot
	ids     map[uint64]*snapshotIDs
	changes []diff.Change // list changes
	docs    []diff.Change // document changes, carried over
	agrSeq  uint64
	chSeq   uint64
	rule    []byte
	agrIDs  map[string]bool
}

func readBefore(ctx context.Context, tx *bolt.Tx) (*before, error) {
	b := &before{ids: map[uint64]*snapshotIDs{}, agrIDs: map[string]bool{}}
	err := tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var snap Snapshot
		if err := decodeJSON(v, &snap); err != nil {
			return fmt.Errorf("snapshot %d: %w", beUint(k), err)
		}
		b.snaps = append(b.snaps, snap)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = tx.Bucket(bucketSnapshotIDs).ForEach(func(k, v []byte) error {
		if len(v) > 0 && v[0] == idsByRow {
			if ids, err := decodeIDs(v); err == nil {
				b.ids[beUint(k)] = ids
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := 0
	err = tx.Bucket(bucketChanges).ForEach(func(k, v []byte) error {
		if n++; n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var ch diff.Change
		if err := decodeJSON(v, &ch); err != nil {
			return nil // verify reports it; it has nothing to carry over
		}
		if ch.Document != nil {
			b.docs = append(b.docs, ch)
		} else {
			b.changes = append(b.changes, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tx.Bucket(bucketAgreements).ForEach(func(k, _ []byte) error {
		b.agrIDs[string(k)] = true
		return nil
	}); err != nil {
		return nil, err
	}
	b.agrSeq = tx.Bucket(bucketAgreements).Sequence()
	b.chSeq = tx.Bucket(bucketChanges).Sequence()
	if ab := tx.Bucket(bucketAbsences); ab != nil {
		b.rule = slices.Clone(ab.Get(ruleKey))
	}
	return b, nil
}

// derivedBuckets are what admit derives from the snapshots; a rebuild
// empties them. The indexes are recreated only when they existed.
var derivedBuckets = [][]byte{
	bucketAgreements, bucketAgrChanges, bucketCurrent, bucketSnapshotIDs, bucketChanges,
	bucketChangeDays, bucketAgrNames, bucketChangeFacets, bucketAbsences, bucketPromotions,
	bucketFormer, bucketCurrentSums, bucketStateDeltas, // aggregates hook: refilled from the replay's records (aggregate.go)
}

func resetDerived(tx *bolt.Tx, b *before, seqs bool) error {
	for _, name := range derivedBuckets {
		existed := tx.Bucket(name) != nil
		if existed {
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("empty %s: %w", name, err)
			}
		}
		optional := slices.ContainsFunc([][]byte{bucketChangeDays, bucketAgrNames, bucketChangeFacets, bucketPromotions},
			func(b []byte) bool { return string(b) == string(name) })
		if !existed && optional {
			continue
		}
		nb, err := tx.CreateBucket(name)
		if err != nil {
			return fmt.Errorf("create %s: %w", name, err)
		}
		switch {
		case string(name) == string(bucketAbsences) && b.rule != nil:
			// Created empty, not seeded: the replay records every absence.
			if err := nb.Put(ruleKey, b.rule); err != nil {
				return err
			}
		case seqs && string(name) == string(bucketAgreements):
			if err := nb.SetSequence(b.agrSeq); err != nil {
				return err
			}
		case seqs && string(name) == string(bucketChanges):
			if err := nb.SetSequence(b.chSeq); err != nil {
				return err
			}
		}
	}
	return nil
}

// replay admits every readable snapshot in published order into emptied
// derived state, returning the writer (its plan says which ids it drew).
func (s *Store) replay(ctx context.Context, tx *bolt.Tx, b *before, order []int, plan *idPlan, opt RebuildOptions, at time.Time) (*writer, error) {
	if err := resetDerived(tx, b, plan.final != nil); err != nil {
		return nil, err
	}
	w := newWriter(tx)
	w.plan = plan
	for _, i := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		snap := b.snaps[i]
		body, ok := getFile(w.files, snap.SHA256)
		if !ok {
			return nil, fmt.Errorf("snapshot %d: file %s: %w", snap.ID, snap.SHA256, ErrNotFound)
		}
		f, err := s.parse(ctx, body)
		if err != nil || f == nil || f.List != snap.List {
			// The reader no longer reads it as it did: leave it outside
			// the timeline rather than guess.
			s.log.Warn("rebuild: snapshot no longer reads as its list; left as it was", slog.Uint64("snapshot_id", snap.ID), slog.Any("err", err))
			continue
		}
		// The guard judges a file once. A file that arrived out of order
		// is judged now, in its place in published order. A file judged
		// on arrival keeps that verdict: a list accepted (and announced)
		// live is never quarantined after the fact, and a quarantined one
		// stays out of the history until the operator accepts it, which
		// is replayed as accept does: without the guard.
		var guard *Guard
		switch {
		case snap.OutOfOrder:
			g := opt.Guard
			guard = &g
			snap.Reason, snap.Guard, snap.OutOfOrder = "", nil, false
		case snap.Status == Quarantined:
			if err := w.putSnapshot(&snap); err != nil {
				return nil, err
			}
			continue
		case snap.Guard != nil: // the operator's accept
			if i := strings.Index(snap.Reason, " (accepted after snapshot "); i >= 0 {
				snap.Reason = snap.Reason[:i]
			}
		}
		snap.Status, snap.Baseline = "", false
		snap.Added, snap.Removed, snap.Changed = 0, 0, 0
		snap.Records = len(f.Records)
		snap.Warnings = append([]sheet.Warning{}, f.Warnings...)
		w.rule = opt.Lifecycle
		if _, err := w.admit(ctx, &snap, f, guard, nil, at); err != nil {
			return nil, fmt.Errorf("snapshot %d: %w", snap.ID, err)
		}
		if err := w.putSnapshot(&snap); err != nil {
			return nil, err
		}
	}
	w.data = true
	return w, nil
}

// planIDs compares the provisional ids of pass one with the ids recorded
// before, row by row of each snapshot, and chooses which provisional id
// keeps which old id: the oldest old id seen on its rows. It returns the
// plan's final map and every old id's new home (provisional).
func planIDs(tx *bolt.Tx, b *before) (final map[string]string, home map[string]string, err error) {
	cands := map[string][]string{} // provisional → old ids on its rows
	bk := tx.Bucket(bucketSnapshotIDs)
	for snapID, old := range b.ids {
		v := bk.Get(be64(snapID))
		if len(v) == 0 || v[0] != idsByRow {
			continue
		}
		now, err := decodeIDs(v)
		if err != nil {
			return nil, nil, err
		}
		for row, r := range now.byRow {
			if o, ok := old.byRow[row]; ok && o.hash == r.hash {
				cands[r.id] = append(cands[r.id], o.id)
			}
		}
	}
	num := func(s string) uint64 { n, _ := strconv.ParseUint(s, 10, 64); return n }
	provs := slices.Collect(func(yield func(string) bool) {
		for p := range cands {
			if !yield(p) {
				return
			}
		}
	})
	slices.SortFunc(provs, func(a, b string) int { return cmp.Compare(num(a), num(b)) })
	final, home = map[string]string{}, map[string]string{}
	taken := map[string]bool{}
	for _, p := range provs {
		olds := cands[p]
		slices.SortFunc(olds, func(a, b string) int { return cmp.Compare(num(a), num(b)) })
		olds = slices.Compact(olds)
		for _, o := range olds {
			if !taken[o] && final[p] == "" {
				taken[o], final[p] = true, o
			}
			if _, ok := home[o]; !ok {
				home[o] = p
			}
		}
	}
	return final, home, nil
}

func (s *Store) rebuildLocked(ctx context.Context, opt RebuildOptions) (*RebuildResult, error) {
	at := opt.At
	if at.IsZero() {
		at = time.Now()
	}
	if opt.Guard == (Guard{}) {
		if err := s.view("rebuild: guard", func(tx *bolt.Tx) error {
			_, err := getJSON(tx.Bucket(bucketMeta), []byte(metaGuard), &opt.Guard)
			return err
		}); err != nil {
			return nil, err
		}
	}
	at = at.UTC()
	res := &RebuildResult{}
	var w *writer
	err := s.update("rebuild", func(tx *bolt.Tx) error {
		b, err := readBefore(ctx, tx)
		if err != nil {
			return err
		}
		var order []int
		keys := make([]replayKey, len(b.snaps))
		for i := range b.snaps {
			if b.snaps[i].Readable() {
				order = append(order, i)
				keys[i] = keyOf(&b.snaps[i])
			}
		}
		slices.SortStableFunc(order, func(x, y int) int { return compareKeys(keys[x], keys[y]) })

		// Pass one: provisional ids.
		if _, err := s.replay(ctx, tx, b, order, &idPlan{}, opt, at); err != nil {
			return err
		}
		final, home, err := planIDs(tx, b)
		if err != nil {
			return err
		}
		provisional := rowIDs(tx)
		// Pass two: the ids kept.
		plan := &idPlan{final: final, oldChanges: map[changeKey]diff.Change{}, usedChange: map[uint64]bool{}}
		for _, ch := range b.changes {
			k := changeKey{ch.AgreementID, ch.Kind, ch.AfterSnapshot}
			if _, dup := plan.oldChanges[k]; !dup {
				plan.oldChanges[k] = ch
			}
		}
		if w, err = s.replay(ctx, tx, b, order, plan, opt, at); err != nil {
			return err
		}
		res.KeptAgreementIDs = plan.keptAgr
		// The two passes must draw alike; an agreement whose id is not
		// the one planned for its row is counted (and logged), never
		// silent.
		for snapID, rows := range rowIDs(tx) {
			for row, id := range rows {
				prov := provisional[snapID][row]
				want, kept := final[prov]
				n, _ := strconv.ParseUint(id, 10, 64)
				if (kept && id != want) || (!kept && n <= b.agrSeq) {
					res.Unplanned++
				}
			}
		}
		if res.Unplanned > 0 {
			s.log.Warn("rebuild: agreement ids not as planned", slog.Int("rows", res.Unplanned))
		}
		res.Snapshots = len(order)

		// Where each old agreement id lives now: itself, or the agreement
		// its rows became.
		newHome := func(old string) string {
			if p, ok := home[old]; ok {
				if id, ok := final[p]; ok {
					return id
				}
			}
			return ""
		}
		if err := s.redirect(ctx, tx, w, b, plan, newHome, res); err != nil {
			return err
		}
		res.Changes, res.Agreements = countKeys(tx.Bucket(bucketChanges)), countKeys(tx.Bucket(bucketAgreements))
		if err := tx.Bucket(bucketMeta).Delete([]byte(metaRebuildPending)); err != nil {
			return err
		}
		return w.finish()
	})
	if err != nil {
		return nil, err
	}
	s.currents = w.currents
	s.forgetMemo()
	s.remember(w)
	s.log.Info("history rebuilt in published order", slog.Int("snapshots", res.Snapshots),
		slog.Int("changes", res.Changes), slog.Int("agreements", res.Agreements),
		slog.Int("kept_agreement_ids", res.KeptAgreementIDs), slog.Int("kept_change_ids", res.KeptChangeIDs),
		slog.Int("aliased", res.Aliased), slog.Int("superseded", res.Superseded))
	return res, nil
}

// redirect keeps old ids resolving: agreement aliases, superseded
// changes, and the document changes carried over (their agreement ids
// mapped).
func (s *Store) redirect(ctx context.Context, tx *bolt.Tx, w *writer, b *before, plan *idPlan, newHome func(string) string, res *RebuildResult) error {
	agrs := tx.Bucket(bucketAgreements)
	live := func(id string) bool { return agrs.Get([]byte(id)) != nil }
	mapAgr := func(id string) string {
		if live(id) {
			return id
		}
		if h := newHome(id); h != "" {
			return h
		}
		return id
	}
	aliases, err := tx.CreateBucketIfNotExists(bucketAgrAliases)
	if err != nil {
		return err
	}
	// Earlier aliases follow their target; one that lives again is dropped.
	var drop [][]byte
	err = aliases.ForEach(func(k, v []byte) error {
		if live(string(k)) {
			drop = append(drop, slices.Clone(k))
			return nil
		}
		if to := mapAgr(string(v)); to != string(v) {
			return aliases.Put(slices.Clone(k), []byte(to))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range drop {
		if err := aliases.Delete(k); err != nil {
			return err
		}
	}
	for id := range b.agrIDs {
		if !live(id) {
			if to := newHome(id); to != "" && live(to) {
				if err := aliases.Put([]byte(id), []byte(to)); err != nil {
					return err
				}
				res.Aliased++
			}
		}
	}
	sup, err := tx.CreateBucketIfNotExists(bucketSupersededChanges)
	if err != nil {
		return err
	}
	for i := range b.changes {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ch := b.changes[i]
		if plan.usedChange[ch.ID] {
			res.KeptChangeIDs++
			continue
		}
		ch.AgreementID = mapAgr(ch.AgreementID)
		if err := putJSON(sup, be64(ch.ID), &ch); err != nil {
			return err
		}
		res.Superseded++
	}
	for i := range b.docs {
		ch := b.docs[i]
		ch.AgreementID = mapAgr(ch.AgreementID)
		if err := putJSON(w.changes, be64(ch.ID), &ch); err != nil {
			return err
		}
		if err := w.indexChange(&ch); err != nil {
			return err
		}
		if err := w.agrChanges.Put(agrChangeKey(ch.AgreementID, ch.ID), nil); err != nil {
			return err
		}
	}
	return nil
}

// aliasOf returns the agreement an old agreement id now resolves to.
func aliasOf(tx *bolt.Tx, id string) (string, bool) {
	b := tx.Bucket(bucketAgrAliases)
	if b == nil {
		return "", false
	}
	v := b.Get([]byte(id))
	return string(v), v != nil
}

// supersededChange returns a change id a rebuild replaced, as it was
// recorded (its agreement id mapped to the agreement's id now).
func supersededChange(tx *bolt.Tx, id uint64, ch *diff.Change) (bool, error) {
	b := tx.Bucket(bucketSupersededChanges)
	if b == nil {
		return false, nil
	}
	return getJSON(b, be64(id), ch)
}

// outOfOrder reports whether snap (readable, not yet admitted) comes
// before its list's latest accepted snapshot in published order, and then
// marks the store as needing a rebuild, in the same transaction.
//
// "Latest" is the newest accepted snapshot of the list in published order
// ever committed (newestKey), not the list's current one: an older file
// committed out of order becomes the current list until the rebuild, and
// the next older file must not count as news against it (it did: a
// backfill's second and later files were announced).
func (w *writer) outOfOrder(snap *Snapshot) (bool, error) {
	cur, err := w.current(snap.List)
	if err != nil || cur == nil {
		return false, err
	}
	refs := []uint64{cur.SnapshotID}
	if v := w.meta.Get(newestKey(snap.List)); len(v) == 8 {
		refs = append(refs, beUint(v))
	}
	older := false
	for _, id := range refs {
		var last Snapshot
		ok, err := w.snapshot(id, &last)
		if err != nil {
			return false, err
		}
		if ok && compareKeys(keyOf(snap), keyOf(&last)) < 0 {
			older = true
		}
	}
	if !older {
		return false, nil
	}
	w.rebuild = true
	return true, w.meta.Put([]byte(metaRebuildPending), []byte("1"))
}

// newestKey is the meta key of the id of a list's newest accepted
// snapshot in published order (outOfOrder).
func newestKey(list sheet.List) []byte { return []byte("newest_snapshot/" + string(list)) }

// noteNewest records snap as its list's newest accepted snapshot when it
// is one: accepted (a quarantined file with a mistyped year must not make
// every later list "older") and not older than the one recorded.
func (w *writer) noteNewest(snap *Snapshot) error {
	if snap.Status != Accepted || !snap.Readable() {
		return nil
	}
	if v := w.meta.Get(newestKey(snap.List)); len(v) == 8 {
		var last Snapshot
		ok, err := w.snapshot(beUint(v), &last)
		if err != nil {
			return err
		}
		if ok && compareKeys(keyOf(snap), keyOf(&last)) < 0 {
			return nil
		}
	}
	return w.meta.Put(newestKey(snap.List), be64(snap.ID))
}

// rebuildAfter rebuilds the history after a batch that brought a file out
// of published order, unless a cycle holds the rebuild for its caller.
// The batch is committed whatever happens here: a failed rebuild is
// logged and stays pending (RebuildPending) for the next commit or
// Rebuild. The results are brought up to date: each new snapshot as the
// replay left it, and the changes it now brings.
func (s *Store) rebuildAfter(ctx context.Context, w *writer, cycles []Cycle, results []*CycleResult) {
	if len(cycles) == 0 {
		return
	}
	if !w.rebuild {
		// One left pending by a crash or a failed rebuild is redone too.
		if pending, err := s.RebuildPending(ctx); err != nil || !pending {
			return
		}
	}
	for _, c := range cycles {
		if c.HoldRebuild {
			return
		}
	}
	last := cycles[len(cycles)-1]
	if _, err := s.rebuildLocked(ctx, RebuildOptions{Guard: last.Guard, Lifecycle: last.Lifecycle, At: last.At}); err != nil {
		s.log.Warn("rebuild after an out-of-order file failed; it stays pending", slog.Any("err", err))
		return
	}
	for _, res := range results {
		res.Changes = res.Changes[:0]
		for i := range res.Outcomes {
			o := &res.Outcomes[i]
			if !o.New {
				continue
			}
			if snap, err := s.Snapshot(ctx, o.Snapshot.ID); err == nil {
				o.Snapshot = snap
			}
			if chs, err := s.SnapshotChanges(ctx, o.Snapshot.ID); err == nil {
				res.Changes = append(res.Changes, chs...)
			}
		}
	}
}

func countKeys(b *bolt.Bucket) int {
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}
