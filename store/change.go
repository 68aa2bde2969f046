package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
)

// changeTime is the time a change is filed under for ChangeQuery.Since and
// Until: the published date of the file that brought it (AfterPublished,
// or BeforePublished for a change whose new file had no date in its name),
// midnight UTC, falling back to DetectedAt. Published dates are what
// readers mean by "changes in June"; an import of old files detects them
// all today.
func changeTime(ch *diff.Change) time.Time {
	for _, d := range []string{ch.AfterPublished, ch.BeforePublished} {
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			return t
		}
	}
	return ch.DetectedAt
}

func (q *ChangeQuery) match(ch *diff.Change) bool {
	if !q.Filter.Match(ch) {
		return false
	}
	t := changeTime(ch)
	if !q.Since.IsZero() && t.Before(day(q.Since)) {
		return false
	}
	if !q.Until.IsZero() && !t.Before(day(q.Until).AddDate(0, 0, 1)) {
		return false
	}
	return true
}

// day is midnight UTC of t's calendar day.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Changes returns the changes q selects, newest first, at most q.Limit of
// them. next is the cursor for the following page (the id of the last
// change returned), 0 when no further change matches.
func (s *Store) Changes(ctx context.Context, q ChangeQuery) ([]diff.Change, uint64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("store: changes: %w", err)
	}
	out := []diff.Change{}
	var next uint64
	err := s.view("changes", func(tx *bolt.Tx) error {
		// more reports whether to keep scanning after ch.
		more := func(ch *diff.Change) bool {
			if !q.match(ch) {
				return true
			}
			if q.Limit > 0 && len(out) == q.Limit {
				next = out[len(out)-1].ID
				return false
			}
			out = append(out, *ch)
			return true
		}
		if q.AgreementID != "" {
			all, err := s.agreementChanges(tx, q.AgreementID)
			if err != nil {
				return err
			}
			for i := len(all) - 1; i >= 0; i-- {
				if q.Cursor != 0 && all[i].ID >= q.Cursor {
					continue
				}
				if !more(&all[i]) {
					break
				}
			}
			return nil
		}
		if ids, ok := candidates(tx, &q); ok {
			// Only the changes an index says may match are decoded.
			cb := tx.Bucket(bucketChanges)
			for i, id := range ids {
				if i%ctxEvery == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				var ch diff.Change
				ok, err := getJSON(cb, be64(id), &ch)
				if err != nil {
					s.skipBad(bucketChanges, be64(id), err)
					continue
				}
				if ok && !more(&ch) {
					break
				}
			}
			return nil
		}
		c := tx.Bucket(bucketChanges).Cursor()
		var k, v []byte
		if q.Cursor == 0 {
			k, v = c.Last()
		} else if k, _ = c.Seek(be64(q.Cursor)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var ch diff.Change
			if err := decodeJSON(v, &ch); err != nil {
				s.skipBad(bucketChanges, k, err)
				continue
			}
			if !more(&ch) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, next, nil
}

// Change returns one change; ErrNotFound when there is none.
func (s *Store) Change(ctx context.Context, id uint64) (diff.Change, error) {
	var ch diff.Change
	err := s.view(fmt.Sprintf("change %d", id), func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketChanges), be64(id), &ch)
		if err == nil && !ok {
			// A change a rebuild replaced still answers, as recorded
			// (rebuild.go).
			if ok, err = supersededChange(tx, id, &ch); err == nil && !ok {
				err = ErrNotFound
			}
		}
		return err
	})
	return ch, err
}
