package store

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

func loadSnapshot(tx *bolt.Tx, id uint64) (Snapshot, error) {
	var snap Snapshot
	ok, err := getJSON(tx.Bucket(bucketSnapshots), be64(id), &snap)
	if err != nil {
		return snap, err
	}
	if !ok {
		return snap, fmt.Errorf("snapshot %d: %w", id, ErrNotFound)
	}
	return snap, nil
}

func readCurrent(tx *bolt.Tx, list sheet.List) (*current, error) {
	var c current
	ok, err := getCurrent(tx.Bucket(bucketCurrent), list, &c)
	if err != nil || !ok {
		return nil, err
	}
	return &c, nil
}

// readCache holds the lists' current agreements decoded once per data
// version: a list is the largest record readers decode (a thousand
// agreements take tens of milliseconds), and the overview, an agreement's
// page and every history lookup need it. Every write that replaces a
// list's current agreements moves the data version in the same
// transaction, so a value read at the version a transaction sees is that
// transaction's value. Cached values are shared: never modified.
type readCache struct {
	mu      sync.Mutex
	version uint64
	lists   map[sheet.List]*cachedCurrent
}

type cachedCurrent struct {
	cur  *current // nil: the list has no accepted snapshot yet
	byID map[string]*diff.Agreement
}

// current returns list's current agreements as tx sees them, and an index
// of them by id; both are shared and must not be modified.
func (s *Store) current(tx *bolt.Tx, list sheet.List) (*current, map[string]*diff.Agreement, error) {
	meta := tx.Bucket(bucketMeta)
	version := dataVersion(meta)
	if version == 0 {
		c, err := readCurrent(tx, list)
		return c, indexCurrent(c), err
	}
	s.read.mu.Lock()
	if s.read.version == version {
		if c, ok := s.read.lists[list]; ok {
			s.read.mu.Unlock()
			return c.cur, c.byID, nil
		}
	}
	s.read.mu.Unlock()
	c, err := readCurrent(tx, list)
	if err != nil {
		return nil, nil, err
	}
	cc := &cachedCurrent{cur: c, byID: indexCurrent(c)}
	s.read.mu.Lock()
	if s.read.version < version {
		s.read.version, s.read.lists = version, map[sheet.List]*cachedCurrent{}
	}
	if s.read.version == version { // not when a newer version got there first
		s.read.lists[list] = cc
	}
	s.read.mu.Unlock()
	return cc.cur, cc.byID, nil
}

// Agreements returns a list's agreements as they stood in snapshot at, or
// in the latest accepted snapshot when at is 0 (ErrNotFound before the
// list's baseline). list may be empty when at is given. A snapshot outside
// the agreements' timeline (quarantined, or left out by a rebuild)
// yields its records folded into agreements without ids.
func (s *Store) Agreements(ctx context.Context, list sheet.List, at uint64) (Snapshot, []diff.Agreement, error) {
	op := fmt.Sprintf("agreements %s@%d", list, at)
	if err := ctx.Err(); err != nil {
		return Snapshot{}, nil, fmt.Errorf("store: %s: %w", op, err)
	}
	var (
		snap  Snapshot
		aggs  []diff.Agreement
		ids   *snapshotIDs
		since map[string]string
		body  []byte
		done  bool
	)
	err := s.view(op, func(tx *bolt.Tx) error {
		if at == 0 {
			cur, _, err := s.current(tx, list)
			if err != nil {
				return err
			}
			if cur == nil {
				return fmt.Errorf("no accepted %s snapshot: %w", list, ErrNotFound)
			}
			at = cur.SnapshotID
		}
		var err error
		if snap, err = loadSnapshot(tx, at); err != nil {
			return err
		}
		if list != "" && snap.List != list {
			return fmt.Errorf("snapshot %d holds the %q list: %w", at, snap.List, ErrNotFound)
		}
		if !snap.Readable() {
			aggs, done = []diff.Agreement{}, true
			return nil
		}
		cur, _, err := s.current(tx, snap.List)
		if err != nil {
			return err
		}
		if cur != nil && cur.SnapshotID == at {
			// A copy: the cached list is shared.
			aggs, done = slices.Clone(cur.Agreements), true
			return nil
		}
		v := tx.Bucket(bucketSnapshotIDs).Get(be64(at))
		if len(v) > 0 && v[0] == idsJSON {
			done = true
			return decodeJSON(v[1:], &aggs)
		}
		if len(v) > 0 && (v[0] == idsPacked || v[0] == idsByRow) {
			if ids, err = decodeIDs(v); err != nil {
				return fmt.Errorf("snapshot %d: %w", at, err)
			}
			since = map[string]string{}
			b := tx.Bucket(bucketAgreements)
			for _, id := range ids.all() {
				var info AgreementInfo
				if _, err := getJSON(b, []byte(id), &info); err != nil {
					return err
				}
				since[id] = info.Since
			}
		}
		var ok bool
		if body, ok = getFile(tx.Bucket(bucketFiles), snap.SHA256); !ok {
			return fmt.Errorf("file %s of snapshot %d: %w", snap.SHA256, at, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return Snapshot{}, nil, err
	}
	if done {
		return snap, aggs, nil
	}
	f, err := s.parse(ctx, body)
	if err != nil {
		return Snapshot{}, nil, fmt.Errorf("store: %s: parse %s: %w", op, snap.FileName, err)
	}
	aggs, _ = diff.Fold(f.Records)
	if ids == nil {
		return snap, aggs, nil
	}
	if err := ids.attach(aggs); err != nil {
		return Snapshot{}, nil, fmt.Errorf("store: %s: %s: %w", op, snap.FileName, err)
	}
	for i := range aggs {
		aggs[i].Since = since[aggs[i].ID]
	}
	return snap, aggs, nil
}

// overlay fills an active agreement's latest record and snapshot from its
// list's current agreements, which the store keeps instead of rewriting
// every unchanged agreement each cycle.
func overlay(info *AgreementInfo, cur *current, byID map[string]*diff.Agreement) {
	if !info.Active || cur == nil {
		return
	}
	a, ok := byID[info.ID]
	if !ok {
		return
	}
	since := info.Since
	info.Agreement = *a
	if info.Since == "" {
		info.Since = since
	}
	info.LastSnapshot, info.LastPublished = cur.SnapshotID, cur.Published
}

func indexCurrent(cur *current) map[string]*diff.Agreement {
	m := map[string]*diff.Agreement{}
	if cur != nil {
		for i := range cur.Agreements {
			m[cur.Agreements[i].ID] = &cur.Agreements[i]
		}
	}
	return m
}

// Agreement returns one agreement and its changes, oldest first.
func (s *Store) Agreement(ctx context.Context, id string) (AgreementInfo, []diff.Change, error) {
	var info AgreementInfo
	var changes []diff.Change
	err := s.view("agreement "+id, func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bucketAgreements), []byte(id), &info)
		if err != nil {
			return err
		}
		if !ok {
			// An id a rebuild merged into another agreement answers as
			// that agreement (rebuild.go).
			to, aliased := aliasOf(tx, id)
			if !aliased {
				return ErrNotFound
			}
			if ok, err = getJSON(tx.Bucket(bucketAgreements), []byte(to), &info); err != nil {
				return err
			} else if !ok {
				return ErrNotFound
			}
			id = to
		}
		cur, byID, err := s.current(tx, info.List)
		if err != nil {
			return err
		}
		overlay(&info, cur, byID)
		changes, err = s.agreementChanges(tx, id)
		return err
	})
	if err != nil {
		return AgreementInfo{}, nil, err
	}
	return info, changes, nil
}

