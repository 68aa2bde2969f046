package store

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// ctxEvery is how many rows a long loop handles between looks at its
// context: a look costs a channel poll, and a few thousand rows take well
// under the 2 s in which a cancellation must be honoured.
const ctxEvery = 1024

// tempID marks an id Compare asked for; real ids are drawn only once the
// snapshot is accepted, so a quarantined file burns no agreement ids.
const tempID = "\x00new-"

// admission is what admit did with a readable snapshot.
type admission struct {
	// res is the comparison; nil for a baseline.
	res     *diff.Result
	dropped int
	changes []diff.Change
	// prevSnapshot is the list's accepted snapshot before this one.
	prevSnapshot uint64
}

// admit records a readable snapshot's agreements: a baseline when its list
// has none, else a diff against the current agreements, held back when
// guard (nil: no guard) says the file looks broken. It sets snap's status
// and counts; the caller writes snap. Its loops are linear in the rows and
// changes (indexes, never a scan per row) and give up when ctx ends.
func (w *writer) admit(ctx context.Context, snap *Snapshot, f *sheet.File, guard *Guard, recipients []Recipient, at time.Time) (admission, error) {
	list := snap.List
	cur, err := w.current(list)
	if err != nil {
		return admission{}, err
	}
	if cur == nil {
		folded, foldWarns := diff.Fold(f.Records)
		snap.Baseline = true
		snap.Status = Accepted
		snap.Warnings = append(snap.Warnings, foldWarns...)
		for i := range folded {
			if i%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return admission{}, err
				}
			}
			id, err := w.drawAgreementID()
			if err != nil {
				return admission{}, err
			}
			folded[i].ID = id
			folded[i].Since = snap.Published
			if err := w.putInfo(newInfo(folded[i], snap)); err != nil {
				return admission{}, err
			}
		}
		countAgreements(snap, folded)
		if err := w.putSnapshotIDs(snap.ID, folded, folded); err != nil {
			return admission{}, err
		}
		return admission{}, w.setCurrent(list, &current{SnapshotID: snap.ID, Published: snap.Published, Agreements: folded})
	}

	n := 0
	opt := diff.Options{Published: snap.Published, NewID: func(sheet.Record) string {
		n++
		return tempID + strconv.Itoa(n)
	}}
	switch list {
	case sheet.Participating:
		if p, err := w.current(sheet.Pending); err != nil {
			return admission{}, err
		} else if p != nil {
			opt.Pending, opt.PendingIndex = p.Agreements, p.indexCache()
		}
	case sheet.Pending:
		if p, err := w.current(sheet.Participating); err != nil {
			return admission{}, err
		} else if p != nil {
			opt.Participating, opt.ParticipatingIndex = p.Agreements, p.indexCache()
		}
	}
	res, err := diff.CompareContext(ctx, list, cur.Agreements, f.Records, opt)
	if err != nil {
		return admission{}, err
	}
	// Compare's agreements are the file's records folded (Fold), in its
	// order: what the snapshot's ids are aligned with (putSnapshotIDs),
	// without folding the file a second time. The lifecycle copies them.
	folded := res.Agreements
	adm := admission{res: res, dropped: res.Dropped(), prevSnapshot: cur.SnapshotID}
	snap.Warnings = append(snap.Warnings, res.Warnings...)
	countAgreements(snap, res.Agreements)
	if guard != nil {
		if v := guard.Check(len(cur.Agreements), res); v.Quarantine {
			quarantine(snap, v, cur.SnapshotID)
			return admission{dropped: adm.dropped, prevSnapshot: cur.SnapshotID}, nil
		}
	}
	// The lifecycle (lifecycle.go): returns, hand-offs, duplicate rows,
	// missing and ended agreements.
	var lifecycle []diff.Change
	if res, lifecycle, err = w.advance(ctx, list, cur, snap, res); err != nil {
		return admission{}, err
	}
	adm.res = res

	// Draw real ids for the agreements seen for the first time.
	ids := map[string]string{}
	drawn := map[string]*diff.Agreement{} // by the ids drawn here
	for i := range res.Agreements {
		if i%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return admission{}, err
			}
		}
		a := &res.Agreements[i]
		if strings.HasPrefix(a.ID, tempID) {
			id, err := w.drawAgreementID()
			if err != nil {
				return admission{}, err
			}
			ids[a.ID] = id
			a.ID = id
			drawn[id] = a
		}
		if a.Since == "" {
			a.Since = snap.Published
		}
	}
	// The new list by id, for the agreements first recorded: made only
	// when one is not among those just given an id (a map of every row
	// of every list was a tenth of the commit path's allocations).
	var indexed map[string]*diff.Agreement
	byID := func() map[string]*diff.Agreement {
		if indexed == nil {
			indexed = make(map[string]*diff.Agreement, len(res.Agreements))
			for i := range res.Agreements {
				indexed[res.Agreements[i].ID] = &res.Agreements[i]
			}
		}
		return indexed
	}
	find := func(id string) (*diff.Agreement, bool) {
		if a, ok := drawn[id]; ok { // a drawn id names one row only
			return a, true
		}
		a, ok := byID()[id]
		return a, ok
	}
	// Before promote, which consumes the lifecycle's step (w.lc).
	var dupIndex map[string]*diff.Agreement // read for added duplicates only
	if w.lc != nil && w.lc.out != nil {
		for _, d := range w.lc.out.Duplicates {
			if d.Kind == diff.Added {
				dupIndex = byID()
				break
			}
		}
	}
	if err := w.recordDuplicates(cur, snap, ids, dupIndex); err != nil {
		return admission{}, err
	}
	if err := w.promote(snap, res, ids); err != nil {
		return admission{}, err
	}
	// Agreement records and their change index are written sorted by key
	// once all changes are known: bbolt splits nodes only at commit, so
	// tens of thousands of inserts in random key order into one node cost
	// a memmove each, quadratic in the rows.
	w.infos = map[string]*AgreementInfo{}
	var links, days, facets [][]byte
	k := 0
	for _, group := range [][]diff.Change{res.Added, res.Removed, res.Changed, lifecycle} {
		for i := range group {
			if k++; k%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return admission{}, err
				}
			}
			ch := &group[i]
			if real, ok := ids[ch.AgreementID]; ok {
				ch.AgreementID = real
			}
			ch.List = list
			stamp(ch, cur, snap)
			ch.DetectedAt = at.UTC()
			id, err := w.drawChangeID(ch)
			if err != nil {
				return admission{}, err
			}
			ch.ID = id
			if err := putJSON(w.changes, be64(id), ch); err != nil {
				return admission{}, err
			}
			days = append(days, changeDayKey(ch))
			facets = append(facets, facetKeys(ch)...)
			links = append(links, agrChangeKey(ch.AgreementID, id))
			if err := w.noteChange(ch, snap, cur, find); err != nil {
				return admission{}, err
			}
			announce := recipients
			if ch.Kind == diff.Ended && len(recipients) > 0 {
				if told, err := w.endingAnnounced(ch.AgreementID); err != nil {
					return admission{}, err
				} else if told {
					announce = nil
				}
			}
			for _, r := range announce {
				if r.wants(ch) {
					if _, err := w.enqueue(Delivery{Recipient: r.ID, ChangeID: id}, at); err != nil {
						return admission{}, err
					}
				}
			}
			adm.changes = append(adm.changes, *ch)
		}
	}
	if err := w.flushInfos(); err != nil {
		return admission{}, err
	}
	if err := w.dropPromoted(); err != nil {
		return admission{}, err
	}
	slices.SortFunc(links, bytes.Compare)
	for _, l := range links {
		if err := w.agrChanges.Put(l, nil); err != nil {
			return admission{}, err
		}
	}
	if err := w.putIndexKeys(days, facets); err != nil {
		return admission{}, err
	}
	snap.Added, snap.Removed, snap.Changed = len(res.Added), len(res.Removed), len(res.Changed)
	snap.Status = Accepted
	if err := w.putSnapshotIDs(snap.ID, res.Agreements, folded); err != nil {
		return admission{}, err
	}
	if err := w.setCurrent(list, &current{SnapshotID: snap.ID, Published: snap.Published, Agreements: res.Agreements}); err != nil {
		return admission{}, err
	}
	return adm, nil
}

