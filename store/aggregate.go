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
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// The aggregates the pages read, kept up to date by every write
// transaction that writes snapshots or agreement records (putAggregates,
// called by writer.finish), so a page costs what it shows rather than a
// decode of the whole history: ten years are 7,000 snapshot records and
// tens of thousands of agreement records, a third of a second to decode.
var (
	// bucketSeries: be64 snapshot id → seriesValue, for each accepted
	// snapshot (Series' points).
	bucketSeries = []byte("series")
	// bucketFormer indexes the agreements no longer listed (neither
	// active nor merged) by list and date of absence: formerKey → nil,
	// and formerIDKey → the agreement's formerKey, so the write that
	// lists an agreement again finds the key to drop.
	bucketFormer = []byte("former")
	// bucketSeriesStates: list 0x00 state → nil, for each state counted
	// in an accepted snapshot of the list (the overview's rows of every
	// state that ever had an agreement).
	bucketSeriesStates = []byte("series_states")
)

// seriesFill fills the series' pages: points are written in ascending
// snapshot id and rewritten in place (same length or nearly), so full
// pages split only where a rebuild or a late acceptance inserts.
const seriesFill = 1.0

// Key prefixes of bucketFormer.
const (
	formerByList byte = 'L'
	formerByID   byte = 'I'
	// formerMerged: list 0x00 id → the value formerKey's have, for each
	// duplicate row merged into another agreement (no longer listed under
	// its own id, yet an agreement a state's signings count).
	formerMerged byte = 'M'
)

// formerComplete is bucketFormer's key present once the merged rows are
// indexed too (buildAggregates writes it): a store whose index predates
// them is rebuilt by its next commit, and until then readers of the
// merged rows answer that they cannot say.
var formerComplete = []byte("Vmerged")

// indexKey is info's key in bucketFormer: formerKey, or for a merged
// duplicate row its key under formerMerged; nil for an agreement listed.
func indexKey(info *AgreementInfo) []byte {
	if k := formerKey(info); k != nil || info.Active {
		return k
	}
	k := make([]byte, 0, 2+len(info.List)+len(info.ID))
	k = append(k, formerMerged)
	k = append(k, info.List...)
	k = append(k, 0)
	return append(k, info.ID...)
}

// formerKey is info's key in bucketFormer: list 0x00 absence date 0x00 id
// after the prefix, so one list's agreements absent since a date are one
// range (and those without a date, written before the lifecycle, sort
// first). Nil when the agreement is not former.
func formerKey(info *AgreementInfo) []byte {
	if info.Active || info.Status == diff.StatusMerged {
		return nil // a merged duplicate row did not leave the program (duplicate.go)
	}
	k := make([]byte, 0, 3+len(info.List)+len(info.AbsentSince)+len(info.ID))
	k = append(k, formerByList)
	k = append(k, info.List...)
	k = append(k, 0)
	k = append(k, info.AbsentSince...)
	k = append(k, 0)
	return append(k, info.ID...)
}

func formerIDKey(id string) []byte { return append([]byte{formerByID}, id...) }

// formerListPrefix is the prefix of list's keys in bucketFormer.
func formerListPrefix(list sheet.List) []byte {
	return append(append([]byte{formerByList}, list...), 0)
}

