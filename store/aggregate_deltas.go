package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// bucketStateDeltas keeps, for each state, what each participating
// snapshot's changes did to its agreements by model: 'D' state 0x00 be64
// snapshot id → the models' net changes (a state's page rebuilds its
// split by model from its first list and these, instead of decoding
// every change in the state), and 'W' → the id of the last change
// accounted for. Changes are numbered as written, so each commit accounts
// for the changes above the mark; a rebuild, which renumbers them,
// empties the bucket with the changes (derivedBuckets) and the next
// commit accounts for them all again.
var bucketStateDeltas = []byte("state_deltas")

var stateDeltaMark = []byte("W")

func stateDeltaKey(state string, snapshot uint64) []byte {
	k := make([]byte, 0, 10+len(state))
	k = append(k, 'D')
	k = append(k, state...)
	k = append(k, 0)
	return append(k, be64(snapshot)...)
}

// changeDeltas adds what ch did to the participating list's counts by
// state and model to d (state → snapshot → model → net change), as a
// state's page applies it: a removal or a change takes the agreement
// away from its state and model before, an addition, a return or a
// change puts it in its state and model after; an ending changes no list.
func changeDeltas(d map[string]map[uint64]map[string]int, ch *diff.Change) {
	if ch.List != sheet.Participating {
		return
	}
	add := func(r *sheet.Record, n int) {
		if r == nil {
			return
		}
		bySnap := d[r.State]
		if bySnap == nil {
			bySnap = map[uint64]map[string]int{}
			d[r.State] = bySnap
		}
		m := bySnap[ch.AfterSnapshot]
		if m == nil {
			m = map[string]int{}
			bySnap[ch.AfterSnapshot] = m
		}
		m[r.Model] += n
	}
	if ch.Kind == diff.Removed || ch.Kind == diff.Changed {
		add(ch.Before, -1)
	}
	if ch.Kind == diff.Added || ch.Kind == diff.Restored || ch.Kind == diff.Changed {
		add(ch.After, +1)
	}
}

// accountChanges adds the changes written since the mark to the deltas
// (all of them when the bucket is new or emptied).
func accountChanges(tx *bolt.Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketStateDeltas)
	if err != nil {
		return err
	}
	changes := tx.Bucket(bucketChanges)
	if changes == nil {
		return nil
	}
	var from uint64 = 1
	if v := b.Get(stateDeltaMark); len(v) == 8 {
		from = beUint(v) + 1
	}
	d := map[string]map[uint64]map[string]int{}
	c := changes.Cursor()
	var last []byte
	for k, v := c.Seek(be64(from)); k != nil; k, v = c.Next() {
		last = k
		var ch diff.Change
		if decodeJSON(v, &ch) != nil {
			continue // verify reports it; a page reading changes skips it too
		}
		changeDeltas(d, &ch)
	}
	if last == nil {
		return nil
	}
	for _, state := range slices.Sorted(maps.Keys(d)) {
		for _, snap := range slices.Sorted(maps.Keys(d[state])) {
			key := stateDeltaKey(state, snap)
			m := d[state][snap]
			if old := b.Get(key); old != nil {
				prev, err := decodeDeltas(old)
				if err != nil {
					return fmt.Errorf("state deltas %s@%d: %w", state, snap, err)
				}
				for model, n := range prev {
					m[model] += n
				}
			}
			maps.DeleteFunc(m, func(_ string, n int) bool { return n == 0 })
			var err error
			if len(m) == 0 {
				err = b.Delete(key)
			} else {
				err = b.Put(key, appendDeltas(nil, m))
			}
			if err != nil {
				return fmt.Errorf("state deltas %s@%d: %w", state, snap, err)
			}
		}
	}
	return b.Put(stateDeltaMark, bytes.Clone(last))
}

func appendDeltas(b []byte, m map[string]int) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, model := range slices.Sorted(maps.Keys(m)) {
		b = appendString(b, model)
		b = binary.AppendVarint(b, int64(m[model]))
	}
	return b
}

func decodeDeltas(v []byte) (map[string]int, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) {
		return nil, errSeriesValue
	}
	v = v[k:]
	m := make(map[string]int, n)
	for range n {
		model, rest, err := rawString(v)
		if err != nil {
			return nil, err
		}
		d, k := binary.Varint(rest)
		if k <= 0 {
			return nil, errSeriesValue
		}
		m[string(model)], v = int(d), rest[k:]
	}
	if len(v) != 0 {
		return nil, errSeriesValue
	}
	return m, nil
}

// StateModelDeltas returns, by snapshot id, what each participating
// snapshot's changes did to state's agreements by model (net; a model
// whose count did not move is absent): the changes a state's page applies
// to its first list, without decoding them. ok is false when the store
// does not keep them (then the caller reads the changes).
func (s *Store) StateModelDeltas(ctx context.Context, state string) (deltas map[uint64]map[string]int, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("store: model deltas of %s: %w", state, err)
	}
	err = s.view("model deltas of "+state, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStateDeltas)
		if b == nil {
			return nil
		}
		if b.Get(stateDeltaMark) == nil { // kept only once a commit accounted for the changes
			if k, _ := tx.Bucket(bucketChanges).Cursor().First(); k != nil {
				return nil
			}
		}
		ok, deltas = true, map[uint64]map[string]int{}
		prefix := append(append([]byte{'D'}, state...), 0)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			m, err := decodeDeltas(v)
			if err != nil || len(k) != len(prefix)+8 {
				s.skipBad(bucketStateDeltas, k, errSeriesValue)
				continue
			}
			deltas[beUint(k[len(prefix):])] = m
		}
		return nil
	})
	if err != nil || !ok {
		return nil, false, err
	}
	return deltas, true, nil
}
