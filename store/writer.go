package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// writer holds one write transaction's buckets and the lists' current
// agreements as this transaction has left them.
type writer struct {
	tx                                                    *bolt.Tx
	meta, files, snapshots, shas, agreements, agrChanges  *bolt.Bucket
	cur, snapshotIDs, changes, checks, validators, outbox *bolt.Bucket
	due, days, names, facets                              *bolt.Bucket
	currents                                              map[sheet.List]*current
	// rule is the lifecycle's confirmation rule (Cycle.Lifecycle; the
	// zero value is diff's default).
	rule diff.ConfirmRule
	// lc is the lifecycle step admit took, for promote; promoted are the
	// pending agreements promote linked, for dropPromoted.
	lc       *lifecycleStep
	promoted []string
	// abs and open are the lifecycle's values as this transaction has
	// them (absent.go, lifecycle.go): read once, written by finish when
	// dirtyAbs or openDirty says they changed.
	abs       map[sheet.List]*absentSet
	dirtyAbs  map[sheet.List]bool
	open      *promotions
	openDirty bool
	// dirtyCur are the lists whose current agreements this transaction
	// changed: written once, by finish, however many files of a batch
	// moved them (each write re-encodes and deflates the whole list).
	dirtyCur map[sheet.List]bool
	// data is set once the transaction changed what readers see; finish
	// then moves the data version from startVersion to endVersion.
	data                     bool
	startVersion, endVersion uint64
	// wroteSnaps and wroteInfos are the snapshots and agreement records
	// written, for Store.remember.
	wroteSnaps map[uint64]Snapshot
	wroteInfos map[string]AgreementInfo
	// infos holds agreement records admit writes in key order (see
	// flushInfos); nil outside that.
	infos map[string]*AgreementInfo
	// plan draws the ids of a rebuild (rebuild.go); nil otherwise.
	plan *idPlan
	// rebuild is set when a file came out of published order.
	rebuild bool
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
		due: tx.Bucket(bucketDue), days: tx.Bucket(bucketChangeDays), names: tx.Bucket(bucketAgrNames),
		facets:   tx.Bucket(bucketChangeFacets),
		currents: map[sheet.List]*current{}, dirtyCur: map[sheet.List]bool{},
		wroteSnaps: map[uint64]Snapshot{}, wroteInfos: map[string]AgreementInfo{},
	}
	if w.meta != nil {
		w.startVersion = dataVersion(w.meta)
		w.endVersion = w.startVersion
	}
	for _, c := range cache {
		for l, cur := range c {
			w.currents[l] = cur
		}
	}
	// agreement_names is keyed as agreements are: by ids drawn in order.
	for _, b := range []*bolt.Bucket{w.snapshots, w.agreements, w.names, w.snapshotIDs, w.changes, w.checks, w.outbox} {
		if b != nil {
			b.FillPercent = appendFill
		}
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
	ok, err := getCurrent(w.cur, list, &c)
	if err != nil || !ok {
		return nil, err
	}
	w.currents[list] = &c
	return &c, nil
}

// setCurrent makes c the list's current agreements. c.Agreements is kept,
// not copied: admit hands over a list no one else writes (a baseline's
// fold, or the lifecycle's list: Compare's own, or a copy of it when a
// row took another id, which admit then writes the real ids into). A copy per file cost a tenth of a ten-year
// import's commit path, most of it in the garbage collector.
func (w *writer) setCurrent(list sheet.List, c *current) error {
	if was, ok := w.currents[list]; ok && was != nil {
		// Reused only while they fit (diff.IndexCache).
		if c.index == nil {
			c.index = was.index
		}
		if c.signings == nil {
			c.signings = was.signings
		}
	}
	w.currents[list] = c
	w.dirtyCur[list] = true
	return nil
}

