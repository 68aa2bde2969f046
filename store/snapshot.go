package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// Snapshots returns every snapshot, oldest first.
func (s *Store) Snapshots(ctx context.Context) ([]Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: snapshots: %w", err)
	}
	out := []Snapshot{}
	err := s.view("snapshots", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
			var snap Snapshot
			if err := decodeJSON(v, &snap); err != nil {
				return fmt.Errorf("decode snapshot %x: %w", k, err)
			}
			out = append(out, snap)
			return nil
		})
	})
	return out, err
}

// Snapshot returns one snapshot; ErrNotFound when there is none.
func (s *Store) Snapshot(ctx context.Context, id uint64) (Snapshot, error) {
	var snap Snapshot
	err := s.view(fmt.Sprintf("snapshot %d", id), func(tx *bolt.Tx) error {
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
		cur, err := readCurrent(tx, list)
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
// charts of agreements over time.
func (s *Store) Series(ctx context.Context) ([]Series, error) {
	snaps, err := s.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	out := []Series{}
	for _, snap := range snaps {
		if snap.Status != Accepted {
			continue
		}
		out = append(out, Series{
			SnapshotID: snap.ID, List: snap.List, Published: snap.Published,
			Agreements: snap.Agreements, ByModel: snap.ByModel, ByState: snap.ByState,
		})
	}
	return out, nil
}

// Verify re-hashes every archived file and returns those whose bytes no
// longer match their sha256.
func (s *Store) Verify(ctx context.Context) ([]Mismatch, error) {
	out := []Mismatch{}
	err := s.view("verify", func(tx *bolt.Tx) error {
		return forEachFile(tx.Bucket(bucketFiles), func(k string, body []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			sum := sha256.Sum256(body)
			if got := hex.EncodeToString(sum[:]); got != k {
				out = append(out, Mismatch{SHA256: k, Got: got})
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, m := range out {
		s.log.Error("archived file does not match its sha256", slog.String("sha256", m.SHA256), slog.String("got", m.Got))
	}
	return out, nil
}