// putAggregates brings the aggregates up to date with the snapshots and
// agreement records this transaction wrote (wroteSnaps, wroteInfos: every
// write of either goes through putSnapshot or putInfo).
func (w *writer) putAggregates() error {
	series, states, former := w.tx.Bucket(bucketSeries), w.tx.Bucket(bucketSeriesStates), w.tx.Bucket(bucketFormer)
	if series == nil || states == nil || former == nil {
		return errors.New("aggregates: buckets missing (store not migrated)")
	}
	series.FillPercent = seriesFill
	if former.Get(formerComplete) == nil {
		// Indexed before merged rows were (or emptied by a rebuild):
		// indexed again from every record, this transaction's included.
		var err error
		if former, err = emptyBucket(w.tx, bucketFormer); err != nil {
			return fmt.Errorf("former agreements: %w", err)
		}
		if err := fillFormer(w.tx, former); err != nil {
			return fmt.Errorf("former agreements: %w", err)
		}
	}
	recount := false
	for _, id := range slices.Sorted(maps.Keys(w.wroteSnaps)) {
		snap := w.wroteSnaps[id]
		var value []byte
		if snap.Status == Accepted {
			value = appendSeriesValue(nil, &snap)
		}
		// A point rewritten without a state it had (a rebuild recounts
		// the lists) may leave a state no list counts any more: then the
		// states are counted again from every point.
		if old := series.Get(be64(id)); old != nil && !recount {
			recount = !coversStates(value, old)
		}
		if err := putSeriesPoint(series, id, value); err != nil {
			return fmt.Errorf("series %d: %w", id, err)
		}
		if value != nil && !recount {
			if err := addStates(states, value); err != nil {
				return fmt.Errorf("series %d: %w", id, err)
			}
		}
	}
	if recount {
		if err := countStates(w.tx); err != nil {
			return fmt.Errorf("series states: %w", err)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(w.wroteInfos)) {
		info := w.wroteInfos[id]
		if err := putFormer(former, &info); err != nil {
			return fmt.Errorf("former agreement %s: %w", id, err)
		}
	}
	if err := accountChanges(w.tx); err != nil {
		return fmt.Errorf("state deltas: %w", err)
	}
	return w.putCurrentSums()
}

// putSeriesPoint keeps a point (value nil: the snapshot is not accepted,
// say quarantined by a rebuild, and has none).
func putSeriesPoint(b *bolt.Bucket, id uint64, value []byte) error {
	if value == nil {
		return b.Delete(be64(id))
	}
	return b.Put(be64(id), value)
}

// seriesStateKeys calls fn with the key in bucketSeriesStates of each
// state a point counts.
func seriesStateKeys(v []byte, fn func(k []byte)) error {
	list, v, err := rawString(v)
	if err != nil {
		return err
	}
	if _, v, err = rawString(v); err != nil { // published
		return err
	}
	_, k := binary.Uvarint(v)
	if k <= 0 {
		return errSeriesValue
	}
	if v, err = skipCounts(v[k:]); err != nil { // by model
		return err
	}
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return errSeriesValue
	}
	v = v[k:]
	key := append(append([]byte{}, list...), 0)
	for range n {
		var state []byte
		if state, v, err = rawString(v); err != nil {
			return err
		}
		if _, k = binary.Uvarint(v); k <= 0 {
			return errSeriesValue
		}
		v = v[k:]
		fn(append(key[:len(list)+1], state...))
	}
	return nil
}

// coversStates reports whether point value (nil: none) counts every state
// of point old, in the same list.
func coversStates(value, old []byte) bool {
	if value == nil {
		return false
	}
	have := map[string]bool{}
	if seriesStateKeys(value, func(k []byte) { have[string(k)] = true }) != nil {
		return false
	}
	covers := true
	if seriesStateKeys(old, func(k []byte) { covers = covers && have[string(k)] }) != nil {
		return false
	}
	return covers
}

