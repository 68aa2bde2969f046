package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// The lifecycle of issue 11, applied (the rules are diff.AdvanceContext's,
// docs/lifecycle.md): each accepted list's comparison is advanced over the
// list's absences, so a removal is "missing" (confirmed: false), an
// absence that lasts under the confirmation rule is "ended" (dated by the
// first list without it), and an absent agreement that comes back is
// "restored" under its old id. The absences live in their own bucket,
// created on the first write that needs it (no schema change: an older
// watch287g ignores the bucket and writes plain removals, which the next
// newer write reads as ended absences).

// bucketAbsences: list → JSON []absence, the agreements that left the
// list and are still missing (absent.go keeps the ended ones beside it).
// One value per list, rewritten by each accepted list of its kind (every
// missing absence counts it): one deflated value churns far fewer pages
// than a key per absence.
var bucketAbsences = []byte("absences")

// absence is one stored absence: the rule's view plus where the agreement
// was last listed, which dates the before side of its ended and restored
// changes.
type absence struct {
	diff.Absent
	LastSnapshot  uint64 `json:"last_snapshot,omitempty"`
	LastPublished string `json:"last_published,omitempty"`
	// Seq is the absence's place in its list's absences (absent.go).
	Seq uint64 `json:"seq,omitempty"`
}

// absencesBucket returns the absences bucket, creating it (and seeding it
// from the agreements an older watch287g removed) on first use.
func (w *writer) absencesBucket() (*bolt.Bucket, error) {
	if b := w.tx.Bucket(bucketAbsences); b != nil {
		return b, nil
	}
	b, err := w.tx.CreateBucket(bucketAbsences)
	if err != nil {
		return nil, fmt.Errorf("create absences: %w", err)
	}
	return b, seedAbsences(w.tx, b)
}

// seedAbsences records every agreement removed before the lifecycle as an
// ended absence, dated by its last removal, so that its return is a
// "restored" under its old id rather than a new agreement with no past.
// They were announced as terminations then; they do not end again.
func seedAbsences(tx *bolt.Tx, b *bolt.Bucket) error {
	links := tx.Bucket(bucketAgrChanges)
	changes := tx.Bucket(bucketChanges)
	byList := map[sheet.List][]absence{}
	err := tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
		var info AgreementInfo
		if decodeJSON(v, &info) != nil || info.Active {
			return nil // verify reports undecodable records
		}
		a := absence{
			Absent: diff.Absent{Agreement: info.Agreement, Status: diff.StatusEnded,
				Absence: diff.Absence{Published: info.LastPublished}},
			LastSnapshot: info.LastSnapshot, LastPublished: info.LastPublished,
		}
		// The agreement's newest change is its removal: the first list
		// without it.
		prefix := append(append([]byte(nil), k...), 0)
		c := links.Cursor()
		var last []byte
		for lk, _ := c.Seek(prefix); lk != nil && bytes.HasPrefix(lk, prefix); lk, _ = c.Next() {
			last = lk
		}
		if len(last) == len(prefix)+8 {
			var ch diff.Change
			if ok, err := getJSON(changes, last[len(prefix):], &ch); err == nil && ok && ch.Kind == diff.Removed {
				if ch.PromotedTo != "" {
					return nil // promoted, not dropped (as dropPromoted does)
				}
				a.Absence.Snapshot, a.Absence.Published = ch.AfterSnapshot, ch.AfterPublished
			}
		}
		byList[info.List] = append(byList[info.List], a)
		return nil
	})
	if err != nil {
		return err
	}
	for list, abs := range byList {
		if err := putJSON(b, []byte(list), abs); err != nil {
			return err
		}
	}
	return nil
}

// ruleKey holds, in the absences bucket, the confirmation rule of the last
// cycle that named one, for commits that do not (accept).
var ruleKey = []byte("\x00rule")

