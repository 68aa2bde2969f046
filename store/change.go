package store

import (
	"bytes"
	"context"
	"encoding/binary"
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
	if !q.Since.IsZero() && t.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !t.Before(q.Until) {
		return false
	}
	return true
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
			all, err := agreementChanges(tx, q.AgreementID)
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
				return fmt.Errorf("decode change %d: %w", binary.BigEndian.Uint64(k), err)
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
			err = ErrNotFound
		}
		return err
	})
	return ch, err
}

// Checks returns the latest polls, newest first; limit 0 returns all.
func (s *Store) Checks(ctx context.Context, limit int) ([]Check, error) {
	out := []Check{}
	err := s.view("checks", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketChecks).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var ch Check
			if err := decodeJSON(v, &ch); err != nil {
				return fmt.Errorf("decode check %x: %w", k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, err
}

// Validator returns the validators last seen for url; the zero value (with
// URL set) when there are none.
func (s *Store) Validator(ctx context.Context, url string) (Validator, error) {
	v := Validator{URL: url}
	err := s.view("validator "+url, func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketValidators), []byte(url), &v)
		return err
	})
	return v, err
}

// Meta returns a small piece of operator state ("" when unset), such as a
// failure streak or when the last digest went out.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var val string
	err := s.view("meta "+key, func(tx *bolt.Tx) error {
		val = string(bytes.Clone(tx.Bucket(bucketMeta).Get([]byte(metaUser + key))))
		return nil
	})
	return val, err
}

// SetMeta stores a small piece of operator state; "" deletes it.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.update("set meta "+key, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if value == "" {
			return b.Delete([]byte(metaUser + key))
		}
		return b.Put([]byte(metaUser+key), []byte(value))
	})
}
