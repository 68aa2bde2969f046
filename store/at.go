package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

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
