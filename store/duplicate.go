package store

import (
	"github.com/watch287g/watch287g/diff"
)

// recordDuplicates keeps the agreement records of the duplicate rows the
// lifecycle found in this list (w.lc), which bring no change:
//   - a row that appeared beside the agreement it repeats is listed: it
//     gets its record (ids maps its temporary id to the one drawn), or
//     its page would answer 404 while the list shows it;
//   - a row ICE removed while the agreement it repeated stayed listed is
//     no removal — nothing recorded, nothing announced — but no longer
//     listed either: without this it stayed "listed" forever and every
//     count of listed agreements (the SQLite export, agreements-ever.csv,
//     the agency pages) was off by one per clean-up. Its status becomes
//     merged, naming the agreement that goes on.
func (w *writer) recordDuplicates(cur *current, snap *Snapshot, ids map[string]string, byID map[string]*diff.Agreement) error {
	if w.lc == nil || w.lc.out == nil {
		return nil
	}
	for _, d := range w.lc.out.Duplicates {
		if d.Kind == diff.Added {
			id := d.AgreementID
			if drawn, ok := ids[id]; ok {
				id = drawn
			}
			var info AgreementInfo
			ok, err := w.getInfo(id, &info)
			if err != nil {
				return err
			}
			if a := byID[id]; !ok && a != nil {
				if err := w.putInfo(newInfo(*a, snap)); err != nil {
					return err
				}
			}
			continue
		}
		if d.Kind != diff.Removed {
			continue
		}
		var info AgreementInfo
		ok, err := w.getInfo(d.AgreementID, &info)
		if err != nil || !ok {
			return err
		}
		info.Active = false
		info.Status, info.MergedInto, info.AbsentSince = diff.StatusMerged, d.Of, snap.Published
		// Its last list is the one before this; an active record takes
		// those from the current list, which no longer holds it.
		info.LastSnapshot, info.LastPublished = cur.SnapshotID, cur.Published
		if err := w.putInfo(&info); err != nil {
			return err
		}
	}
	return nil
}
