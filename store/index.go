package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// Indexes and the data version (schema 3). Reads that return a few records
// must not decode every record the history holds: changes are indexed by
// the day they are filed under, agreements by their folded names, and the
// web cache is keyed by a counter that moves only when what readers see
// moves, not on every poll.

var (
	// bucketChangeDays: "YYYY-MM-DD" be64 change id → nil, the day being
	// changeTime's (the published date the change is filed under).
	bucketChangeDays = []byte("change_days")
	// bucketAgrNames: agreement id → folded agency "\x00" folded agency as
	// published, what FindAgreements matches, without decoding records.
	bucketAgrNames = []byte("agreement_names")
	// bucketChangeFacets: "k" kind or "s" state, 0x00, be64 change id → nil:
	// the kinds and states a diff.Filter selects on (a change's state is
	// its record's before and after, as Filter.Match reads them).
	bucketChangeFacets = []byte("change_facets")
)

// facetKeys are a change's keys in bucketChangeFacets.
func facetKeys(ch *diff.Change) [][]byte {
	key := func(kind byte, v string) []byte {
		k := append([]byte{kind}, v...)
		k = append(k, 0)
		return binary.BigEndian.AppendUint64(k, ch.ID)
	}
	keys := [][]byte{key('k', string(ch.Kind))}
	var states []string
	for _, r := range []*sheet.Record{ch.Before, ch.After} {
		if r != nil && !slices.Contains(states, r.State) {
			states = append(states, r.State)
			keys = append(keys, key('s', r.State))
		}
	}
	return keys
}

// facetIDs returns the ids of the changes of any of values (of facet
// kind), below cursor (0: no bound).
func facetIDs(tx *bolt.Tx, kind byte, values []string, cursor uint64) []uint64 {
	c := tx.Bucket(bucketChangeFacets).Cursor()
	seen := map[uint64]bool{}
	var ids []uint64
	for _, v := range values {
		prefix := append(append([]byte{kind}, v...), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			id := binary.BigEndian.Uint64(k[len(prefix):])
			if (cursor == 0 || id < cursor) && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	slices.SortFunc(ids, func(a, b uint64) int { return cmp.Compare(b, a) })
	return ids
}

// candidates returns, newest first, the ids of the changes q may select,
// read from the narrowest index that applies; ok is false when none does
// (no bound on days, kinds or states) or the store predates the index.
// Every candidate is still matched against q.
func candidates(tx *bolt.Tx, q *ChangeQuery) (ids []uint64, ok bool) {
	if !q.Since.IsZero() || !q.Until.IsZero() {
		if tx.Bucket(bucketChangeDays) == nil {
			return nil, false
		}
		return changeIDsByDay(tx, q.Since, q.Until, q.Cursor), true
	}
	if tx.Bucket(bucketChangeFacets) == nil || len(q.Filter.Kinds)+len(q.Filter.States) == 0 {
		return nil, false
	}
	var best []uint64
	found := false
	if len(q.Filter.Kinds) > 0 {
		kinds := make([]string, len(q.Filter.Kinds))
		for i, k := range q.Filter.Kinds {
			kinds[i] = string(k)
		}
		best, found = facetIDs(tx, 'k', kinds, q.Cursor), true
	}
	if len(q.Filter.States) > 0 {
		if ids := facetIDs(tx, 's', q.Filter.States, q.Cursor); !found || len(ids) < len(best) {
			best = ids
		}
	}
	return best, true
}

// metaDataVersion counts the write transactions that changed what readers
// see: snapshots (a new one, or a repeat's last_seen), agreements, changes.
// Checks, validators, deliveries and operator state do not move it.
const metaDataVersion = "data_version"

// changeDayKey is a change's key in bucketChangeDays.
func changeDayKey(ch *diff.Change) []byte {
	k := []byte(changeTime(ch).UTC().Format(time.DateOnly))
	return binary.BigEndian.AppendUint64(k, ch.ID)
}

// nameValue is what bucketAgrNames holds for an agreement: the folded
// agency, and the folded agency as published after a 0x00 when it differs
// (it seldom does once folded; the index stays small).
func nameValue(info *AgreementInfo) []byte {
	norm, raw := foldText(info.Agency), foldText(info.AgencyRaw)
	if raw == norm || raw == "" {
		return []byte(norm)
	}
	return []byte(norm + "\x00" + raw)
}

// bumpData moves the data version on by one.
func bumpData(meta *bolt.Bucket) error {
	n := dataVersion(meta) + 1
	return meta.Put([]byte(metaDataVersion), []byte(strconv.FormatUint(n, 10)))
}

func dataVersion(meta *bolt.Bucket) uint64 {
	n, _ := strconv.ParseUint(string(meta.Get([]byte(metaDataVersion))), 10, 64)
	return n
}

// DataVersion returns a counter that changes when, and only when, a write
// changed what the store's readers return: a new or re-seen snapshot, an
// acceptance, agreements, changes. A poll that brought nothing new (a
// check and validators written) leaves it, so a response cache keyed by it
// survives the schedule's polls. It costs one read transaction and one
// small meta read.
func (s *Store) DataVersion(ctx context.Context) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: data version: %w", err)
	}
	var n uint64
	err := s.view("data version", func(tx *bolt.Tx) error {
		n = dataVersion(tx.Bucket(bucketMeta))
		return nil
	})
	return n, err
}