// lifecycleRule settles w.rule: the cycle's, remembered for later commits
// that bring none (Accept), or the one remembered.
func (w *writer) lifecycleRule(b *bolt.Bucket) error {
	if w.rule == (diff.ConfirmRule{}) {
		_, err := getJSON(b, ruleKey, &w.rule)
		return err
	}
	var was diff.ConfirmRule
	if _, err := getJSON(b, ruleKey, &was); err != nil || was == w.rule {
		return err
	}
	return putJSON(b, ruleKey, w.rule)
}

// readAbsences returns the list's stored absences.
func readAbsences(b *bolt.Bucket, list sheet.List) ([]absence, error) {
	var out []absence
	if _, err := getJSON(b, []byte(list), &out); err != nil {
		return nil, fmt.Errorf("absences of %s: %w", list, err)
	}
	return out, nil
}

// The missing absences and the open promotions are read once per
// transaction and written once, by finish (flushLifecycle), like the
// current agreements: an import commits sixteen files a transaction, and
// decoding and re-encoding each whole value for every file was a fifth of
// its time (issue 12).

// openPromotions returns the open promotions as this transaction has
// them; the caller changes them in place and calls w.markOpen.
func (w *writer) openPromotions() (*promotions, error) {
	if w.open != nil {
		return w.open, nil
	}
	b, err := w.tx.CreateBucketIfNotExists(bucketPromotions)
	if err != nil {
		return nil, fmt.Errorf("create promotions: %w", err)
	}
	var p promotions
	if _, err := getJSON(b, openKey, &p); err != nil {
		return nil, err
	}
	w.open = &p
	return w.open, nil
}

// flushLifecycle writes the absences and open promotions the transaction
// changed, in a fixed order.
func (w *writer) flushLifecycle() error {
	if len(w.dirtyAbs) > 0 {
		b, err := w.absencesBucket()
		if err != nil {
			return err
		}
		lists := slices.Sorted(maps.Keys(w.dirtyAbs))
		for _, list := range lists {
			missing := []absence{}
			if set := w.abs[list]; set != nil {
				missing = set.missing
			}
			if err := putJSON(b, []byte(list), missing); err != nil {
				return err
			}
		}
		w.dirtyAbs = nil
	}
	if w.openDirty {
		b, err := w.tx.CreateBucketIfNotExists(bucketPromotions)
		if err != nil {
			return fmt.Errorf("create promotions: %w", err)
		}
		if err := putJSON(b, openKey, w.open); err != nil {
			return err
		}
		w.openDirty = false
	}
	return nil
}

