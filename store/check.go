package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Check retention: the checks bucket keeps the polls of the last
// CheckRetention (relative to the newest check, not the clock, so an idle
// store keeps its history) and always at least the newest CheckKeep. With
// the default 5-minute poll that is about 2,000 checks, a few hundred
// kilobytes; the check log is for looking back at recent polls, and the
// one fact kept for ever (the last success) has its own meta key.
const (
	CheckRetention = 7 * 24 * time.Hour
	CheckKeep      = 1000
)

// checkPruneMax bounds the checks one commit deletes, so the first commit
// after an upgrade does not delete years of checks in one transaction.
const checkPruneMax = 10000

// Meta keys of the check log.
const (
	metaLastSuccess = "last_success" // RFC 3339 time of the newest successful check
	metaLastError   = "last_error"   // RFC 3339 time, a space, the newest failed check's error
)

func (w *writer) recordValidators(c Cycle) error {
	vs := []Validator{}
	for _, in := range c.Inputs {
		if (in.LastModified != "" || in.ETag != "") && (strings.HasPrefix(in.Source, "http://") || strings.HasPrefix(in.Source, "https://")) {
			vs = append(vs, Validator{URL: in.Source, LastModified: in.LastModified, ETag: in.ETag})
		}
	}
	// The cycle's own validators come last so they win: they are what the
	// server said most recently.
	for _, v := range append(vs, c.Validators...) {
		if v.URL == "" {
			continue
		}
		if err := putJSON(w.validators, []byte(v.URL), v); err != nil {
			return fmt.Errorf("validator %s: %w", v.URL, err)
		}
	}
	return nil
}

// recordChecks writes the cycle's polls, moves the last_success and
// last_error meta keys forward, and prunes checks past retention, all in
// the cycle's transaction: a cycle whose commit fails has not succeeded.
// A check with no Outcome gets CheckError when it carries an Error, else
// CheckDownloaded when the cycle brought files, else CheckNotModified.
func (w *writer) recordChecks(checks []Check, downloads int) error {
	for _, ch := range checks {
		if ch.Outcome == "" {
			switch {
			case ch.Error != "":
				ch.Outcome = CheckError
			case downloads > 0:
				ch.Outcome = CheckDownloaded
			default:
				ch.Outcome = CheckNotModified
			}
		}
		seq, err := w.checks.NextSequence()
		if err != nil {
			return err
		}
		ch.At = ch.At.UTC()
		if err := putJSON(w.checks, timeKey(ch.At, seq), ch); err != nil {
			return fmt.Errorf("check %s: %w", ch.URL, err)
		}
		if ch.Outcome.OK() {
			err = w.moveMeta(metaLastSuccess, ch.At, "")
		} else {
			err = w.moveMeta(metaLastError, ch.At, " "+ch.Error)
		}
		if err != nil {
			return err
		}
	}
	if len(checks) == 0 {
		return nil
	}
	return w.pruneChecks()
}

// moveMeta sets key to at (and suffix) unless it already holds a later time.
func (w *writer) moveMeta(key string, at time.Time, suffix string) error {
	k := []byte(metaUserless(key))
	if old, _, ok := parseMetaTime(w.meta.Get(k)); ok && old.After(at) {
		return nil
	}
	return w.meta.Put(k, []byte(at.Format(time.RFC3339Nano)+suffix))
}

// metaUserless is the meta key of a store-owned fact (outside metaUser,
// where operator state lives).
func metaUserless(key string) string { return "checks/" + key }

// parseMetaTime reads "time[ rest]".
func parseMetaTime(v []byte) (time.Time, string, bool) {
	if v == nil {
		return time.Time{}, "", false
	}
	s, rest, _ := strings.Cut(string(v), " ")
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, rest, err == nil
}

// pruneChecks deletes checks older than CheckRetention before the newest,
// keeping at least the newest CheckKeep.
func (w *writer) pruneChecks() error {
	c := w.checks.Cursor()
	last, _ := c.Last()
	if last == nil {
		return nil
	}
	// The CheckKeep-th newest key: nothing from it on is deleted.
	k := last
	for i := 1; i < CheckKeep && k != nil; i++ {
		k, _ = c.Prev()
	}
	if k == nil {
		return nil
	}
	newest := time.Unix(0, int64(binary.BigEndian.Uint64(last[:8])))
	cut := timeKey(newest.Add(-CheckRetention), 0)
	if bytes.Compare(k, cut) < 0 {
		cut = k
	}
	var old [][]byte
	for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0 && len(old) < checkPruneMax; k, _ = c.Next() {
		old = append(old, bytes.Clone(k))
	}
	for _, k := range old {
		if err := w.checks.Delete(k); err != nil {
			return fmt.Errorf("prune check: %w", err)
		}
	}
	return nil
}

// Checks returns the latest polls, newest first, at most limit of them
// (limit <= 0: every check retained, at most CheckKeep beyond
// CheckRetention; see there).
func (s *Store) Checks(ctx context.Context, limit int) ([]Check, error) {
	out := []Check{}
	err := s.view("checks", func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketChecks).Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			if len(out)%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var ch Check
			if err := decodeJSON(v, &ch); err != nil {
				s.skipBad(bucketChecks, k, err)
				continue
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, err
}

// LastSuccess returns when the newest successful check was made: the zero
// time when none was ever recorded. It reads one key, written in the same
// transaction as the check, so it survives restarts and retention.
func (s *Store) LastSuccess(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.view("last success", func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, _, _ = parseMetaTime(tx.Bucket(bucketMeta).Get([]byte(metaUserless(metaLastSuccess))))
		return nil
	})
	return t, err
}

// LastError returns when the newest failed check was made and its error;
// the zero time when none was ever recorded.
func (s *Store) LastError(ctx context.Context) (time.Time, string, error) {
	var t time.Time
	var msg string
	err := s.view("last error", func(tx *bolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		t, msg, _ = parseMetaTime(tx.Bucket(bucketMeta).Get([]byte(metaUserless(metaLastError))))
		return nil
	})
	return t, msg, err
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

// seedLastCheck sets last_success and last_error from the checks a store
// kept before they had their own keys (migration 2).
func seedLastCheck(tx *bolt.Tx) error {
	w := &writer{meta: tx.Bucket(bucketMeta)}
	var okDone, errDone bool
	c := tx.Bucket(bucketChecks).Cursor()
	for k, v := c.Last(); k != nil && !(okDone && errDone); k, v = c.Prev() {
		var ch Check
		if decodeJSON(v, &ch) != nil {
			continue
		}
		var err error
		switch {
		case ch.Outcome.OK() && !okDone:
			okDone, err = true, w.moveMeta(metaLastSuccess, ch.At, "")
		case !ch.Outcome.OK() && !errDone:
			errDone, err = true, w.moveMeta(metaLastError, ch.At, " "+ch.Error)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
