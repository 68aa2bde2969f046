package store

import (
	"bytes"

	"github.com/watch287g/watch287g/diff"
)

// endingAnnounced reports whether an agreement's ending was already news:
// an announced (not historical) ended change with no announced restored
// after it. A backfill can put a list that still holds an ended agreement
// into its past; the rebuilt history then has it come back (history, not
// announced) and end again, and that second ending must not be mailed as
// if the first had not been.
func (w *writer) endingAnnounced(id string) (bool, error) {
	prefix := append([]byte(id), 0)
	c := w.tx.Bucket(bucketAgrChanges).Cursor()
	ended, restored := "", ""
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var ch diff.Change
		ok, err := getJSON(w.changes, k[len(prefix):], &ch)
		if err != nil || !ok || ch.Historical {
			continue // a record that does not decode costs only itself
		}
		switch ch.Kind {
		case diff.Ended:
			ended = max(ended, ch.AfterPublished)
		case diff.Restored:
			restored = max(restored, ch.AfterPublished)
		}
	}
	// A rebuild may have superseded the announced ending (the history
	// now has it end later); what was sent still counts.
	if sup := w.tx.Bucket(bucketSupersededChanges); sup != nil {
		err := sup.ForEach(func(_, v []byte) error {
			var ch diff.Change
			if decodeJSON(v, &ch) != nil || ch.AgreementID != id || ch.Historical {
				return nil
			}
			switch ch.Kind {
			case diff.Ended:
				ended = max(ended, ch.AfterPublished)
			case diff.Restored:
				restored = max(restored, ch.AfterPublished)
			}
			return nil
		})
		if err != nil {
			return false, err
		}
	}
	return ended != "" && restored <= ended, nil
}
