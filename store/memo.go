package store

import (
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// memo keeps, for one data version, what the pages read on every render
// and cost more than a lookup: the series of accepted snapshots without
// their counts by state (SeriesByModel: a few hundred kilobytes for ten
// years) and FindAgreements("")'s answer. It holds no snapshot record: the pages read
// the aggregates (aggregate.go), which cost what they show. A process that
// writes (`serve`) patches the series with what each of its commits
// wrote, so the first render after a new list costs the new points;
// another process's view of the file reads it once per data version.
// Values handed out are copies of the slices; their maps and slices are
// shared and never modified.
type memo struct {
	mu            sync.Mutex
	seriesVersion uint64
	series        []Series // SeriesByModel's, oldest first; nil until read
	// all is FindAgreements("")'s answer at data version allVersion.
	allVersion uint64
	all        []AgreementInfo
}

// forgetMemo drops what the memo holds (a rebuild rewrote the history).
func (s *Store) forgetMemo() {
	s.memo.mu.Lock()
	s.memo.seriesVersion, s.memo.series, s.memo.allVersion, s.memo.all = 0, nil, 0, nil
	s.memo.mu.Unlock()
}

// memoAll returns a copy of FindAgreements("")'s answer at version.
func (s *Store) memoAll(version uint64) ([]AgreementInfo, bool) {
	s.memo.mu.Lock()
	defer s.memo.mu.Unlock()
	if version == 0 || s.memo.allVersion != version || s.memo.all == nil {
		return nil, false
	}
	return slices.Clone(s.memo.all), true
}

// setMemoAll keeps FindAgreements("")'s answer at version.
func (s *Store) setMemoAll(version uint64, all []AgreementInfo) {
	s.memo.mu.Lock()
	defer s.memo.mu.Unlock()
	if version != 0 && version >= s.memo.allVersion {
		s.memo.allVersion, s.memo.all = version, slices.Clone(all)
	}
}

// remember applies a committed transaction's writes to the read caches.
func (s *Store) remember(w *writer) {
	if w.endVersion == w.startVersion {
		return // nothing readers see changed
	}
	s.memo.mu.Lock()
	if s.memo.seriesVersion == w.startVersion && s.memo.series != nil {
		s.memo.series = patchSeries(s.memo.series, w.wroteSnaps)
		s.memo.seriesVersion = w.endVersion
	} else {
		s.memo.seriesVersion, s.memo.series = 0, nil
	}
	s.memo.mu.Unlock()

	// The lists' current agreements as the transaction left them.
	lists := map[string]*cachedCurrent{}
	for l, c := range w.currents {
		lists[string(l)] = &cachedCurrent{cur: c, byID: indexCurrent(c)}
	}
	s.read.mu.Lock()
	if s.read.version <= w.endVersion {
		s.read.version = w.endVersion
		s.read.lists = map[sheet.List]*cachedCurrent{}
		for l, c := range lists {
			s.read.lists[sheet.List(l)] = c
		}
	}
	s.read.mu.Unlock()
}

// patchSeries applies the snapshots a transaction wrote to series (the
// same points putAggregates wrote).
func patchSeries(series []Series, wrote map[uint64]Snapshot) []Series {
	for id, snap := range wrote {
		i, found := slices.BinarySearchFunc(series, Series{SnapshotID: id}, compareSeries)
		switch {
		case snap.Status != Accepted && found:
			series = slices.Delete(series, i, i+1)
		case snap.Status != Accepted:
		case found:
			series[i] = seriesOf(&snap)
		default:
			series = slices.Insert(series, i, seriesOf(&snap))
		}
	}
	return series
}

// seriesOf is an accepted snapshot's point as SeriesByModel reads it.
func seriesOf(snap *Snapshot) Series {
	d := newSeriesDecoder()
	d.noStates = true
	p, _ := d.decode(snap.ID, appendSeriesValue(nil, snap)) // it decodes what it encodes
	return p
}

// memoSeries returns SeriesByModel's series at tx's data version, from the memo when
// it holds that version, else read (and memoised).
func (s *Store) memoSeries(tx *bolt.Tx) ([]Series, error) {
	version := dataVersion(tx.Bucket(bucketMeta))
	s.memo.mu.Lock()
	if version != 0 && s.memo.seriesVersion == version && s.memo.series != nil {
		out := slices.Clone(s.memo.series)
		s.memo.mu.Unlock()
		return out, nil
	}
	s.memo.mu.Unlock()
	out, err := s.readSeries(tx, true)
	if err != nil {
		return nil, err
	}
	if version != 0 {
		s.memo.mu.Lock()
		if s.memo.seriesVersion <= version {
			s.memo.seriesVersion, s.memo.series = version, slices.Clone(out)
		}
		s.memo.mu.Unlock()
	}
	return out, nil
}

// allSnapshots decodes every snapshot record, oldest first. Nothing keeps
// them: the pages read the series and the paged snapshots instead.
func (s *Store) allSnapshots(tx *bolt.Tx) []Snapshot {
	c := tx.Bucket(bucketSnapshots).Cursor()
	k, v := c.First()
	out, _ := s.walkSnapshots(k, v, c.Next, 0)
	return out
}

// allInfos decodes every agreement record as stored (before overlay).
func (s *Store) allInfos(tx *bolt.Tx) []AgreementInfo {
	out := []AgreementInfo{}
	_ = tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
		var info AgreementInfo
		if err := decodeJSON(v, &info); err != nil {
			s.skipBad(bucketAgreements, k, err)
			return nil
		}
		out = append(out, info)
		return nil
	})
	return out
}
