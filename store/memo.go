package store

import (
	"cmp"
	"maps"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// memo keeps the whole-history reads (every snapshot, every agreement
// record) decoded for one data version, so the pages that summarise the
// history (the overview's charts, /snapshots) do not decode thousands of
// records per render. A process that writes (`serve`) patches it with what
// each of its commits wrote, so the first render after a new list costs
// the new records, not the history; another process's view of the file
// loads it once per data version. Values handed out are copies of the
// slices; the records' own maps and slices are shared and never modified.
type memo struct {
	mu      sync.Mutex
	version uint64
	snaps   []Snapshot // oldest first; nil until loaded
	infos   map[string]AgreementInfo
	// all is FindAgreements("")'s answer at data version allVersion.
	allVersion uint64
	all        []AgreementInfo
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
	if s.memo.version == w.startVersion {
		if s.memo.snaps != nil {
			for _, id := range slices.Sorted(maps.Keys(w.wroteSnaps)) {
				snap := w.wroteSnaps[id]
				i, found := slices.BinarySearchFunc(s.memo.snaps, id, func(x Snapshot, id uint64) int { return cmp.Compare(x.ID, id) })
				if found {
					s.memo.snaps[i] = snap
				} else {
					s.memo.snaps = slices.Insert(s.memo.snaps, i, snap)
				}
			}
		}
		if s.memo.infos != nil {
			for id, info := range w.wroteInfos {
				s.memo.infos[id] = info
			}
		}
	} else {
		s.memo.snaps, s.memo.infos = nil, nil
	}
	s.memo.version = w.endVersion
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

// memoSnapshots returns every snapshot, oldest first, from the memo when it
// holds tx's data version, else decoded (and memoised).
func (s *Store) memoSnapshots(tx *bolt.Tx) []Snapshot {
	version := dataVersion(tx.Bucket(bucketMeta))
	s.memo.mu.Lock()
	if version != 0 && s.memo.version == version && s.memo.snaps != nil {
		out := slices.Clone(s.memo.snaps)
		s.memo.mu.Unlock()
		return out
	}
	s.memo.mu.Unlock()
	out := []Snapshot{}
	_ = tx.Bucket(bucketSnapshots).ForEach(func(k, v []byte) error {
		var snap Snapshot
		if err := decodeJSON(v, &snap); err != nil {
			s.skipBad(bucketSnapshots, k, err)
			return nil
		}
		out = append(out, snap)
		return nil
	})
	if version != 0 {
		s.memo.mu.Lock()
		if s.memo.version < version {
			s.memo.version, s.memo.infos = version, nil
		}
		if s.memo.version == version {
			s.memo.snaps = slices.Clone(out)
		}
		s.memo.mu.Unlock()
	}
	return out
}

// memoInfos returns every agreement record as stored (before overlay),
// from the memo when it holds tx's data version, else decoded (and
// memoised).
func (s *Store) memoInfos(tx *bolt.Tx) []AgreementInfo {
	version := dataVersion(tx.Bucket(bucketMeta))
	s.memo.mu.Lock()
	if version != 0 && s.memo.version == version && s.memo.infos != nil {
		out := slices.Collect(maps.Values(s.memo.infos))
		s.memo.mu.Unlock()
		return out
	}
	s.memo.mu.Unlock()
	all := map[string]AgreementInfo{}
	_ = tx.Bucket(bucketAgreements).ForEach(func(k, v []byte) error {
		var info AgreementInfo
		if err := decodeJSON(v, &info); err != nil {
			s.skipBad(bucketAgreements, k, err)
			return nil
		}
		all[info.ID] = info
		return nil
	})
	if version != 0 {
		s.memo.mu.Lock()
		if s.memo.version < version {
			s.memo.version, s.memo.snaps = version, nil
		}
		if s.memo.version == version {
			s.memo.infos = all
		}
		s.memo.mu.Unlock()
	}
	return slices.Collect(maps.Values(all))
}
