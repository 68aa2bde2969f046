package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// bucketCurrentSums: list → currentSumValue, what the overview counts of
// each list's current agreements (bucketCurrent's), written in the same
// transaction as them. A thousand current agreements are a third of a
// megabyte of JSON to decode; their counts are a few kilobytes.
var bucketCurrentSums = []byte("current_sums")

// CurrentSummary is what the overview counts of a list's current
// agreements: the snapshot they are from, how many, how many in each
// state by model, and how many in each state were signed on each date
// (the SIGNED column as published).
type CurrentSummary struct {
	SnapshotID uint64
	Published  string
	Agreements int
	// ByStateModel: state → model → count.
	ByStateModel map[string]map[string]int
	// Signed: state → signed date → count.
	Signed map[string]map[string]int
}

type sumKey struct{ a, b string }

// appendCurrentSum encodes c's summary: snapshot id, published date,
// count, then (state, model, count) and (state, signed, count) triples in
// key order, each run a uvarint length first.
func appendCurrentSum(b []byte, c *current) []byte {
	models, signed := map[sumKey]int{}, map[sumKey]int{}
	for i := range c.Agreements {
		a := &c.Agreements[i]
		models[sumKey{a.State, a.Model}]++
		signed[sumKey{a.State, a.Signed}]++
	}
	b = binary.AppendUvarint(b, c.SnapshotID)
	b = appendString(b, c.Published)
	b = binary.AppendUvarint(b, uint64(len(c.Agreements)))
	for _, m := range []map[sumKey]int{models, signed} {
		b = binary.AppendUvarint(b, uint64(len(m)))
		for _, k := range slices.SortedFunc(maps.Keys(m), func(x, y sumKey) int {
			return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b))
		}) {
			b = appendString(b, k.a)
			b = appendString(b, k.b)
			b = binary.AppendUvarint(b, uint64(m[k]))
		}
	}
	return b
}

func decodeCurrentSum(v []byte) (CurrentSummary, error) {
	var c CurrentSummary
	id, k := binary.Uvarint(v)
	if k <= 0 {
		return c, errSeriesValue
	}
	c.SnapshotID = id
	pub, v, err := rawString(v[k:])
	if err != nil {
		return c, err
	}
	c.Published = string(pub)
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return c, errSeriesValue
	}
	c.Agreements, v = int(n), v[k:]
	strs := map[string]string{}
	intern := func(b []byte) string {
		if s, ok := strs[string(b)]; ok {
			return s
		}
		s := string(b)
		strs[s] = s
		return s
	}
	for _, m := range []*map[string]map[string]int{&c.ByStateModel, &c.Signed} {
		n, k := binary.Uvarint(v)
		if k <= 0 || n > uint64(len(v)) {
			return c, errSeriesValue
		}
		v = v[k:]
		*m = map[string]map[string]int{}
		for range n {
			var a, b []byte
			if a, v, err = rawString(v); err != nil {
				return c, err
			}
			if b, v, err = rawString(v); err != nil {
				return c, err
			}
			cnt, k := binary.Uvarint(v)
			if k <= 0 {
				return c, errSeriesValue
			}
			v = v[k:]
			inner := (*m)[intern(a)]
			if inner == nil {
				inner = map[string]int{}
				(*m)[intern(a)] = inner
			}
			inner[intern(b)] = int(cnt)
		}
	}
	if len(v) != 0 {
		return c, errSeriesValue
	}
	return c, nil
}

// putCurrentSums writes the summary of each list whose current agreements
// this transaction replaced; a bucket missing (a store migrated before it
// was kept) is made and filled from every list's current agreements.
func (w *writer) putCurrentSums() error {
	b := w.tx.Bucket(bucketCurrentSums)
	if b == nil {
		if err := buildCurrentSums(w.tx); err != nil {
			return fmt.Errorf("current sums: %w", err)
		}
		b = w.tx.Bucket(bucketCurrentSums)
	}
	for _, list := range slices.Sorted(maps.Keys(w.dirtyCur)) {
		c := w.currents[list]
		if !w.dirtyCur[list] || c == nil {
			continue
		}
		if err := b.Put([]byte(list), appendCurrentSum(nil, c)); err != nil {
			return fmt.Errorf("current sums %s: %w", list, err)
		}
	}
	return nil
}