// countAgreements counts a list's agreements by model and state. A list
// runs by state (and mostly one model), so each map is touched once a
// run rather than once a row: at ten years, 70 million map updates.
func countAgreements(snap *Snapshot, aggs []diff.Agreement) {
	snap.Agreements = len(aggs)
	snap.ByModel, snap.ByState = map[string]int{}, map[string]int{}
	var model, state string
	var nModel, nState int
	for i := range aggs {
		a := &aggs[i]
		if a.Model != model || nModel == 0 {
			if nModel > 0 {
				snap.ByModel[model] += nModel
			}
			model, nModel = a.Model, 0
		}
		if a.State != state || nState == 0 {
			if nState > 0 {
				snap.ByState[state] += nState
			}
			state, nState = a.State, 0
		}
		nModel++
		nState++
	}
	if nModel > 0 {
		snap.ByModel[model] += nModel
	}
	if nState > 0 {
		snap.ByState[state] += nState
	}
}

func newInfo(a diff.Agreement, snap *Snapshot) *AgreementInfo {
	return &AgreementInfo{
		Agreement: a, List: snap.List, Active: true, Status: diff.StatusListed,
		FirstSnapshot: snap.ID, FirstPublished: snap.Published,
		LastSnapshot: snap.ID, LastPublished: snap.Published,
	}
}

