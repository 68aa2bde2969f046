package diff

import "hash/maphash"

// keyTable groups rows by exactKey: what fold and the exact rounds look
// up, once per row. A group holds a queue of rows (queue, pop: the old
// agreements of a key, taken in order) and the first row noted under the
// key (note: fold's first row of a key, which later repeats fold into).
// It does what maps of exactKey did without a slice per key or a map's
// hashing of four strings: a key's hash is made from the hash of its
// canonical name, which a row's key already carries (keyed), so each row
// is hashed once per comparison, and keys are found by open addressing.
// Keys with equal hashes are told apart by comparing them.
type keyTable struct {
	slots  []int32 // group+1 by open addressing, 0 when empty; at most half full
	groups []keyGroup
	next   []int32 // queued row → the next row of its group, -1 at the end
}

type keyGroup struct {
	key        exactKey
	h          uint64
	head, tail int32 // the queue; head is -1 when empty
	first      int32 // the first row noted, -1 when none
}

// newKeyTable returns a table whose slots fit n keys (it grows past
// them), with room for about keys of them, and for queues of the rows
// 0..rows-1.
func newKeyTable(n, keys, rows int) *keyTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	return &keyTable{slots: make([]int32, size), groups: make([]keyGroup, 0, keys), next: make([]int32, rows)}
}

// group returns the group of k (with hash h), made when missing if make
// is set, else -1.
func (t *keyTable) group(h uint64, k *exactKey, make bool) int32 {
	mask := uint64(len(t.slots) - 1)
	i := (h ^ h>>32) & mask
	for ; t.slots[i] != 0; i = (i + 1) & mask {
		g := t.slots[i] - 1
		if grp := &t.groups[g]; grp.h == h && grp.key == *k {
			return g
		}
	}
	if !make {
		return -1
	}
	g := int32(len(t.groups))
	t.groups = append(t.groups, keyGroup{key: *k, h: h, head: -1, tail: -1, first: -1})
	t.slots[i] = g + 1
	if 2*len(t.groups) > len(t.slots) {
		t.grow()
	}
	return g
}

func (t *keyTable) grow() {
	t.slots = make([]int32, 2*len(t.slots))
	mask := uint64(len(t.slots) - 1)
	for g := range t.groups {
		h := t.groups[g].h
		i := (h ^ h>>32) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = int32(g) + 1
	}
}

// queue appends row to the queue of k (with hash h).
func (t *keyTable) queue(h uint64, k *exactKey, row int) {
	grp := &t.groups[t.group(h, k, true)]
	t.next[row] = -1
	if grp.head < 0 {
		grp.head = int32(row)
	} else {
		t.next[grp.tail] = int32(row)
	}
	grp.tail = int32(row)
}

// pop removes and returns the first row still queued under k (with hash
// h), or -1.
func (t *keyTable) pop(h uint64, k *exactKey) int {
	g := t.group(h, k, false)
	if g < 0 {
		return -1
	}
	return t.popGroup(g)
}

func (t *keyTable) popGroup(g int32) int {
	grp := &t.groups[g]
	row := grp.head
	if row >= 0 {
		grp.head = t.next[row]
	}
	return int(row)
}

// note returns the group of k (with hash h) and the first row noted
// under k, noting row when there is none (then it returns row).
func (t *keyTable) note(h uint64, k *exactKey, row int) (int32, int) {
	g := t.group(h, k, true)
	grp := &t.groups[g]
	if grp.first < 0 {
		grp.first = int32(row)
	}
	return g, int(grp.first)
}

// has reports whether a row was noted under k (with hash h).
func (t *keyTable) has(h uint64, k *exactKey) bool {
	g := t.group(h, k, false)
	return g >= 0 && t.groups[g].first >= 0
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