// addStates records the states point value counts.
func addStates(b *bolt.Bucket, value []byte) error {
	var keys [][]byte
	if err := seriesStateKeys(value, func(k []byte) {
		if b.Get(k) == nil {
			keys = append(keys, bytes.Clone(k))
		}
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// emptyBucket returns the bucket name, emptied: deleted when there and
// made again (the aggregates are rebuilt whole, never patched).
func emptyBucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if tx.Bucket(name) != nil {
		if err := tx.DeleteBucket(name); err != nil {
			return nil, err
		}
	}
	return tx.CreateBucket(name)
}

// countStates refills bucketSeriesStates from every point.
func countStates(tx *bolt.Tx) error {
	states, err := emptyBucket(tx, bucketSeriesStates)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	_ = tx.Bucket(bucketSeries).ForEach(func(_, v []byte) error {
		_ = seriesStateKeys(v, func(k []byte) { keys[string(k)] = true }) // a value that does not read counts nothing
		return nil
	})
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if err := states.Put([]byte(k), nil); err != nil {
			return err
		}
	}
	return nil
}

func rawString(v []byte) ([]byte, []byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || uint64(len(v)-k) < n {
		return nil, nil, errSeriesValue
	}
	return v[k : k+int(n)], v[k+int(n):], nil
}

// skipCounts returns what follows a map of counts.
func skipCounts(v []byte) ([]byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) {
		return nil, errSeriesValue
	}
	v = v[k:]
	for range n {
		var err error
		if _, v, err = rawString(v); err != nil {
			return nil, err
		}
		if _, k = binary.Uvarint(v); k <= 0 {
			return nil, errSeriesValue
		}
		v = v[k:]
	}
	return v, nil
}

// putFormer moves info's key in bucketFormer to where its record now
// says (its value the summary the overview counts), or drops it when the
// agreement is listed (or merged) again.
func putFormer(b *bolt.Bucket, info *AgreementInfo) error {
	idKey := formerIDKey(info.ID)
	old := bytes.Clone(b.Get(idKey)) // bbolt's slice does not outlive a write
	key := indexKey(info)
	var value []byte
	if key != nil {
		value = appendFormerValue(nil, info)
		if bytes.Equal(old, key) && bytes.Equal(b.Get(key), value) {
			return nil
		}
	}
	if old != nil && !bytes.Equal(old, key) {
		if err := b.Delete(old); err != nil {
			return err
		}
	}
	if key == nil {
		if old == nil {
			return nil
		}
		return b.Delete(idKey)
	}
	if err := b.Put(key, value); err != nil {
		return err
	}
	return b.Put(idKey, key)
}

// appendFormerValue encodes what FormerSummaries returns beyond the key.
func appendFormerValue(b []byte, info *AgreementInfo) []byte {
	b = appendString(b, info.State)
	b = appendString(b, info.Signed)
	return appendString(b, string(info.Status))
}

// FormerSummary is an agreement no longer listed as the overview counts
// it: where, when signed, since when absent, and whether ended or still
// only missing.
type FormerSummary struct {
	ID          string      `json:"id"`
	List        sheet.List  `json:"list"`
	State       string      `json:"state"`
	Signed      string      `json:"signed"`
	Status      diff.Status `json:"status"`
	AbsentSince string      `json:"absent_since,omitempty"`
}