// advance applies the lifecycle to an accepted list's comparison. It
// returns the comparison as the store records it (restored and handed-off
// agreements under their old ids; Added less returns, hand-offs and
// duplicate rows; Removed less hand-offs and duplicate clean-ups, each
// confirmed: false; Changed with the hand-offs), the lifecycle's own
// changes (restored, then ended), and writes the list's absences.
func (w *writer) advance(ctx context.Context, list sheet.List, cur *current, snap *Snapshot, res *diff.Result) (*diff.Result, []diff.Change, error) {
	b, err := w.absencesBucket()
	if err != nil {
		return nil, nil, err
	}
	if err := w.lifecycleRule(b); err != nil {
		return nil, nil, err
	}
	set, err := w.absentsOf(list)
	if err != nil {
		return nil, nil, err
	}
	given, err := w.stepAbsences(list, set, res)
	if err != nil {
		return nil, nil, err
	}
	step := diff.Step{List: list, Snapshot: snap.ID, Published: snap.Published,
		Old: cur.Agreements, Result: res, Rule: w.rule, Absent: make([]diff.Absent, len(given))}
	for i, a := range given {
		step.Absent[i] = a.Absent
	}
	out, err := diff.AdvanceContext(ctx, step)
	if err != nil {
		return nil, nil, fmt.Errorf("lifecycle: %w", err)
	}
	rec := *res
	rec.Agreements, rec.Added, rec.Changed = out.Agreements, out.Added, out.Changed
	rec.Removed = make([]diff.Change, len(out.Removed))
	for i, c := range out.Removed {
		c.Confirmed = new(bool)
		rec.Removed[i] = c
	}
	// Where an agreement was last listed: its latest absence's, else
	// this step's previous list (it is missing from this very list). Read
	// before the absences change below.
	type listed struct {
		snapshot  uint64
		published string
	}
	lasts := map[string]listed{}
	lastOf := func(id string) (uint64, string) {
		l := lasts[id]
		return l.snapshot, l.published
	}
	for _, id := range lifecycleIDs(out) {
		if _, ok := lasts[id]; ok {
			continue
		}
		l := listed{cur.SnapshotID, cur.Published}
		if snap, pub, ok, err := w.lastListed(list, set, id); err != nil {
			return nil, nil, err
		} else if ok {
			l = listed{snap, pub}
		}
		lasts[id] = l
	}
	var extra []diff.Change
	for _, r := range out.Restored {
		ch := r.Change
		ch.BeforeSnapshot, ch.BeforePublished = lastOf(ch.AgreementID)
		ch.AbsentSince, ch.AbsentDays = r.Was.Absence.Published, r.Days
		extra = append(extra, ch)
	}
	for _, e := range out.Ended {
		ch := e.Change
		confirmed := true
		ch.Confirmed = &confirmed
		ch.BeforeSnapshot, ch.BeforePublished = lastOf(ch.AgreementID)
		ch.AbsentSince = e.Absence.Published
		// The lists without it, the first one included.
		ch.AbsentLists = e.Absence.Lists + 1
		ch.AbsentDays = daysFrom(e.Absence.Published, snap.Published)
		extra = append(extra, ch)
	}

	// The list's absences from now on: out.Absent is the given ones less
	// the restored, in order, then the newly missing. An ended absence
	// that stays is as it was.
	restored := make(map[int]bool, len(out.Restored))
	for _, r := range out.Restored {
		restored[r.Index] = true
	}
	k := 0
	for i, was := range given {
		if restored[i] {
			if err := w.dropAbsence(list, set, was); err != nil {
				return nil, nil, err
			}
			continue
		}
		a := out.Absent[k]
		k++
		if was.Status == diff.StatusEnded {
			continue
		}
		next := absence{Absent: a, Seq: was.Seq}
		next.LastSnapshot, next.LastPublished = lastOf(a.ID)
		if err := w.keepAbsence(list, set, next); err != nil {
			return nil, nil, err
		}
	}
	for _, a := range out.Absent[k:] {
		next := absence{Absent: a}
		next.LastSnapshot, next.LastPublished = lastOf(a.ID)
		if err := w.keepAbsence(list, set, next); err != nil {
			return nil, nil, err
		}
	}
	w.lc = &lifecycleStep{step: step, out: out}
	return &rec, extra, nil
}

// lifecycleIDs are the agreements whose last listing advance needs: the
// restored, the ended and the absent from now on.
func lifecycleIDs(out *diff.Outcome) []string {
	ids := make([]string, 0, len(out.Restored)+len(out.Ended)+len(out.Absent))
	for _, r := range out.Restored {
		ids = append(ids, r.Change.AgreementID)
	}
	for _, e := range out.Ended {
		ids = append(ids, e.Change.AgreementID)
	}
	for _, a := range out.Absent {
		ids = append(ids, a.ID)
	}
	return ids
}

// stamp dates a change by the lists it compares: before, the list's
// previous accepted snapshot unless the lifecycle dated it (a restored
// agreement was last listed earlier); after, this snapshot, except an
// ending, which is dated by the first list without the agreement.
func stamp(ch *diff.Change, cur *current, snap *Snapshot) {
	if ch.BeforeSnapshot == 0 {
		ch.BeforeSnapshot, ch.BeforePublished = cur.SnapshotID, cur.Published
	}
	if ch.Kind != diff.Ended || ch.AfterSnapshot == 0 {
		ch.AfterSnapshot, ch.AfterPublished = snap.ID, snap.Published
	}
}