// finish writes what the transaction held back: each changed list's
// current agreements, and the data version.
func (w *writer) finish() error {
	if err := w.flushLifecycle(); err != nil {
		return err
	}
	// Aggregates hook (aggregate.go): the pages' series and former index.
	if err := w.putAggregates(); err != nil {
		return err
	}
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		if w.dirtyCur[list] {
			if err := w.putCurrent(list); err != nil {
				return err
			}
		}
	}
	for list := range w.dirtyCur {
		if list != sheet.Participating && list != sheet.Pending {
			if err := w.putCurrent(list); err != nil {
				return err
			}
		}
	}
	w.dirtyCur = map[sheet.List]bool{}
	if w.data {
		w.data = false
		if err := bumpData(w.meta); err != nil {
			return err
		}
		w.endVersion = dataVersion(w.meta)
	}
	w.keepAbsents()
	return nil
}

// putCurrent writes a list's current agreements (encodeCurrent).
func (w *writer) putCurrent(list sheet.List) error {
	raw, err := encodeCurrent(w.currents[list])
	if err != nil {
		return fmt.Errorf("encode current %s: %w", list, err)
	}
	return w.cur.Put([]byte(list), raw)
}

// keepAbsents leaves the absences this transaction read on the lists'
// current agreements, for the next commit to reuse if the data version it
// starts at is the one this transaction ends at (it is not when the
// transaction did not commit, or another wrote since).
func (w *writer) keepAbsents() {
	for list, set := range w.abs {
		if c := w.currents[list]; c != nil {
			set.version = w.endVersion
			c.absent = set
		}
	}
	w.abs = nil
}

// putSnapshot writes a snapshot's record.
func (w *writer) putSnapshot(snap *Snapshot) error {
	w.wroteSnaps[snap.ID] = *snap
	return putJSON(w.snapshots, be64(snap.ID), snap)
}

// snapshot reads a snapshot's record for a look at it (its order,
// outOfOrder and noteNewest), from what this transaction wrote when it
// wrote it: a batch's files compare with the one before, and decoding it
// back cost each file a record's inflate and JSON. The record's maps are
// shared with wroteSnaps: read, never written.
func (w *writer) snapshot(id uint64, snap *Snapshot) (bool, error) {
	if s, ok := w.wroteSnaps[id]; ok {
		*snap = s
		return true, nil
	}
	return getJSON(w.snapshots, be64(id), snap)
}

// input commits one file of a cycle.
func (w *writer) input(ctx context.Context, p *prepared, c Cycle) (*Outcome, []diff.Change, error) {
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
			w.data = true
			if err := w.putSnapshot(&snap); err != nil {
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
		Capture: p.in.Capture, OriginalURL: p.in.OriginalURL,
	}
	out := &Outcome{New: true}
	w.data = true
	var changes []diff.Change
	var prev uint64
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
		g := &c.Guard
		older, err := w.outOfOrder(&snap)
		if err != nil {
			return nil, nil, err
		}
		if older {
			// Older than the list's newest: history. It is archived and
			// left for the rebuild, which puts it in its place and judges
			// it with the guard in published order (rebuild.go). It is not
			// diffed now: made the list's current agreements, it would
			// turn the next live list into a diff against the past (every
			// agreement signed since would come back as news).
			snap.Status, snap.OutOfOrder = Accepted, true
		} else {
			w.rule = c.Lifecycle
			adm, err := w.admit(ctx, &snap, p.file, g, c.Recipients, c.At)
			if err != nil {
				return nil, nil, err
			}
			out.Result, out.Dropped, changes, prev = adm.res, adm.dropped, adm.changes, adm.prevSnapshot
		}
	}
	if err := w.shas.Put(shaKey(snap.List, p.sha), be64(id)); err != nil {
		return nil, nil, err
	}
	if err := w.putSnapshot(&snap); err != nil {
		return nil, nil, err
	}
	if err := w.noteNewest(&snap); err != nil {
		return nil, nil, err
	}
	if snap.Status == Quarantined {
		for _, op := range c.Operators {
			if _, err := w.enqueue(Delivery{Recipient: op, Alert: quarantineAlert(&snap, prev)}, c.At); err != nil {
				return nil, nil, err
			}
		}
	}
	out.Snapshot = snap
	return out, changes, nil
}