// buildIndexes (migration 3) indexes the changes and agreements an older
// store holds, and starts the data version.
func buildIndexes(tx *bolt.Tx) error {
	days, err := tx.CreateBucketIfNotExists(bucketChangeDays)
	if err != nil {
		return err
	}
	facets, err := tx.CreateBucketIfNotExists(bucketChangeFacets)
	if err != nil {
		return err
	}
	names, err := tx.CreateBucketIfNotExists(bucketAgrNames)
	if err != nil {
		return err
	}
	var dayKeys, facetKeyList [][]byte
	err = tx.Bucket(bucketChanges).ForEach(func(k, v []byte) error {
		var ch diff.Change
		if decodeJSON(v, &ch) != nil || len(k) != 8 {
			return nil // verify reports it; an index cannot hold what does not read
		}
		ch.ID = beUint(k)
		dayKeys = append(dayKeys, changeDayKey(&ch))
		facetKeyList = append(facetKeyList, facetKeys(&ch)...)
		return nil
	})
	if err != nil {
		return err
	}
	days.FillPercent, facets.FillPercent = indexFill, indexFill
	slices.SortFunc(dayKeys, bytes.Compare)
	for _, k := range dayKeys {
		if err := days.Put(k, nil); err != nil {
			return err
		}
	}
	slices.SortFunc(facetKeyList, bytes.Compare)
	for _, k := range facetKeyList {
		if err := facets.Put(k, nil); err != nil {
			return err
		}
	}
	err = tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
		var info AgreementInfo
		if decodeJSON(v, &info) != nil {
			return nil
		}
		names.FillPercent = indexFill
		return names.Put(bytes.Clone(k), nameValue(&info))
	})
	if err != nil {
		return err
	}
	return bumpData(tx.Bucket(bucketMeta))
}

// changeIDsByDay returns the ids of the changes filed on days since..until
// (inclusive; zero: no bound) below cursor (0: no bound), newest first.
func changeIDsByDay(tx *bolt.Tx, since, until time.Time, cursor uint64) []uint64 {
	c := tx.Bucket(bucketChangeDays).Cursor()
	var ids []uint64
	var k []byte
	if since.IsZero() {
		k, _ = c.First()
	} else {
		k, _ = c.Seek([]byte(day(since).Format(time.DateOnly)))
	}
	end := ""
	if !until.IsZero() {
		end = day(until).Format(time.DateOnly)
	}
	for ; k != nil; k, _ = c.Next() {
		if len(k) != len(time.DateOnly)+8 {
			continue
		}
		if end != "" && string(k[:len(time.DateOnly)]) > end {
			break
		}
		id := binary.BigEndian.Uint64(k[len(time.DateOnly):])
		if cursor == 0 || id < cursor {
			ids = append(ids, id)
		}
	}
	// Newest first, as Changes returns them.
	slices.SortFunc(ids, func(a, b uint64) int { return cmp.Compare(b, a) })
	return ids
}

// findAgreementIDs returns, in key order, the ids whose folded agency
// (normalized or as published) contains q, or which equal id, read from
// the name index alone.
func findAgreementIDs(tx *bolt.Tx, q, id string) [][]byte {
	var out [][]byte
	qb := []byte(q)
	_ = tx.Bucket(bucketAgrNames).ForEach(func(k, v []byte) error {
		norm, raw, _ := bytes.Cut(v, []byte{0})
		if string(k) == id || bytes.Contains(norm, qb) || bytes.Contains(raw, qb) {
			out = append(out, bytes.Clone(k))
		}
		return nil
	})
	return out
}

func hasIndexes(tx *bolt.Tx) bool {
	return tx.Bucket(bucketChangeDays) != nil && tx.Bucket(bucketAgrNames) != nil && tx.Bucket(bucketChangeFacets) != nil
}

// indexChange files a change written outside admit (a document change) in
// the day and facet indexes, and moves the data version: readers' answers
// changed.
func (w *writer) indexChange(ch *diff.Change) error {
	if w.days != nil {
		w.days.FillPercent = indexFill
		if err := w.days.Put(changeDayKey(ch), nil); err != nil {
			return err
		}
	}
	if w.facets != nil {
		w.facets.FillPercent = indexFill
		for _, k := range facetKeys(ch) {
			if err := w.facets.Put(k, nil); err != nil {
				return err
			}
		}
	}
	if w.meta != nil {
		return bumpData(w.meta)
	}
	return nil
}

// indexFill is the fill of the index buckets: a commit writes its keys
// sorted, and days and ids only grow, so bbolt's default of half-empty
// pages would double the indexes' size on disk.
const indexFill = 0.9

// putIndexKeys writes a commit's day and facet index keys, in key order.
func (w *writer) putIndexKeys(days, facets [][]byte) error {
	for _, set := range []struct {
		b    *bolt.Bucket
		keys [][]byte
	}{{w.days, days}, {w.facets, facets}} {
		if set.b == nil {
			continue // a store indexed before this index was: Changes scans instead
		}
		set.b.FillPercent = indexFill
		slices.SortFunc(set.keys, bytes.Compare)
		for _, k := range set.keys {
			if err := set.b.Put(k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
