package diff

import (
	"cmp"
	"slices"
	"strings"
)

// This file finds, for one agreement, the few agreements of the other side
// that the matching rules could pair it with, so that identity resolution
// scores a handful of pairs per agreement instead of every pair in a state
// (two 5,000-row lists of one state were 25 million full edit distances).
//
// Every rule of pairScore and sameAgency needs some evidence that an index
// can look up: an equal key (canonical name, core, MOA document, signing
// date) or a distinctive word one typo apart. Words one typo apart share a
// signature (see wordSigs), so the candidates found are a superset of the
// pairs the rules accept; the rules then decide as before. Only the bounds
// below can drop a pair, and only on input no real list resembles.

const (
	// maxPosting skips a signature carried by more agreements than this:
	// a word or date shared by hundreds of agreements of one state and
	// model says nothing about which of them is which. Real lists stay
	// far below: over the whole corpus, at most 28 agreements share a
	// signature, 745 postings are read and 34 candidates found for one
	// agreement.
	maxPosting = 256
	// maxVisits bounds the postings read for one agreement.
	maxVisits = 4096
	// maxCandidates bounds the pairs scored for one agreement: those with
	// the most evidence are kept.
	maxCandidates = 128
	// checkEvery is how many agreements a loop handles between looks at
	// its context.
	checkEvery = 256
)

// Signature kinds, hashed in so that the keys of one index never meet.
const (
	sigName    byte = iota + 1 // state, canonical name
	sigMOA                     // state, MOA document
	sigCore                    // state, model, core
	sigSigned                  // state, model, signing date
	sigWord                    // state, model, a distinctive word
	sigGeneric                 // state, model, a word of a name without distinctive words
	sigCross                   // model, canonical name (any state)
)

// Weights of the evidence, for keeping the best candidates when there are
// too many: an equal key outweighs any number of shared words.
const (
	weightKey    = 16
	weightSigned = 2
	weightWord   = 1
)

// FNV-1a, 64 bits.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func hashByte(h uint64, c byte) uint64 { return (h ^ uint64(c)) * fnvPrime }

func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = hashByte(h, s[i])
	}
	return hashByte(h, 0) // separator: ("ab","c") is not ("a","bc")
}

// keyHash hashes a signature kind and its parts.
func keyHash(kind byte, parts ...string) uint64 {
	h := hashByte(fnvOffset, kind)
	for _, p := range parts {
		h = hashString(h, p)
	}
	return h
}

// Word signatures: two words within the edit distance tokenClose allows
// (at most 2, transpositions counting once) become one string by deleting
// at most that many bytes from each, so they share a deletion variant. The
// distance allowed grows with length, so short words get fewer deletions
// (6 bytes and more: 2; 4–5: 1; shorter: none), which keeps their variants
// from colliding with every other short word. Long words use their first
// sigPrefix bytes and keep sigKeep of each variant: a common string's
// first sigKeep bytes come from each word's first sigPrefix, so the pair
// still shares a signature, and a hostile 10,000-letter word costs no more
// than a 16-letter one.
const (
	sigPrefix = 16
	sigKeep   = sigPrefix - 2
)

// wordSigs calls emit with the signature of every deletion variant of w,
// each hashed on top of base.
func wordSigs(base uint64, w string, emit func(uint64)) {
	k := 0
	switch {
	case len(w) >= 6:
		k = 2
	case len(w) >= 4:
		k = 1
	}
	b := w
	if len(b) > sigPrefix {
		b = b[:sigPrefix]
	}
	variant := func(skip1, skip2 int) uint64 {
		h, n := base, 0
		for i := 0; i < len(b) && n < sigKeep; i++ {
			if i == skip1 || i == skip2 {
				continue
			}
			h = hashByte(h, b[i])
			n++
		}
		return hashByte(h, 0)
	}
	emit(variant(-1, -1))
	if k >= 1 {
		for i := range len(b) {
			emit(variant(i, -1))
		}
	}
	if k >= 2 {
		for i := range len(b) {
			for j := i + 1; j < len(b); j++ {
				emit(variant(i, j))
			}
		}
	}
}

// wordSigCount is the number of signatures wordSigs emits for w.
func wordSigCount(w string) int {
	n := min(len(w), sigPrefix)
	switch {
	case len(w) >= 6:
		return 1 + n + n*(n-1)/2
	case len(w) >= 4:
		return 1 + n
	}
	return 1
}

// sigIndex maps a signature to the entries (indexes) that carry it, each
// once, in increasing order.
type sigIndex map[uint64][]int32

func (x sigIndex) add(h uint64, i int) {
	p := x[h]
	if len(p) > 0 && p[len(p)-1] == int32(i) {
		return
	}
	x[h] = append(p, int32(i))
}

