package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// ErrBadAt means a point in time (--at, ?at=) is neither a date
// YYYY-MM-DD nor a snapshot id. Callers name their flag or parameter.
var ErrBadAt = errors.New("takes a date YYYY-MM-DD or a snapshot id")

// ParseAt reads a point in a list's timeline as the CLI's --at and the
// API's ?at= take it: "" (the latest accepted snapshot: both results
// zero), a snapshot id (a positive integer), or a date YYYY-MM-DD (the
// last accepted snapshot published on or before it). The one parser of
// that syntax.
func ParseAt(s string) (date string, snapshotID uint64, err error) {
	if s == "" {
		return "", 0, nil
	}
	if id, err := strconv.ParseUint(s, 10, 64); err == nil {
		if id == 0 {
			return "", 0, fmt.Errorf("%w; snapshot ids start at 1, not %q", ErrBadAt, s)
		}
		return "", id, nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return "", 0, fmt.Errorf("%w, not %q", ErrBadAt, s)
	}
	return s, 0, nil
}

// AgreementsAsOf returns a list's agreements at a point ParseAt reads:
// Agreements for "" or a snapshot id, AgreementsAt for a date. A bad
// point is ErrBadAt.
func (s *Store) AgreementsAsOf(ctx context.Context, list sheet.List, at string) (Snapshot, []diff.Agreement, error) {
	date, id, err := ParseAt(at)
	if err != nil {
		return Snapshot{}, nil, fmt.Errorf("store: agreements %s at %q: %w", list, at, err)
	}
	if date != "" {
		return s.AgreementsAt(ctx, list, date)
	}
	return s.Agreements(ctx, list, id)
}

// AgreementsAt returns a list's agreements as of date (YYYY-MM-DD): those
// of the last accepted snapshot in the agreements' timeline published on
// or before it. ErrNotFound when there is none. The snapshot is found in
// the series (aggregate.go), whose points are the accepted snapshots,
// reading each point's list and date alone.
func (s *Store) AgreementsAt(ctx context.Context, list sheet.List, date string) (Snapshot, []diff.Agreement, error) {
	if err := ctx.Err(); err != nil {
		return Snapshot{}, nil, fmt.Errorf("store: agreements %s at %s: %w", list, date, err)
	}
	var best uint64
	err := s.view(fmt.Sprintf("agreements %s at %s", list, date), func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeries)
		if b == nil {
			return errors.New("series: bucket missing (store not migrated)")
		}
		timeline := tx.Bucket(bucketSnapshotIDs)
		bestPublished := ""
		return b.ForEach(func(k, v []byte) error {
			l, v, err := rawString(v)
			if err != nil || len(k) != 8 || string(l) != string(list) {
				return nil
			}
			published, _, err := rawString(v)
			if err != nil || len(published) == 0 || string(published) > date || timeline.Get(k) == nil {
				return nil
			}
			// Ids ascend: a later point published the same day wins.
			if best == 0 || string(published) >= bestPublished {
				best, bestPublished = beUint(k), string(published)
			}
			return nil
		})
	})
	if err != nil {
		return Snapshot{}, nil, err
	}
	if best == 0 {
		return Snapshot{}, nil, fmt.Errorf("store: agreements %s at %s: no accepted snapshot published by then: %w", list, date, ErrNotFound)
	}
	return s.Agreements(ctx, list, best)
}
