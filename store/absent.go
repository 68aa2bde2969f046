package store

import (
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// How the absences are kept (issue 12). A list's absences only grow: ten
// years leave thousands of ended agreements and a few dozen missing ones.
// The missing ones change with every list (each counts for them) and stay
// one value per list in bucketAbsences, as before. An ended absence
// changes only when it returns (or is found promoted), so each lives under
// its own key, written once, in a bucket of its list nested in
// bucketAbsences (endedBucket); a commit reads only the few that could
// return to its added rows (diff.ReturnIndex), not all of them.
//
// Every absence carries a sequence number, drawn from its list's ended
// bucket when it leaves: the order of the whole set, which the lifecycle's
// ties follow (the first absence of an agreement is the one that returns),
// is the order of the sequence numbers. A value written before (no nested
// bucket, ended absences in the list's value) is read as before and split
// at the first commit that reads it.

// endedBucket names the bucket, nested in bucketAbsences, of a list's
// ended absences: be64 sequence number → JSON absence.
func endedBucket(list sheet.List) []byte { return []byte("\x00ended " + string(list)) }

// absentSet is one list's absences as a writer uses them: the missing ones
// whole, in order; the ended ones indexed for returns and by id, read from
// their bucket when needed. A Store keeps it between commits on the list's
// current agreements, valid for the data version it was left at.
type absentSet struct {
	// version is the data version the set reflects once its transaction
	// committed; 0 while a transaction changes it.
	version uint64
	missing []absence
	ended   *diff.ReturnIndex
	// byID holds the sequence numbers of each agreement's absences, missing
	// or ended, increasing.
	byID map[string][]uint64
}

// absentsOf returns the list's absences as this transaction has them.
func (w *writer) absentsOf(list sheet.List) (*absentSet, error) {
	if set, ok := w.abs[list]; ok {
		return set, nil
	}
	b, err := w.absencesBucket()
	if err != nil {
		return nil, err
	}
	eb, err := b.CreateBucketIfNotExists(endedBucket(list))
	if err != nil {
		return nil, fmt.Errorf("create ended absences of %s: %w", list, err)
	}
	eb.FillPercent = appendFill
	var set *absentSet
	if c := w.currents[list]; c != nil && c.absent != nil && c.absent.version != 0 && c.absent.version == w.startVersion {
		set = c.absent
	} else if set, err = w.loadAbsents(b, eb, list); err != nil {
		return nil, err
	}
	set.version = 0
	if w.abs == nil {
		w.abs = map[sheet.List]*absentSet{}
	}
	w.abs[list] = set
	return set, nil
}

// loadAbsents reads a list's absences, moving the ended ones of an older
// value into their bucket.
func (w *writer) loadAbsents(b, eb *bolt.Bucket, list sheet.List) (*absentSet, error) {
	stored, err := readAbsences(b, list)
	if err != nil {
		return nil, err
	}
	set := &absentSet{ended: diff.NewReturnIndex(), byID: map[string][]uint64{}}
	split := false
	for _, a := range stored {
		if a.Seq == 0 {
			if a.Seq, err = eb.NextSequence(); err != nil {
				return nil, err
			}
			split = true
		}
		if a.Status == diff.StatusEnded {
			if err := putJSON(eb, be64(a.Seq), a); err != nil {
				return nil, err
			}
			split = true
			continue
		}
		set.missing = append(set.missing, a)
	}
	if split {
		w.dirtyAbsent(list)
	}
	err = eb.ForEach(func(k, v []byte) error {
		if len(k) != 8 || v == nil {
			return nil
		}
		var a absence
		if err := decodeJSON(v, &a); err != nil {
			return fmt.Errorf("ended absence %d of %s: %w", beUint(k), list, err)
		}
		set.ended.Add(beUint(k), &a.Agreement)
		set.byID[a.ID] = append(set.byID[a.ID], beUint(k))
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(set.missing, func(a, b absence) int { return cmpSeq(a.Seq, b.Seq) })
	for _, a := range set.missing {
		set.byID[a.ID] = append(set.byID[a.ID], a.Seq)
	}
	for id, seqs := range set.byID {
		if len(seqs) > 1 {
			slices.Sort(seqs)
			set.byID[id] = seqs
		}
	}
	return set, nil
}

func cmpSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// dirtyAbsent marks the list's missing absences for finish to write.
func (w *writer) dirtyAbsent(list sheet.List) {
	if w.dirtyAbs == nil {
		w.dirtyAbs = map[sheet.List]bool{}
	}
	w.dirtyAbs[list] = true
}

// absence returns the list's absence seq, missing or ended.
func (w *writer) absence(list sheet.List, set *absentSet, seq uint64) (absence, error) {
	if i, ok := slices.BinarySearchFunc(set.missing, seq, func(a absence, s uint64) int { return cmpSeq(a.Seq, s) }); ok {
		return set.missing[i], nil
	}
	var a absence
	eb := w.tx.Bucket(bucketAbsences).Bucket(endedBucket(list))
	ok, err := getJSON(eb, be64(seq), &a)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, fmt.Errorf("ended absence %d of %s: %w", seq, list, ErrNotFound)
	}
	a.Seq = seq
	return a, nil
}

// stepAbsences returns the absences a list's step is given: every missing
// one, and the ended ones that could return to its added rows, with every
// absence of the same agreements (only an agreement's first absence may
// return), in order.
func (w *writer) stepAbsences(list sheet.List, set *absentSet, res *diff.Result) ([]absence, error) {
	cands := set.ended.Candidates(diff.AddedRecords(res))
	if len(cands) == 0 {
		return slices.Clone(set.missing), nil
	}
	want := map[uint64]bool{}
	var more []uint64
	for _, seq := range cands {
		a, err := w.absence(list, set, seq)
		if err != nil {
			return nil, err
		}
		for _, s := range set.byID[a.ID] {
			if !want[s] {
				want[s] = true
				more = append(more, s)
			}
		}
	}
	for _, a := range set.missing {
		for _, s := range set.byID[a.ID] {
			if !want[s] {
				want[s] = true
				more = append(more, s)
			}
		}
	}
	slices.Sort(more)
	out := make([]absence, 0, len(more))
	for _, seq := range more {
		a, err := w.absence(list, set, seq)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// lastListed returns where the agreement id was last listed according to
// the list's absences (its latest absence), and whether it has one.
func (w *writer) lastListed(list sheet.List, set *absentSet, id string) (uint64, string, bool, error) {
	seqs := set.byID[id]
	if len(seqs) == 0 {
		return 0, "", false, nil
	}
	a, err := w.absence(list, set, seqs[len(seqs)-1])
	if err != nil {
		return 0, "", false, err
	}
	return a.LastSnapshot, a.LastPublished, true, nil
}

// dropAbsence takes the list's absence a out of the set and its bucket.
func (w *writer) dropAbsence(list sheet.List, set *absentSet, a absence) error {
	seqs := set.byID[a.ID]
	if i := slices.Index(seqs, a.Seq); i >= 0 {
		seqs = slices.Delete(seqs, i, i+1)
	}
	if len(seqs) == 0 {
		delete(set.byID, a.ID)
	} else {
		set.byID[a.ID] = seqs
	}
	if i, ok := slices.BinarySearchFunc(set.missing, a.Seq, func(m absence, s uint64) int { return cmpSeq(m.Seq, s) }); ok {
		set.missing = slices.Delete(set.missing, i, i+1)
		w.dirtyAbsent(list)
		return nil
	}
	set.ended.Remove(a.Seq, &a.Agreement)
	return w.tx.Bucket(bucketAbsences).Bucket(endedBucket(list)).Delete(be64(a.Seq))
}

// keepAbsence records a for the list: missing ones with the set's missing
// (in order: a's sequence number is the largest, or a replaces itself),
// ended ones under their own key. A new absence (no sequence number) draws
// one.
func (w *writer) keepAbsence(list sheet.List, set *absentSet, a absence) error {
	eb := w.tx.Bucket(bucketAbsences).Bucket(endedBucket(list))
	fresh := a.Seq == 0
	if fresh {
		var err error
		if a.Seq, err = eb.NextSequence(); err != nil {
			return err
		}
		set.byID[a.ID] = append(set.byID[a.ID], a.Seq)
	}
	i, found := slices.BinarySearchFunc(set.missing, a.Seq, func(m absence, s uint64) int { return cmpSeq(m.Seq, s) })
	if a.Status != diff.StatusEnded {
		if found {
			set.missing[i] = a
		} else {
			set.missing = slices.Insert(set.missing, i, a)
		}
		w.dirtyAbsent(list)
		return nil
	}
	if found {
		set.missing = slices.Delete(set.missing, i, i+1)
		w.dirtyAbsent(list)
	}
	set.ended.Add(a.Seq, &a.Agreement)
	return putJSON(eb, be64(a.Seq), a)
}
