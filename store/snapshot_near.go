package store

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// AcceptedAround returns list's accepted snapshots nearest before and
// after id (nil where there is none): a list page's links to its
// neighbours. It walks the series (aggregate.go), whose points are the
// accepted snapshots, reading each point's list alone, and decodes only
// the two records it returns.
func (s *Store) AcceptedAround(ctx context.Context, list sheet.List, id uint64) (prev, next *Snapshot, err error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: snapshots around %d: %w", id, err)
	}
	err = s.view(fmt.Sprintf("snapshots around %d", id), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeries)
		if b == nil {
			return errors.New("series: bucket missing (store not migrated)")
		}
		ofList := func(k, v []byte) bool {
			l, _, err := rawString(v)
			return err == nil && len(k) == 8 && string(l) == string(list)
		}
		load := func(k []byte) (*Snapshot, error) {
			snap, err := loadSnapshot(tx, beUint(k))
			if err != nil {
				return nil, err
			}
			return &snap, nil
		}
		c := b.Cursor()
		k, v := c.Seek(be64(id))
		if k == nil {
			k, v = c.Last() // every point is before id
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if ofList(k, v) {
				if prev, err = load(k); err != nil {
					return err
				}
				break
			}
		}
		if k, v = c.Seek(be64(id + 1)); id == ^uint64(0) {
			k = nil
		}
		for ; k != nil; k, v = c.Next() {
			if ofList(k, v) {
				next, err = load(k)
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return prev, next, nil
}

// NextAccepted returns, for each id in after, list's first accepted
// snapshot with a greater id (SnapshotID and Published set; absent when
// there is none): for an agreement last listed in snapshot id, the list
// that dropped it. It seeks the series (aggregate.go) once per id and
// reads each point's list and date alone.
func (s *Store) NextAccepted(ctx context.Context, list sheet.List, after []uint64) (map[uint64]Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: next accepted %s: %w", list, err)
	}
	out := make(map[uint64]Series, len(after))
	err := s.view("next accepted "+string(list), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeries)
		if b == nil {
			return errors.New("series: bucket missing (store not migrated)")
		}
		c := b.Cursor()
		for i, id := range after {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if _, done := out[id]; done || id == ^uint64(0) {
				continue
			}
			for k, v := c.Seek(be64(id + 1)); k != nil; k, v = c.Next() {
				l, rest, err := rawString(v)
				if err != nil || len(k) != 8 || string(l) != string(list) {
					continue
				}
				published, _, err := rawString(rest)
				if err != nil {
					continue
				}
				out[id] = Series{SnapshotID: beUint(k), List: list, Published: string(published)}
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
