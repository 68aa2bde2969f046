package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// SnapshotsPage returns at most limit snapshots (all when limit <= 0),
// newest first, starting below id before (0: from the newest); next is the
// cursor for the following page, 0 after the last. It decodes only the
// snapshots it returns, so a page costs the same at any history length.
func (s *Store) SnapshotsPage(ctx context.Context, before uint64, limit int) (page []Snapshot, next uint64, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: snapshots page: %w", err)
	}
	page = []Snapshot{}
	err = s.view("snapshots page", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		var k, v []byte
		if before == 0 {
			k, v = c.Last()
		} else if k, _ = c.Seek(be64(before)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		var more bool
		if page, more = s.walkSnapshots(k, v, c.Prev, limit); more {
			next = page[len(page)-1].ID
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return page, next, nil
}

// walkSnapshots decodes snapshot records from (k, v) on, moving with step
// (a cursor's Next or Prev), until limit are kept (limit <= 0: to the
// end). A record that does not decode is skipped (and logged). more
// reports that records remain past the last one kept.
func (s *Store) walkSnapshots(k, v []byte, step func() ([]byte, []byte), limit int) (page []Snapshot, more bool) {
	page = []Snapshot{}
	for ; k != nil; k, v = step() {
		if limit > 0 && len(page) == limit {
			return page, true
		}
		var snap Snapshot
		if err := decodeJSON(v, &snap); err != nil {
			s.skipBad(bucketSnapshots, k, err)
			continue
		}
		page = append(page, snap)
	}
	return page, false
}