// FormerSummaries is FormerAgreements' agreements summarised, read from
// the index alone (no record is decoded), ordered by id.
func (s *Store) FormerSummaries(ctx context.Context, list sheet.List, since string) ([]FormerSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: former summaries: %w", err)
	}
	var out []FormerSummary
	err := s.view("former summaries", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFormer)
		if b == nil {
			return errors.New("index missing (store not migrated)")
		}
		d := newSeriesDecoder()
		return formerRange(b, list, since, func(k, v []byte) {
			f := FormerSummary{List: list}
			rest := k[len(formerListPrefix(list)):]
			i := bytes.IndexByte(rest, 0)
			if i < 0 {
				return
			}
			f.AbsentSince, f.ID = d.intern(rest[:i]), string(rest[i+1:])
			var status string
			var err error
			if f.State, v, err = d.str(v); err == nil {
				if f.Signed, v, err = d.str(v); err == nil {
					status, _, err = d.str(v)
				}
			}
			if err != nil {
				s.skipBad(bucketFormer, k, err)
				return
			}
			f.Status = diff.Status(status)
			out = append(out, f)
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b FormerSummary) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// formerRange calls fn with each key (and value) of list's former
// agreements absent since since ("" for all) or without a date.
func formerRange(b *bolt.Bucket, list sheet.List, since string, fn func(k, v []byte)) error {
	prefix := formerListPrefix(list)
	scan := func(from, within []byte) {
		c := b.Cursor()
		for k, v := c.Seek(from); k != nil && bytes.HasPrefix(k, within); k, v = c.Next() {
			fn(k, v)
		}
	}
	if since == "" {
		scan(prefix, prefix)
		return nil
	}
	undated := append(slices.Clone(prefix), 0)
	scan(undated, undated)
	scan(append(slices.Clone(prefix), since...), prefix)
	return nil
}

// buildAggregates is migration 4: the aggregates of the records already
// kept. A record that does not decode is left out (verify reports it), as
// the readers that decoded every record left it out.
func buildAggregates(tx *bolt.Tx) error {
	series, err := emptyBucket(tx, bucketSeries)
	if err != nil {
		return err
	}
	series.FillPercent = seriesFill
	former, err := emptyBucket(tx, bucketFormer)
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var snap Snapshot
		if decodeJSON(v, &snap) != nil || len(k) != 8 || snap.Status != Accepted {
			return nil
		}
		return series.Put(k, appendSeriesValue(nil, &snap))
	})
	if err != nil {
		return fmt.Errorf("series: %w", err)
	}
	if err := countStates(tx); err != nil {
		return fmt.Errorf("series states: %w", err)
	}
	if err := buildCurrentSums(tx); err != nil {
		return fmt.Errorf("current sums: %w", err)
	}
	if _, err := emptyBucket(tx, bucketStateDeltas); err != nil {
		return err
	}
	if err := accountChanges(tx); err != nil {
		return fmt.Errorf("state deltas: %w", err)
	}
	return fillFormer(tx, former)
}

// fillFormer indexes every agreement record in former (empty) and marks
// the index complete.
func fillFormer(tx *bolt.Tx, former *bolt.Bucket) error {
	err := tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
		var info AgreementInfo
		if decodeJSON(v, &info) != nil {
			return nil
		}
		return putFormer(former, &info)
	})
	if err != nil {
		return err
	}
	return former.Put(formerComplete, nil)
}

// appendSeriesValue encodes snap's point: the list, the published date,
// the count, then the counts by model and by state, each a uvarint count
// of (uvarint-length key, uvarint value) pairs in key order. A point
// decodes without JSON or inflating, and a point whose counts by state
// repeat the previous point's is recognised by its bytes (seriesDecoder).
func appendSeriesValue(b []byte, snap *Snapshot) []byte {
	b = appendString(b, string(snap.List))
	b = appendString(b, snap.Published)
	b = binary.AppendUvarint(b, uint64(max(snap.Agreements, 0)))
	b = appendCounts(b, snap.ByModel)
	return appendCounts(b, snap.ByState)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendCounts(b []byte, m map[string]int) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(max(m[k], 0)))
	}
	return b
}

var errSeriesValue = errors.New("malformed series value")

// seriesDecoder decodes the points of one read. Keys are interned, and a
// point whose counts are byte for byte its list's previous point's shares
// that point's map: ten years of points repeat most of their counts, and
// maps are what decoding them costs. The maps are never modified.
type seriesDecoder struct {
	// noStates leaves ByState out (SeriesByModel); state, when set, keeps
	// only that state's count (SeriesOfState), one map per count.
	noStates bool
	state    string
	ofState  map[int]map[string]int
	strs     map[string]string
	last     map[string]*lastCounts // by list
}

type lastCounts struct {
	model, state       []byte
	byModel, byState   map[string]int
	modelSet, stateSet bool
}

func newSeriesDecoder() *seriesDecoder {
	return &seriesDecoder{strs: map[string]string{}, last: map[string]*lastCounts{}, ofState: map[int]map[string]int{}}
}

func (d *seriesDecoder) intern(b []byte) string {
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	d.strs[s] = s
	return s
}