// insert files entry i under h, keeping the posting in increasing order
// and each entry once, wherever i falls in it.
func (x sigIndex) insert(h uint64, i int32) {
	p := x[h]
	at, found := slices.BinarySearch(p, i)
	if !found {
		x[h] = slices.Insert(p, at, i)
	}
}

// remove takes entry i out of h's posting, if there, and h out of the
// index with its last entry.
func (x sigIndex) remove(h uint64, i int32) {
	p := x[h]
	at, found := slices.BinarySearch(p, i)
	switch {
	case !found:
	case len(p) == 1:
		delete(x, h)
	default:
		x[h] = slices.Delete(p, at, at+1)
	}
}

// collector gathers the candidates of one query, each with the weight of
// the evidence found for it. Its slices are indexed by entry and reused
// from query to query.
type collector struct {
	idx sigIndex
	tab *sigTable // read instead of idx when set
	// pos maps the entries idx files (slots) to the positions result
	// returns, when they differ (IndexCache.update); nil when they do not.
	pos    []int32
	query  []int32 // per entry: the query that last saw it, plus one
	unit   []int32 // per entry: the unit of evidence that last counted it
	weight []int32
	cands  []int32
	q, u   int32
	visits int
}

func newCollector(idx sigIndex, n int) *collector {
	return &collector{idx: idx, query: make([]int32, n), unit: make([]int32, n),
		weight: make([]int32, n)}
}

// start begins a new query.
func (c *collector) start() {
	c.q++
	c.cands = c.cands[:0]
	c.visits = 0
}

// key adds the entries carrying the exact signature h, with weight w.
func (c *collector) key(h uint64, w int32) {
	c.u++
	c.read(h, w)
}

// words adds the entries sharing a signature with each word, with weight w
// per word in common.
func (c *collector) words(base uint64, words []string, w int32) {
	for _, word := range words {
		c.u++
		// A signature met twice (a word with a doubled letter) is read
		// twice; the unit stamp counts its entries once.
		wordSigs(base, word, func(h uint64) { c.read(h, w) })
	}
}

func (c *collector) read(h uint64, w int32) {
	if c.tab != nil {
		c.readTable(h, w)
		return
	}
	p := c.idx[h]
	if len(p) == 0 || len(p) > maxPosting || c.visits+len(p) > maxVisits {
		return
	}
	c.visits += len(p)
	for _, j := range p {
		c.count(j, w)
	}
}

// readTable is read from c.tab.
func (c *collector) readTable(h uint64, w int32) {
	node, n := c.tab.posting(h)
	if n == 0 || n > maxPosting || c.visits+n > maxVisits {
		return
	}
	c.visits += n
	for ; node >= 0; node = c.tab.next[node] {
		c.count(c.tab.node[node], w)
	}
}

// count adds the evidence of weight w for entry j.
func (c *collector) count(j int32, w int32) {
	if c.query[j] != c.q {
		c.query[j], c.unit[j], c.weight[j] = c.q, c.u, w
		c.cands = append(c.cands, j)
	} else if c.unit[j] != c.u {
		c.unit[j] = c.u
		c.weight[j] += w
	}
}

// result returns the candidates in increasing order, at most
// maxCandidates of them: the best supported when there are more.
func (c *collector) result() []int32 {
	if len(c.cands) > maxCandidates {
		slices.SortFunc(c.cands, func(a, b int32) int {
			if d := cmp.Compare(c.weight[b], c.weight[a]); d != 0 {
				return d
			}
			return cmp.Compare(c.position(a), c.position(b))
		})
		c.cands = c.cands[:maxCandidates]
	}
	if c.pos != nil {
		for k, s := range c.cands {
			c.cands[k] = c.pos[s]
		}
	}
	slices.Sort(c.cands)
	return c.cands
}

// position returns the position of the entry filed as s.
func (c *collector) position(s int32) int32 {
	if c.pos != nil {
		return c.pos[s]
	}
	return s
}

// moaKey is the MOA document compared by pairScore's moaSame, or "" when
// the link cannot carry identity (no PDF).
func moaKey(url string) string {
	if url == "" {
		return ""
	}
	l := strings.ToLower(url)
	if !strings.Contains(l, ".pdf") {
		return ""
	}
	return l
}

// pairTable indexes every entry of news, the new side of identity
// resolution, under every kind of evidence pairScore accepts.
func pairTable(news []entry) *sigTable {
	sigs := 0
	for j := range news {
		sigs += 5
		if n := news[j].name; !n.long {
			words := n.distinct
			if len(words) == 0 {
				words = n.toks
			}
			for _, w := range words {
				sigs += wordSigCount(w)
			}
		}
	}
	t := newSigTable(sigs)
	for j := range news {
		pairSigs(&news[j], func(h uint64) { t.add(h, j) })
	}
	return t
}

