package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// ErrIDMismatch means an old snapshot's archived file, read again, does
// not hold the rows the store recorded agreement ids for: the reader
// changed how it reads that file. The store refuses to guess which id
// belongs to which agreement; labelling an agreement with another's id
// would rewrite its history without anyone noticing.
var ErrIDMismatch = errors.New("archived file no longer reads as the rows its agreement ids were recorded against")

// The store's size is dominated by the archived files; keeping each
// snapshot's full records as well would more than double it, so an old
// snapshot is rebuilt by re-parsing its bytes (about 10 ms) and
// re-attaching its agreement ids. The snapshot_ids value says which id
// goes with which row; its first byte is its format.
const (
	// idsPacked (written before schema 2, still read): ids as zigzag
	// varint deltas aligned by POSITION with diff.Fold of the archived
	// file. It cannot tell a reader that reorders rows from one that does
	// not, so it is no longer written; only the count is checked.
	idsPacked byte = 1
	// idsJSON: the agreements themselves, used when the ids cannot be
	// keyed by row (rows not unique, ids not integers).
	idsJSON byte = 2
	// idsByRow: for each agreement, in worksheet row order, the row's
	// number (uvarint delta), its id (zigzag varint delta) and a
	// rowHashLen-byte hash of the row's published cells. Ids follow the
	// row they were recorded for whatever order a reader returns rows in,
	// and a row that reads differently is an error, never a relabel.
	idsByRow byte = 3
)

// rowHashLen is the bytes of row hash kept per agreement: 3 bytes make a
// silently different row a 1-in-16-million chance while adding about
// 4.5 KB to a 1,500-agreement snapshot (the store must stay within 1.5×
// its archived files).
const rowHashLen = 3

// rowHash hashes a row's identity as published: the raw cells of state,
// agency, model and signing date. Raw cells, not the normalised fields,
// so an improved state or model table does not invalidate old snapshots.
func rowHash(r *sheet.Record) uint32 {
	// FNV-1a (hash/fnv's New32a) over each field and a zero byte, inline:
	// through hash.Hash each row cost an allocation and four copies.
	const offset32, prime32 = 2166136261, 16777619
	h := uint32(offset32)
	for _, f := range [...]string{r.StateName, r.AgencyRaw, r.ModelRaw, r.SignedRaw} {
		for i := 0; i < len(f); i++ {
			h = (h ^ uint32(f[i])) * prime32
		}
		h *= prime32 // ^ 0, the separator
	}
	return h & (1<<(8*rowHashLen) - 1)
}

func (w *writer) putSnapshotIDs(id uint64, aggs, folded []diff.Agreement) error {
	v := packIDs(aggs, folded)
	if v == nil {
		raw, err := encodeJSON(aggs)
		if err != nil {
			return fmt.Errorf("encode agreements of snapshot %d: %w", id, err)
		}
		v = append([]byte{idsJSON}, raw...)
	}
	return w.snapshotIDs.Put(be64(id), v)
}

// packIDs returns aggs' ids keyed by row (idsByRow), or nil when aggs is
// not aligned with folded (what re-parsing the file yields), a row number
// repeats or is negative, or an id is not a canonical integer.
func packIDs(aggs, folded []diff.Agreement) []byte {
	if len(aggs) != len(folded) {
		return nil
	}
	order := make([]int, len(folded))
	for i := range folded {
		if aggs[i].Row != folded[i].Row || aggs[i].AgencyRaw != folded[i].AgencyRaw || folded[i].Row < 0 {
			return nil
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return folded[a].Row - folded[b].Row })
	buf := make([]byte, 1, 1+(3+rowHashLen)*len(aggs))
	buf[0] = idsByRow
	var prevID int64
	prevRow := -1
	for _, i := range order {
		row := folded[i].Row
		if row == prevRow {
			return nil
		}
		id := aggs[i].ID
		n, err := strconv.ParseUint(id, 10, 64)
		// Canonical: digits alone (ParseUint's), no leading zero.
		if err != nil || len(id) > 1 && id[0] == '0' || n > 1<<62 {
			return nil
		}
		buf = binary.AppendUvarint(buf, uint64(row-prevRow))
		buf = binary.AppendVarint(buf, int64(n)-prevID)
		h := rowHash(&folded[i].Record)
		for k := rowHashLen - 1; k >= 0; k-- {
			buf = append(buf, byte(h>>(8*k)))
		}
		prevRow, prevID = row, int64(n)
	}
	return buf
}