func (d *seriesDecoder) decode(id uint64, v []byte) (Series, error) {
	p := Series{SnapshotID: id}
	list, v, err := d.str(v)
	if err != nil {
		return p, err
	}
	p.List = sheet.List(list)
	if p.Published, v, err = d.str(v); err != nil {
		return p, err
	}
	n, k := binary.Uvarint(v)
	if k <= 0 {
		return p, errSeriesValue
	}
	p.Agreements, v = int(n), v[k:]
	last := d.last[list]
	if last == nil {
		last = &lastCounts{}
		d.last[list] = last
	}
	if p.ByModel, v, err = d.counts(v, &last.model, &last.byModel, &last.modelSet); err != nil {
		return p, err
	}
	switch {
	case d.noStates:
		if v, err = skipCounts(v); err != nil {
			return p, err
		}
	case d.state != "":
		if p.ByState, v, err = d.stateCount(v); err != nil {
			return p, err
		}
	default:
		if p.ByState, v, err = d.counts(v, &last.state, &last.byState, &last.stateSet); err != nil {
			return p, err
		}
	}
	if len(v) != 0 {
		return p, errSeriesValue
	}
	return p, nil
}

func (d *seriesDecoder) str(v []byte) (string, []byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || uint64(len(v)-k) < n {
		return "", nil, errSeriesValue
	}
	return d.intern(v[k : k+int(n)]), v[k+int(n):], nil
}

// counts decodes one map of counts, reusing *prev when the bytes are
// *prevRaw's: the bytes are measured before any map is made.
func (d *seriesDecoder) counts(v []byte, prevRaw *[]byte, prev *map[string]int, set *bool) (map[string]int, []byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) {
		return nil, nil, errSeriesValue
	}
	end := k
	for range n {
		l, k := binary.Uvarint(v[end:])
		if k <= 0 || uint64(len(v)-end-k) < l {
			return nil, nil, errSeriesValue
		}
		end += k + int(l)
		if _, k = binary.Uvarint(v[end:]); k <= 0 {
			return nil, nil, errSeriesValue
		}
		end += k
	}
	raw, rest := v[:end], v[end:]
	if *set && bytes.Equal(raw, *prevRaw) {
		return *prev, rest, nil
	}
	var m map[string]int
	if n > 0 {
		m = make(map[string]int, n)
	}
	for p := raw[k:]; len(p) > 0; {
		key, after, err := d.str(p)
		if err != nil {
			return nil, nil, err
		}
		c, k := binary.Uvarint(after)
		m[key], p = int(c), after[k:]
	}
	*prevRaw, *prev, *set = raw, m, true
	return m, rest, nil
}

// stateCount decodes the counts by state keeping d.state's alone (nil
// when the point counts none there, as a lookup in the full map gives 0).
func (d *seriesDecoder) stateCount(v []byte) (map[string]int, []byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)) {
		return nil, nil, errSeriesValue
	}
	v = v[k:]
	count := 0
	for range n {
		key, rest, err := rawString(v)
		if err != nil {
			return nil, nil, err
		}
		c, k := binary.Uvarint(rest)
		if k <= 0 {
			return nil, nil, errSeriesValue
		}
		if string(key) == d.state {
			count = int(c)
		}
		v = rest[k:]
	}
	if count == 0 {
		return nil, v, nil
	}
	m, ok := d.ofState[count]
	if !ok {
		m = map[string]int{d.state: count}
		d.ofState[count] = m
	}
	return m, v, nil
}

// readSeries decodes every point, oldest first, with the counts by state
// d asks for.
func (s *Store) readSeries(tx *bolt.Tx, noStates bool) ([]Series, error) {
	d := newSeriesDecoder()
	d.noStates = noStates
	return s.readSeriesWith(tx, d)
}

