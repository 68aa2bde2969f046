package diff

import "hash/maphash"

// keyTable groups rows by exactKey, each group a queue of rows in the
// order they were added: what fold, the exact rounds and countOn look
// up, once per row. It does what a map[exactKey][]int did without a
// slice per key, and hashes a key from the hash of its canonical name,
// which a row's key already carries (keyed), so each row's strings are
// hashed once per comparison rather than once per map it enters. Keys
// with equal hashes are told apart by comparing them (keyOf).
type keyTable struct {
	heads  map[uint64]int32 // hash → its first group
	groups []keyGroup
	next   []int32 // row → the next row of its group, -1 at the end
	keyOf  func(row int) exactKey
}

type keyGroup struct {
	rep        int32 // the group's first row, whose key is the group's
	head, tail int32 // rows; head is -1 once the queue is empty
	more       int32 // the next group of the same hash, -1 when none
}

// newKeyTable returns a table for about n of the rows 0..rows-1, whose
// keys keyOf gives.
func newKeyTable(n, rows int, keyOf func(row int) exactKey) *keyTable {
	return &keyTable{heads: make(map[uint64]int32, n), groups: make([]keyGroup, 0, n),
		next: make([]int32, rows), keyOf: keyOf}
}

// group returns the group of k (with hash h), or -1.
func (t *keyTable) group(h uint64, k *exactKey) int32 {
	g, ok := t.heads[h]
	if !ok {
		return -1
	}
	for ; g >= 0; g = t.groups[g].more {
		if t.keyOf(int(t.groups[g].rep)) == *k {
			return g
		}
	}
	return -1
}

// add appends row, whose key is k (with hash h), to the queue of k and
// returns whether k was new to the table.
func (t *keyTable) add(h uint64, k *exactKey, row int) bool {
	t.next[row] = -1
	if g := t.group(h, k); g >= 0 {
		grp := &t.groups[g]
		if grp.head < 0 {
			grp.head = int32(row)
		} else {
			t.next[grp.tail] = int32(row)
		}
		grp.tail = int32(row)
		return false
	}
	more := int32(-1)
	if g, ok := t.heads[h]; ok {
		more = g
	}
	t.heads[h] = int32(len(t.groups))
	t.groups = append(t.groups, keyGroup{rep: int32(row), head: int32(row), tail: int32(row), more: more})
	return true
}

// first returns the first row added under k (with hash h), or -1.
func (t *keyTable) first(h uint64, k *exactKey) int {
	if g := t.group(h, k); g >= 0 {
		return int(t.groups[g].rep)
	}
	return -1
}

// pop removes and returns the first row still queued under k (with hash
// h), or -1.
func (t *keyTable) pop(h uint64, k *exactKey) int {
	g := t.group(h, k)
	if g < 0 {
		return -1
	}
	grp := &t.groups[g]
	row := grp.head
	if row >= 0 {
		grp.head = t.next[row]
	}
	return int(row)
}

// hashSeed seeds the hashes of keyTable's keys; they live for one
// comparison (or one IndexCache), never on disk.
var hashSeed = maphash.MakeSeed()

// keyed is a row's canonical agency name with its hash.
type keyed struct {
	key string
	h   uint64
}

func newKeyed(agency string) keyed {
	k := agencyKey(agency)
	return keyed{k, maphash.String(hashSeed, k)}
}

// exactHash hashes the exactKey of state, the canonical name a, model
// and signed.
func exactHash(state string, a *keyed, model, signed string) uint64 {
	h := a.h
	h = mix(h, maphash.String(hashSeed, state))
	h = mix(h, maphash.String(hashSeed, model))
	return mix(h, maphash.String(hashSeed, signed))
}

// mix folds y into the hash x (a multiply-xorshift step).
func mix(x, y uint64) uint64 {
	x ^= y + 0x9e3779b97f4a7c15 + x<<6 + x>>2
	x *= 0xbf58476d1ce4e5b9
	return x ^ x>>31
}
