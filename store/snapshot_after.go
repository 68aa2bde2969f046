package store

import (
	"context"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"
)

// SnapshotsAfter returns at most limit snapshots (all when limit <= 0),
// oldest first, with ids above after (0: from the oldest). It is
// SnapshotsPage's other direction: the web archive's link to newer files
// and the archive's CSV, written a page at a time, each costing only the
// snapshots it returns.
func (s *Store) SnapshotsAfter(ctx context.Context, after uint64, limit int) ([]Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: snapshots after %d: %w", after, err)
	}
	page := []Snapshot{}
	if after == math.MaxUint64 {
		return page, nil
	}
	err := s.view("snapshots after", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSnapshots).Cursor()
		k, v := c.Seek(be64(after + 1))
		page, _ = s.walkSnapshots(k, v, c.Next, limit)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}
