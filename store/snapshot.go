package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// Snapshots returns every snapshot, oldest first. It decodes every
// record (ten years are 7,000): the pages read Series and SnapshotPage.
func (s *Store) Snapshots(ctx context.Context) ([]Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	var out []Snapshot
	err := s.view("snapshots", func(tx *bolt.Tx) error {
		out = s.allSnapshots(tx)
		return nil
	})
	return out, err
}

// Snapshot returns one snapshot; ErrNotFound when there is none.
func (s *Store) Snapshot(ctx context.Context, id uint64) (Snapshot, error) {
	var snap Snapshot
	// loadSnapshot's error names the snapshot already.
	err := s.view("", func(tx *bolt.Tx) error {
		var err error
		snap, err = loadSnapshot(tx, id)
		return err
	})
	return snap, err
}

// SnapshotBySHA returns the snapshot of list holding the file with this
// sha256 (hex); an empty list finds the unreadable file with it.
func (s *Store) SnapshotBySHA(ctx context.Context, list sheet.List, sha string) (Snapshot, error) {
	var snap Snapshot
	err := s.view(fmt.Sprintf("snapshot %s/%s", list, sha), func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSHAs).Get(shaKey(list, sha))
		if len(v) != 8 {
			return ErrNotFound
		}
		var err error
		snap, err = loadSnapshot(tx, beUint(v))
		return err
	})
	return snap, err
}

// File returns an archived file's original bytes by sha256 (hex).
func (s *Store) File(ctx context.Context, sha string) ([]byte, error) {
	var body []byte
	err := s.view("file "+sha, func(tx *bolt.Tx) error {
		var ok bool
		if body, ok = getFile(tx.Bucket(bucketFiles), sha); !ok {
			return ErrNotFound
		}
		return nil
	})
	return body, err
}

// Latest returns the list's latest accepted snapshot; ErrNotFound before
// its baseline.
func (s *Store) Latest(ctx context.Context, list sheet.List) (Snapshot, error) {
	var snap Snapshot
	err := s.view("latest "+string(list), func(tx *bolt.Tx) error {
		// The summary names the snapshot without decoding the list.
		if sum, ok, err := readCurrentSum(tx, list); ok {
			if err != nil {
				return err
			}
			snap, err = loadSnapshot(tx, sum.SnapshotID)
			return err
		}
		cur, _, err := s.current(tx, list)
		if err != nil {
			return err
		}
		if cur == nil {
			return ErrNotFound
		}
		snap, err = loadSnapshot(tx, cur.SnapshotID)
		return err
	})
	return snap, err
}

// Series returns the counts of every accepted snapshot, oldest first, for
// charts of agreements over time: the aggregate kept as lists are
// committed (aggregate.go). Each call decodes it (7,000 points with a few
// dozen states each at ten years: tens of milliseconds); SeriesByModel
// leaves the states out.
func (s *Store) Series(ctx context.Context) ([]Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: series: %w", err)
	}
	var out []Series
	err := s.view("series", func(tx *bolt.Tx) error {
		var err error
		out, err = s.readSeries(tx, false)
		return err
	})
	return out, err
}