// applyStatus sets an agreement's status after one of its changes.
func applyStatus(info *AgreementInfo, ch *diff.Change) {
	switch ch.Kind {
	case diff.Removed:
		info.Status, info.AbsentSince = diff.StatusMissing, ch.AfterPublished
		if ch.PromotedTo != "" {
			// A pending agency linked to its signing left the pending
			// list for good: it will not end later.
			info.Status = diff.StatusEnded
		}
	case diff.Ended:
		info.Active = false
		info.Status, info.AbsentSince = diff.StatusEnded, ch.AfterPublished
	default:
		info.Status, info.AbsentSince = diff.StatusListed, ""
	}
}

// UnmarshalJSON reads an agreement record; one written before the
// lifecycle has no status and reads as listed when active, else ended
// (its removal was announced as a termination).
func (info *AgreementInfo) UnmarshalJSON(b []byte) error {
	type plain AgreementInfo
	if err := json.Unmarshal(b, (*plain)(info)); err != nil {
		return err
	}
	if info.Status == "" {
		info.Status = diff.StatusListed
		if !info.Active {
			info.Status = diff.StatusEnded
		}
	}
	return nil
}

// daysFrom returns the days from date a to date b (YYYY-MM-DD), 0 when
// either cannot be read.
func daysFrom(a, b string) int {
	if len(a) < 10 || len(b) < 10 {
		return 0
	}
	ta, err1 := time.Parse(time.DateOnly, a[:10])
	tb, err2 := time.Parse(time.DateOnly, b[:10])
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// bucketPromotions: "open" → JSON promotions, the pending exits not yet
// linked to a signing and the recent signings (promote).
var bucketPromotions = []byte("promotions")

// openKey is the key of the open promotions in bucketPromotions.
var openKey = []byte("open")

// signingsKept is how long a signing is kept for the pending exits still
// to come: a pending agency may leave its list after its participating
// agreement was first listed (over the corpus by up to 37 days, mostly
// gaps between archived pending files); 40 days cover them.
const signingsKept = 40

// promotions is what LinkPromotions still needs across commits.
type promotions struct {
	Exits    []diff.PendingExit `json:"exits,omitempty"`
	Signings []diff.Agreement   `json:"signings,omitempty"`
}

// lifecycleStep is the step advance took, for promote once the new
// agreements have their ids.
type lifecycleStep struct {
	step diff.Step
	out  *diff.Outcome
}

// promote links the pending agencies that left to their participating
// agreements (diff.LinkPromotions), over this commit's exits or signings
// and those kept from earlier commits: a link sets the pending removal's
// promoted_to (this commit's removal, or the stored change of an earlier
// one) and drops the exit from the pending list's absences, so a promoted
// agency never ends. Compare's own PromotedTo is not kept: it looks at one
// moment only. res is the recorded comparison, with its real ids; ids
// maps the temporary ids of its added agreements to the real ones.
func (w *writer) promote(snap *Snapshot, res *diff.Result, ids map[string]string) error {
	lc := w.lc
	w.lc = nil
	if lc == nil {
		return nil
	}
	p, err := w.openPromotions()
	if err != nil {
		return err
	}
	var newExits bool
	var newSignings []diff.Agreement
	switch lc.step.List {
	case sheet.Pending:
		for i := range res.Removed {
			res.Removed[i].PromotedTo = ""
		}
		fresh := diff.PendingExits(lc.step, lc.out)
		newExits = len(fresh) > 0
		p.Exits = append(p.Exits, fresh...)
	case sheet.Participating:
		// The outcome's added changes still carry the temporary ids.
		o := *lc.out
		o.Added = make([]diff.Change, len(lc.out.Added))
		for i, c := range lc.out.Added {
			if real, ok := ids[c.AgreementID]; ok {
				c.AgreementID = real
			}
			o.Added[i] = c
		}
		newSignings = o.Signings(snap.Published)
		p.Signings = append(p.Signings, newSignings...)
	}
	exits := p.Exits[:0]
	for _, e := range p.Exits {
		if diff.PromotionOpen(e.Left, snap.Published) {
			exits = append(exits, e)
		}
	}
	signings := p.Signings[:0]
	for _, s := range p.Signings {
		if d := daysFrom(s.Since, snap.Published); d <= signingsKept {
			signings = append(signings, s)
		}
	}
	p.Exits, p.Signings = exits, signings

	linked := map[string]string{} // pending agreement id → participating id
	gone := make([]bool, len(p.Exits))
	// The exits still open were tried against the signings kept when
	// they arrived: with no new exit, only the new signings can link
	// them (and an index over a few signings costs far less than one
	// over forty days of them).
	// The forty days of signings change by a few from one call to the
	// next: their index is kept with the participating list (a fresh
	// index over a few new signings is cheap, and kept it would only
	// evict the big one).
	signings = p.Signings
	var index *diff.IndexCache
	if !newExits {
		signings = newSignings
	} else if c := w.currents[sheet.Participating]; c != nil {
		index = c.signingsIndex()
	}
	for _, l := range diff.LinkPromotionsIndexed(p.Exits, signings, index) {
		linked[p.Exits[l.Exit].ID] = signings[l.Signing].ID
		gone[l.Exit] = true
	}
	kept := p.Exits[:0]
	for i, e := range p.Exits {
		if !gone[i] {
			kept = append(kept, e)
		}
	}
	p.Exits = kept
	w.openDirty = true
	if len(linked) == 0 {
		return nil
	}
	// This commit's pending removals take the link before they are
	// written; earlier ones are rewritten.
	for i := range res.Removed {
		c := &res.Removed[i]
		if to, ok := linked[c.AgreementID]; ok && c.List == sheet.Pending {
			c.PromotedTo = to
			delete(linked, c.AgreementID)
			w.promoted = append(w.promoted, c.AgreementID)
		}
	}
	for id, to := range linked {
		if err := w.setPromotedTo(id, to); err != nil {
			return err
		}
		w.promoted = append(w.promoted, id)
	}
	return nil
}

// setPromotedTo records the link on an earlier pending removal: the
// agreement's newest change.
func (w *writer) setPromotedTo(id, to string) error {
	prefix := append([]byte(id), 0)
	c := w.agrChanges.Cursor()
	var last []byte
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		last = k
	}
	if len(last) != len(prefix)+8 {
		return nil
	}
	key := last[len(prefix):]
	var ch diff.Change
	if ok, err := getJSON(w.changes, key, &ch); err != nil || !ok || ch.Kind != diff.Removed {
		return err
	}
	ch.PromotedTo = to
	if err := putJSON(w.changes, append([]byte(nil), key...), &ch); err != nil {
		return err
	}
	var info AgreementInfo
	if ok, err := w.getInfo(id, &info); err != nil || !ok || info.Active {
		return err
	}
	applyStatus(&info, &ch)
	return w.putInfo(&info)
}

// dropPromoted removes the promoted pending agencies from the pending
// list's absences: they were promoted, not dropped, and never end.
func (w *writer) dropPromoted() error {
	ids := w.promoted
	w.promoted = nil
	if len(ids) == 0 {
		return nil
	}
	set, err := w.absentsOf(sheet.Pending)
	if err != nil {
		return err
	}
	for _, id := range ids {
		for _, seq := range slices.Clone(set.byID[id]) {
			a, err := w.absence(sheet.Pending, set, seq)
			if err != nil {
				return err
			}
			if err := w.dropAbsence(sheet.Pending, set, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// wants reports whether r receives ch: its filter, less the raw removals
// when NoMissing. A pending removal linked to its signing is a signing,
// not a removal.
func (r *Recipient) wants(ch *diff.Change) bool {
	if r.NoMissing && ch.Kind == diff.Removed && ch.PromotedTo == "" {
		return false
	}
	return r.Filter.Match(ch)
}
