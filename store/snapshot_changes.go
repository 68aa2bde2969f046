package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
)

// SnapshotChanges returns the changes snapshot id brought (those whose
// AfterSnapshot is id), oldest first: what a published list changed
// against the previous accepted list of its kind. Empty for a baseline, a
// repeat or a quarantined snapshot; ErrNotFound when there is no such
// snapshot.
//
// A snapshot's changes are filed under its published date in the index of
// changes by day (index.go: a change's day is its AfterPublished), so
// only that day's changes are decoded. A quarantined snapshot accepted
// later has its changes written after newer snapshots' ones, so no order
// of ids tells where a snapshot's changes end; without the index or a
// date, every change is read.
func (s *Store) SnapshotChanges(ctx context.Context, id uint64) ([]diff.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: changes of snapshot %d: %w", id, err)
	}
	out := []diff.Change{}
	err := s.view(fmt.Sprintf("changes of snapshot %d", id), func(tx *bolt.Tx) error {
		snap, err := loadSnapshot(tx, id)
		if err != nil {
			return err
		}
		keep := func(k, v []byte) {
			var ch diff.Change
			if err := decodeJSON(v, &ch); err != nil {
				s.skipBad(bucketChanges, k, err)
				return
			}
			if ch.AfterSnapshot == id {
				out = append(out, ch)
			}
		}
		changes := tx.Bucket(bucketChanges)
		if t, err := time.Parse(time.DateOnly, snap.Published); err == nil && tx.Bucket(bucketChangeDays) != nil {
			ids := changeIDsByDay(tx, t, t, 0)
			slices.Sort(ids)
			for i, cid := range ids {
				if i%256 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if v := changes.Get(be64(cid)); v != nil {
					keep(be64(cid), v)
				}
			}
			return nil
		}
		c := changes.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			keep(k, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
