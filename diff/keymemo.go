package diff

import (
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

func putKeyMemo(m *keyMemo) { keyMemos.Put(m) }

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
