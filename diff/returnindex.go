package diff

import (
	"slices"

	"github.com/watch287g/watch287g/sheet"
)

// A list's absent agreements only grow: ten years of lists leave thousands
// that ended, and MatchReturns over all of them for every list made an
// import quadratic in its history. Yet a return needs evidence shared with
// an added row, the same evidence Compare's identity resolution looks up:
// an equal exact key (state, canonical agency, model), or one of the
// signatures pairTable files a row under (canonical name, core, MOA
// document, signing date, distinctive words one typo apart). ReturnIndex
// keeps the absent agreements under those signatures, so a list's
// candidates are found in time proportional to its added rows.
//
// MatchReturns over the candidates alone, in the order the absent
// agreements were given, finds exactly what it finds over all of them:
// an absent agreement without a shared signature has no exact key in
// common with an added row and is not among pairCandidates of any (the
// candidates of a query are the index entries sharing one of its
// signatures, and pairCandidates queries the signatures pairTable files
// under), so Compare neither matches it nor scores a pair of it; every
// tie Compare breaks is broken by order, which the candidates keep.
// Neither the added side nor the bounds of pairCandidates (maxPosting and
// the like, read on the index of the added rows) change with the absent
// side. TestReturnIndexEquivalent holds the two to the same results.

// sigReturnExact is the kind of the exact-round signature. A kind equal to
// one of candidates.go's would only add candidates, never lose one.
const sigReturnExact byte = 0xe0

// ReturnIndex finds, among a list's absent agreements, those that could
// return (MatchReturns) as one of a list's added agreements. Each absent
// agreement is filed under a key of the caller's choosing (its place in
// the list's absences); Candidates returns keys in increasing order. It is
// not safe for concurrent use.
type ReturnIndex struct {
	posts map[uint64][]uint64 // signature → keys, increasing, each once
	n     int
}

// NewReturnIndex returns an empty index.
func NewReturnIndex() *ReturnIndex {
	return &ReturnIndex{posts: map[uint64][]uint64{}}
}

// Len returns the number of agreements filed.
func (x *ReturnIndex) Len() int { return x.n }

// returnSigs calls emit with every signature of r that a return of it, or
// to it, needs in common with the other side: the exact rounds' key and
// the signatures pairTable files r under (pairSigs). A signature may be
// emitted more than once.
func returnSigs(r *sheet.Record, emit func(uint64)) {
	e := entry{rec: r, key: agencyKey(r.Agency)}
	emit(keyHash(sigReturnExact, r.State, e.key, r.Model))
	e.full()
	pairSigs(&e, emit)
}

// Add files the absent agreement a under key. Adding a key twice with the
// same record is harmless.
func (x *ReturnIndex) Add(key uint64, a *Agreement) {
	returnSigs(&a.Record, func(h uint64) {
		p := x.posts[h]
		if n := len(p); n == 0 || p[n-1] < key {
			x.posts[h] = append(p, key) // keys mostly come in increasing order
			return
		}
		if at, found := slices.BinarySearch(p, key); !found {
			x.posts[h] = slices.Insert(p, at, key)
		}
	})
	x.n++
}

// Remove takes out the agreement filed under key; a must be the record it
// was added with.
func (x *ReturnIndex) Remove(key uint64, a *Agreement) {
	returnSigs(&a.Record, func(h uint64) {
		p := x.posts[h]
		at, found := slices.BinarySearch(p, key)
		if !found {
			return
		}
		if len(p) == 1 {
			delete(x.posts, h)
			return
		}
		x.posts[h] = slices.Delete(p, at, at+1)
	})
	x.n--
}

// Candidates returns, in increasing order, the keys of the absent
// agreements that share a signature with one of the added records: a
// superset of those MatchReturns can pair with any of them, and usually a
// handful.
func (x *ReturnIndex) Candidates(added []sheet.Record) []uint64 {
	if len(x.posts) == 0 {
		return nil
	}
	var out []uint64
	for i := range added {
		returnSigs(&added[i], func(h uint64) {
			out = append(out, x.posts[h]...)
		})
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AddedRecords returns the records of res's added agreements, for
// Candidates.
func AddedRecords(res *Result) []sheet.Record {
	out := make([]sheet.Record, 0, len(res.Added))
	for _, c := range res.Added {
		if c.After != nil {
			out = append(out, *c.After)
		}
	}
	return out
}