// putInfo writes an agreement's record, or holds it for flushInfos while
// admit collects them.
func (w *writer) putInfo(info *AgreementInfo) error {
	if w.infos != nil {
		w.infos[info.ID] = info
		return nil
	}
	if err := w.names.Put([]byte(info.ID), nameValue(info)); err != nil {
		return err
	}
	w.wroteInfos[info.ID] = *info
	return putJSON(w.agreements, []byte(info.ID), info)
}

// getInfo reads an agreement's record, held or written.
func (w *writer) getInfo(id string, info *AgreementInfo) (bool, error) {
	if held, ok := w.infos[id]; ok {
		*info = *held
		return true, nil
	}
	return getJSON(w.agreements, []byte(id), info)
}

// flushInfos writes the held agreement records in key order.
func (w *writer) flushInfos() error {
	held := w.infos
	w.infos = nil
	for _, id := range slices.Sorted(maps.Keys(held)) {
		if err := w.putInfo(held[id]); err != nil {
			return err
		}
	}
	return nil
}

// noteChange brings one agreement's stored identity up to date. Agreements
// that did not change are not rewritten: readers take an active
// agreement's latest record and snapshot from the list's current
// agreements, which keeps a cycle's writes proportional to its changes.
// now finds the new list's agreement of an id.
func (w *writer) noteChange(ch *diff.Change, snap *Snapshot, cur *current, now func(string) (*diff.Agreement, bool)) error {
	var info AgreementInfo
	ok, err := w.getInfo(ch.AgreementID, &info)
	if err != nil {
		return err
	}
	switch {
	case !ok && (ch.Kind == diff.Removed || ch.Kind == diff.Ended):
		return fmt.Errorf("%s agreement %s is unknown", ch.Kind, ch.AgreementID)
	case !ok:
		a := diff.Agreement{ID: ch.AgreementID, Record: *ch.After, Since: snap.Published}
		if n, found := now(ch.AgreementID); found {
			a = *n
		}
		return w.putInfo(newInfo(a, snap))
	case ch.Kind == diff.Removed:
		info.Active = false
		info.Record = *ch.Before
		info.LastSnapshot, info.LastPublished = cur.SnapshotID, cur.Published
	case ch.Kind == diff.Ended:
		// Still away: last listed where its removal left it.
	default:
		info.Active = true
		if ch.After != nil {
			info.Record = *ch.After
		}
		info.LastSnapshot, info.LastPublished = snap.ID, snap.Published
	}
	applyStatus(&info, ch)
	return w.putInfo(&info)
}

func agrChangeKey(agreementID string, changeID uint64) []byte {
	k := append([]byte(agreementID), 0)
	return append(k, be64(changeID)...)
}