// pairSigs calls emit with every signature pairTable files e under, in
// the order it adds them.
func pairSigs(e *entry, emit func(uint64)) {
	r := e.rec
	emit(keyHash(sigName, r.State, e.name.key))
	emit(keyHash(sigCross, r.Model, e.name.key))
	if m := moaKey(r.MOAURL); m != "" {
		emit(keyHash(sigMOA, r.State, m))
	}
	if e.name.core != "" {
		emit(keyHash(sigCore, r.State, r.Model, e.name.core))
	}
	if r.Signed != "" {
		emit(keyHash(sigSigned, r.State, r.Model, r.Signed))
	}
	var base uint64
	var words []string
	switch {
	case e.name.long: // compared by keys only
		return
	case len(e.name.distinct) > 0:
		base, words = keyHash(sigWord, r.State, r.Model), e.name.distinct
	default:
		base, words = keyHash(sigGeneric, r.State, r.Model), e.name.toks
	}
	for _, w := range words {
		wordSigs(base, w, emit)
	}
}

// pairCandidates returns the new entries pairScore may accept for old
// entry o, looked up in the index built by pairTable:
//   - a changed model is believed for the same name or MOA (sigName, sigMOA);
//   - across states the names are equal (sigCross);
//   - within a state and model: the same MOA (sigMOA); distinctive words
//     one typo apart (sigWord), or for names without any, a word in common
//     (sigGeneric); the same core (sigCore); the same signing date
//     (sigSigned), which backs the relaxed word rule.
func pairCandidates(c *collector, o *entry) []int32 {
	r := o.rec
	c.start()
	c.key(keyHash(sigName, r.State, o.name.key), weightKey)
	c.key(keyHash(sigCross, r.Model, o.name.key), weightKey)
	if m := moaKey(r.MOAURL); m != "" {
		c.key(keyHash(sigMOA, r.State, m), weightKey)
	}
	if o.name.core != "" {
		c.key(keyHash(sigCore, r.State, r.Model, o.name.core), weightKey)
	}
	if r.Signed != "" {
		c.key(keyHash(sigSigned, r.State, r.Model, r.Signed), weightSigned)
	}
	switch {
	case o.name.long:
	case len(o.name.distinct) > 0:
		c.words(keyHash(sigWord, r.State, r.Model), o.name.distinct, weightWord)
	default:
		c.words(keyHash(sigGeneric, r.State, r.Model), o.name.toks, weightWord)
	}
	return c.result()
}

// agencyIndex finds the agreements of a list that sameAgency may accept
// for an agency: same state, and the same canonical name, or distinctive
// words one typo apart, or for names without any, a word in common.
// Its entries are by position in the list; its signatures file each entry
// under a slot, which is its position unless IndexCache.update has moved
// entries (then col.pos and slotOf map one to the other).
type agencyIndex struct {
	entries []entry
	col     *collector
	slotOf  []int32 // position → slot; nil when slot = position
	free    []int32 // slots no entry holds
}

func newAgencyIndex(list []Agreement) *agencyIndex {
	m := getKeyMemo()
	defer putKeyMemo(m)
	return newAgencyIndexFrom(list, m)
}

// newAgencyIndexFrom is newAgencyIndex with the names from m.
func newAgencyIndexFrom(list []Agreement, m *keyMemo) *agencyIndex {
	ai := &agencyIndex{entries: make([]entry, len(list))}
	x := sigIndex{}
	for i := range list {
		e := &ai.entries[i]
		*e = entry{rec: &list[i].Record}
		e.fullFrom(m)
		entrySigs(e, func(h uint64) { x.add(h, i) })
	}
	ai.col = newCollector(x, len(list))
	return ai
}

// entrySigs calls emit with every signature the agency index files e
// under, in the order the index adds them.
func entrySigs(e *entry, emit func(uint64)) {
	emit(keyHash(sigName, e.rec.State, e.name.key))
	var base uint64
	var words []string
	switch {
	case e.name.long:
		return
	case len(e.name.distinct) > 0:
		base, words = keyHash(sigWord, e.rec.State), e.name.distinct
	default:
		base, words = keyHash(sigGeneric, e.rec.State), e.name.toks
	}
	for _, w := range words {
		wordSigs(base, w, emit)
	}
}

// candidates returns, in list order, the agreements that may name the
// agency of e.
func (ai *agencyIndex) candidates(e *entry) []int32 {
	c := ai.col
	c.start()
	c.key(keyHash(sigName, e.rec.State, e.name.key), weightKey)
	switch {
	case e.name.long:
	case len(e.name.distinct) > 0:
		c.words(keyHash(sigWord, e.rec.State), e.name.distinct, weightWord)
	default:
		c.words(keyHash(sigGeneric, e.rec.State), e.name.toks, weightWord)
	}
	return c.result()
}
