package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
)

// SnapshotChanges returns the changes snapshot id brought (those whose
// AfterSnapshot is id), oldest first: what a published list changed
// against the previous accepted list of its kind. Empty for a baseline, a
// repeat or a quarantined snapshot; ErrNotFound when there is no such
// snapshot.
//
// It reads the whole changes bucket: a quarantined snapshot accepted later
// has its changes written after newer snapshots' ones, so no order of ids
// tells where a snapshot's changes end, and the bucket holds thousands of
// small records, not millions.
func (s *Store) SnapshotChanges(ctx context.Context, id uint64) ([]diff.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: changes of snapshot %d: %w", id, err)
	}
	out := []diff.Change{}
	err := s.view(fmt.Sprintf("changes of snapshot %d", id), func(tx *bolt.Tx) error {
		if _, err := loadSnapshot(tx, id); err != nil {
			return err
		}
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var ch diff.Change
			if err := decodeJSON(v, &ch); err != nil {
				s.skipBad(bucketChanges, k, err)
				continue
			}
			if ch.AfterSnapshot == id {
				out = append(out, ch)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