func (s *Store) readSeriesWith(tx *bolt.Tx, d *seriesDecoder) ([]Series, error) {
	b := tx.Bucket(bucketSeries)
	if b == nil {
		return nil, errors.New("series: bucket missing (store not migrated)")
	}
	// No size hint from b.Stats(): it walks every page of the bucket, a
	// second pass over pages spread across the file.
	out := []Series{}
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			s.skipBad(bucketSeries, k, errSeriesValue)
			return nil
		}
		p, err := d.decode(beUint(k), v)
		if err != nil {
			s.skipBad(bucketSeries, k, err)
			return nil
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// SeriesByModel is Series without the counts by state (each nil): what
// the overview's chart draws, a fraction of Series' cost. It is kept in
// memory for the data version, and a writing process patches it with its
// own commits.
func (s *Store) SeriesByModel(ctx context.Context) ([]Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: series by model: %w", err)
	}
	out := []Series{}
	err := s.view("series by model", func(tx *bolt.Tx) error {
		var err error
		out, err = s.memoSeries(tx)
		return err
	})
	return out, err
}

// SeriesOfState is Series with ByState holding code's count alone (nil
// where it is 0): one state's page reads its line without decoding every
// state's. The maps are shared between points and never modified.
func (s *Store) SeriesOfState(ctx context.Context, code string) ([]Series, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: series of %s: %w", code, err)
	}
	out := []Series{}
	err := s.view("series of "+code, func(tx *bolt.Tx) error {
		d := newSeriesDecoder()
		d.state = code
		var err error
		out, err = s.readSeriesWith(tx, d)
		return err
	})
	return out, err
}

// FormerAgreementsIn is FormerAgreements for agreements in states alone:
// the index says where each is, so only theirs are decoded.
func (s *Store) FormerAgreementsIn(ctx context.Context, list sheet.List, states []string, since string) ([]AgreementInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: former agreements in %v: %w", states, err)
	}
	var out []AgreementInfo
	err := s.view(fmt.Sprintf("former agreements in %v", states), func(tx *bolt.Tx) error {
		var err error
		out, err = s.readFormerWhere(ctx, tx, list, since, func(v []byte) bool {
			state, _, err := rawString(v)
			return err != nil || slices.Contains(states, string(state)) // a value that does not read: its record decides
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// StatesEver returns the states counted in any accepted snapshot of list,
// sorted.
func (s *Store) StatesEver(ctx context.Context, list sheet.List) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: states ever: %w", err)
	}
	out := []string{}
	err := s.view("states ever", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSeriesStates)
		if b == nil {
			return errors.New("bucket missing (store not migrated)")
		}
		prefix := append([]byte(list), 0)
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	return out, err
}

// readFormer returns the records of list's agreements no longer listed
// whose absence began on or after since ("" for all) or has no date,
// ordered by id, reading only that range of the index.
func (s *Store) readFormer(ctx context.Context, tx *bolt.Tx, list sheet.List, since string) ([]AgreementInfo, error) {
	return s.readFormerWhere(ctx, tx, list, since, nil)
}

// readFormerWhere is readFormer of the keys whose index value keep
// accepts (all when keep is nil).
func (s *Store) readFormerWhere(ctx context.Context, tx *bolt.Tx, list sheet.List, since string, keep func(v []byte) bool) ([]AgreementInfo, error) {
	b := tx.Bucket(bucketFormer)
	if b == nil {
		return nil, errors.New("former agreements: index missing (store not migrated)")
	}
	prefix := formerListPrefix(list)
	var ids []string
	_ = formerRange(b, list, since, func(k, v []byte) {
		if keep != nil && !keep(v) {
			return
		}
		if i := bytes.IndexByte(k[len(prefix):], 0); i >= 0 {
			ids = append(ids, string(k[len(prefix)+i+1:]))
		}
	})
	slices.SortFunc(ids, strings.Compare)
	ids = slices.Compact(ids)
	agrs := tx.Bucket(bucketAgreements)
	out := make([]AgreementInfo, 0, len(ids))
	for i, id := range ids {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		var info AgreementInfo
		ok, err := getJSON(agrs, []byte(id), &info)
		if err != nil {
			s.skipBad(bucketAgreements, []byte(id), err)
			continue
		}
		if ok {
			out = append(out, info)
		}
	}
	return out, nil
}

// compareSeries orders points as Series returns them: by snapshot id.
func compareSeries(a, b Series) int { return cmp.Compare(a.SnapshotID, b.SnapshotID) }
