package diff

import (
	"slices"
	"strings"
	"sync"
)

// keyMemo remembers the canonical names (keyed) of agency names. A
// comparison needs the canonical name of every row of both lists, and
// consecutive lists name nearly the same agencies: an import compares
// each list with the one before, whose rows were the previous
// comparison's new rows. Looking a name up costs one hash of it;
// canonicalizing it costs several times that.
//
// A memo holds only what agencyKey computes from the name itself, so it
// can never answer for another name: what it changes is the time a
// comparison takes, never its result. It is bounded by maxMemoBytes and
// emptied when full.
type keyMemo struct {
	keys  map[string]keyed
	names map[nameSource]*name
	bytes int
	// The buffers of one comparison, for the next to reuse: a memo
	// serves one comparison at a time (keyMemos).
	tab     keyTable
	okeys   []keyed
	nkeys   []keyed
	groups  []int32
	matchOf []int
	how     []string
	oldUsed []bool
}

// nameSource is what prepare reads.
type nameSource struct{ agency, state, stateName string }

// maxMemoBytes bounds a memo's names and keys: ten years of lists name
// about 10,000 agencies, under 2 MB with a map's overhead; a file of
// hostile names only empties the memo more often.
const maxMemoBytes = 8 << 20

// memoEntryBytes is a memo entry's cost besides its two strings.
const memoEntryBytes = 64

// keyMemos holds memos between comparisons, one per comparison at a
// time: a comparison takes one (getKeyMemo), uses it without locks and
// puts it back. The pool may drop a memo at any garbage collection,
// which costs the next comparison its lookups, nothing else.
var keyMemos = sync.Pool{New: func() any {
	return &keyMemo{keys: map[string]keyed{}, names: map[nameSource]*name{}}
}}

func getKeyMemo() *keyMemo { return keyMemos.Get().(*keyMemo) }

func putKeyMemo(m *keyMemo) {
	// The table's keys hold strings of the records compared, which may
	// share the memory of a whole worksheet: not kept past the comparison.
	clear(m.tab.groups)
	m.tab.groups = m.tab.groups[:0]
	keyMemos.Put(m)
}

// key returns the canonical name of agency.
func (m *keyMemo) key(agency string) keyed {
	if k, ok := m.keys[agency]; ok {
		return k
	}
	k := newKeyed(agency)
	if m.room(len(agency) + len(k.key)) {
		// A clone: agency may share the memory of a whole worksheet.
		m.keys[strings.Clone(agency)] = k
	}
	return k
}

// name returns the prepared form of agency in the state given (prepare's
// arguments). The name is shared: it must not be changed.
func (m *keyMemo) name(agency, state, stateName string) *name {
	src := nameSource{agency, state, stateName}
	if n, ok := m.names[src]; ok {
		return n
	}
	n := prepare(agency, state, stateName)
	// The key, core and words take about three times the name.
	if m.room(len(agency)*4 + len(state) + len(stateName) + 16*(len(n.toks)+len(n.distinct))) {
		m.names[nameSource{strings.Clone(agency), strings.Clone(state), strings.Clone(stateName)}] = &n
	}
	return &n
}

// room reports whether an entry of about size bytes is to be kept,
// emptying the memo first when it would overflow.
func (m *keyMemo) room(size int) bool {
	size += memoEntryBytes
	if size > maxMemoBytes/64 {
		return false // a name no agency has: not worth keeping
	}
	if m.bytes+size > maxMemoBytes {
		clear(m.keys)
		clear(m.names)
		m.bytes = 0
	}
	m.bytes += size
	return true
}

// table returns the memo's keyTable, emptied and sized as newKeyTable
// sizes one. It is the same table each time: one comparison uses one
// table at a time.
func (m *keyMemo) table(n, keys, rows int) *keyTable {
	t := &m.tab
	size := 16
	for size < 2*n {
		size *= 2
	}
	t.slots = reuse(t.slots, size)
	clear(t.groups) // drop the strings the last comparison's keys held
	t.groups = slices.Grow(t.groups[:0], keys)
	t.next = reuse(t.next, rows)
	return t
}

// reuse returns s as n zero values, reallocated only when too small.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}