// buildCurrentSums (re)makes bucketCurrentSums from bucketCurrent. A list
// that does not decode is left out (verify reports it).
func buildCurrentSums(tx *bolt.Tx) error {
	b, err := emptyBucket(tx, bucketCurrentSums)
	if err != nil {
		return err
	}
	cb := tx.Bucket(bucketCurrent)
	if cb == nil {
		return nil
	}
	return cb.ForEach(func(k, v []byte) error {
		var c current
		if decodeCurrent(v, &c) != nil {
			return nil
		}
		return b.Put(bytes.Clone(k), appendCurrentSum(nil, &c))
	})
}

// CurrentSummary returns the counts of list's current agreements, read
// without decoding them. ok is false when the store does not keep them
// (a store migrated before they were kept, until its next commit): then
// the caller counts Agreements' answer. ErrNotFound before the list's
// baseline.
func (s *Store) CurrentSummary(ctx context.Context, list sheet.List) (sum CurrentSummary, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return sum, false, fmt.Errorf("store: current summary %s: %w", list, err)
	}
	err = s.view("current summary "+string(list), func(tx *bolt.Tx) error {
		var e error
		sum, ok, e = readCurrentSum(tx, list)
		return e
	})
	return sum, ok, err
}

func readCurrentSum(tx *bolt.Tx, list sheet.List) (CurrentSummary, bool, error) {
	b := tx.Bucket(bucketCurrentSums)
	if b == nil {
		return CurrentSummary{}, false, nil
	}
	v := b.Get([]byte(list))
	if v == nil {
		return CurrentSummary{}, true, fmt.Errorf("no accepted %s snapshot: %w", list, ErrNotFound)
	}
	sum, err := decodeCurrentSum(v)
	if err != nil {
		return sum, false, nil // the list itself answers
	}
	return sum, true, nil
}

// SummarizeCurrent is CurrentSummary computed from a list's agreements:
// what the store keeps, for a store that does not (and for tests).
func SummarizeCurrent(snap Snapshot, agreements []diff.Agreement) CurrentSummary {
	v := appendCurrentSum(nil, &current{SnapshotID: snap.ID, Published: snap.Published, Agreements: agreements})
	sum, _ := decodeCurrentSum(v) // its own encoding
	return sum
}

// SignedInState counts, by signed date, list's agreements in state: those
// listed now, those no longer listed and the duplicate rows merged into
// others (every agreement record of the list and state, as FindAgreements
// returns them). It reads the current summary and the state's entries of
// the former index; ok is false when the store does not keep them (then
// the caller counts FindAgreements' answer).
func (s *Store) SignedInState(ctx context.Context, list sheet.List, state string) (signed map[string]int, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("store: signed in %s: %w", state, err)
	}
	err = s.view("signed in "+state, func(tx *bolt.Tx) error {
		sum, kept, err := readCurrentSum(tx, list)
		former := tx.Bucket(bucketFormer)
		if !kept || former == nil || former.Get(formerComplete) == nil {
			return nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		signed, ok = maps.Clone(sum.Signed[state]), true
		if signed == nil {
			signed = map[string]int{}
		}
		count := func(v []byte) {
			st, v, err := rawString(v)
			if err != nil || string(st) != state {
				return
			}
			if date, _, err := rawString(v); err == nil {
				signed[string(date)]++
			}
		}
		_ = formerRange(former, list, "", func(_, v []byte) { count(v) })
		prefix := append([]byte{formerMerged}, list...)
		prefix = append(prefix, 0)
		c := former.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			count(v)
		}
		return nil
	})
	if err != nil || !ok {
		return nil, false, err
	}
	return signed, true, nil
}