// agreementChanges returns an agreement's changes, oldest first; a change
// that does not decode is skipped (and logged), not the whole history.
func (s *Store) agreementChanges(tx *bolt.Tx, id string) ([]diff.Change, error) {
	prefix := append([]byte(id), 0)
	changes := []diff.Change{}
	cb := tx.Bucket(bucketChanges)
	c := tx.Bucket(bucketAgrChanges).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var ch diff.Change
		ok, err := getJSON(cb, k[len(prefix):], &ch)
		if err != nil {
			s.skipBad(bucketChanges, k[len(prefix):], err)
			continue
		}
		if ok {
			changes = append(changes, ch)
		}
	}
	return changes, nil
}

// FindAgreements returns every agreement, active or not, whose agency (as
// normalized or as published) contains query, ignoring case and accents,
// or whose id is query; ordered by id. An empty query matches all.
func (s *Store) FindAgreements(ctx context.Context, query string) ([]AgreementInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: find agreements %q: %w", query, err)
	}
	q := foldText(strings.TrimSpace(query))
	out := []AgreementInfo{}
	var version uint64
	memoised := false
	err := s.view(fmt.Sprintf("find agreements %q", query), func(tx *bolt.Tx) error {
		if q == "" {
			// Every agreement, as the overview and the endings ask for
			// twice per render: answered once per data version.
			version = dataVersion(tx.Bucket(bucketMeta))
			if all, ok := s.memoAll(version); ok {
				out, memoised = all, true
				return nil
			}
		}
		// A list's current agreements are decoded only once an active
		// agreement of it matched: the list is the largest record read.
		curs := map[sheet.List]*current{}
		idx := map[sheet.List]map[string]*diff.Agreement{}
		keep := func(info AgreementInfo) error {
			if _, ok := idx[info.List]; !ok && info.Active {
				c, byID, err := s.current(tx, info.List)
				if err != nil {
					return err
				}
				curs[info.List], idx[info.List] = c, byID
			}
			overlay(&info, curs[info.List], idx[info.List])
			if q == "" || info.ID == strings.TrimSpace(query) ||
				strings.Contains(foldText(info.Agency), q) || strings.Contains(foldText(info.AgencyRaw), q) {
				out = append(out, info)
			}
			return nil
		}
		match := func(k, v []byte) error {
			var info AgreementInfo
			if err := decodeJSON(v, &info); err != nil {
				s.skipBad(bucketAgreements, k, err)
				return nil
			}
			return keep(info)
		}
		b := tx.Bucket(bucketAgreements)
		if q == "" {
			for _, info := range s.allInfos(tx) {
				if err := keep(info); err != nil {
					return err
				}
			}
			return nil
		}
		if tx.Bucket(bucketAgrNames) == nil {
			return b.ForEach(match)
		}
		// The name index picks the candidates; each is matched again on
		// its record, so the index can only narrow, never widen.
		for _, k := range findAgreementIDs(tx, q, strings.TrimSpace(query)) {
			if v := b.Get(k); v != nil {
				if err := match(k, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if memoised {
		return out, nil
	}
	slices.SortFunc(out, func(a, b AgreementInfo) int {
		na, ea := strconv.ParseUint(a.ID, 10, 64)
		nb, eb := strconv.ParseUint(b.ID, 10, 64)
		if ea == nil && eb == nil {
			return cmp.Compare(na, nb)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if q == "" {
		s.setMemoAll(version, out)
	}
	return out, nil
}

// foldText lower-cases s and strips accents, so "Doña Ana" matches "dona ana".
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
