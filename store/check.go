package store

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

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