// snapshotIDs is a decoded snapshot_ids value.
type snapshotIDs struct {
	// byRow (idsByRow) maps a row number to its id and row hash.
	byRow map[int]rowID
	// positional (idsPacked) holds ids in Fold order.
	positional []string
}

type rowID struct {
	id   string
	hash uint32
}

// all returns every id recorded.
func (s *snapshotIDs) all() []string {
	if s.byRow == nil {
		return s.positional
	}
	out := make([]string, 0, len(s.byRow))
	for _, r := range s.byRow {
		out = append(out, r.id)
	}
	return out
}

var errCorruptIDs = errors.New("corrupt agreement id list")

// decodeIDs decodes an idsPacked or idsByRow value.
func decodeIDs(v []byte) (*snapshotIDs, error) {
	format := v[0]
	var n int64
	row := -1
	out := &snapshotIDs{}
	if format == idsByRow {
		out.byRow = map[int]rowID{}
	}
	for v = v[1:]; len(v) > 0; {
		if format == idsByRow {
			d, k := binary.Uvarint(v)
			if k <= 0 || d == 0 || d > 1<<31 {
				return nil, errCorruptIDs
			}
			row += int(d)
			v = v[k:]
		}
		d, k := binary.Varint(v)
		if k <= 0 || n+d < 0 {
			return nil, errCorruptIDs
		}
		n += d
		v = v[k:]
		id := strconv.FormatInt(n, 10)
		if format != idsByRow {
			out.positional = append(out.positional, id)
			continue
		}
		if len(v) < rowHashLen {
			return nil, errCorruptIDs
		}
		var h uint32
		for _, b := range v[:rowHashLen] {
			h = h<<8 | uint32(b)
		}
		v = v[rowHashLen:]
		out.byRow[row] = rowID{id: id, hash: h}
	}
	return out, nil
}

// attach sets the id of each of aggs (Fold of the re-read file), or
// returns ErrIDMismatch, leaving no agreement with a guessed id.
func (s *snapshotIDs) attach(aggs []diff.Agreement) error {
	if s.byRow == nil {
		if len(s.positional) != len(aggs) {
			return fmt.Errorf("reads as %d agreements, the store recorded %d ids (did the reader change?): %w", len(aggs), len(s.positional), ErrIDMismatch)
		}
		for i := range aggs {
			aggs[i].ID = s.positional[i]
		}
		return nil
	}
	if len(s.byRow) != len(aggs) {
		return fmt.Errorf("reads as %d agreements, the store recorded %d ids (did the reader change?): %w", len(aggs), len(s.byRow), ErrIDMismatch)
	}
	ids := make([]string, len(aggs))
	seen := make(map[int]bool, len(aggs))
	for i := range aggs {
		a := &aggs[i]
		r, ok := s.byRow[a.Row]
		if !ok || seen[a.Row] {
			return fmt.Errorf("row %d (%s) has no recorded agreement id (did the reader change?): %w", a.Row, a.AgencyRaw, ErrIDMismatch)
		}
		if r.hash != rowHash(&a.Record) {
			return fmt.Errorf("row %d (%s) is not the row agreement %s was recorded for (did the reader change?): %w", a.Row, a.AgencyRaw, r.id, ErrIDMismatch)
		}
		seen[a.Row] = true
		ids[i] = r.id
	}
	for i := range aggs {
		aggs[i].ID = ids[i]
	}
	return nil
}

// newAgreementID draws the next agreement id.
func (w *writer) newAgreementID() (string, error) {
	n, err := w.agreements.NextSequence()
	if err != nil {
		return "", fmt.Errorf("agreement id: %w", err)
	}
	return strconv.FormatUint(n, 10), nil
}
