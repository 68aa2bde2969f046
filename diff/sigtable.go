package diff

// sigTable is a sigIndex built once and then only read, as identity
// resolution's index of the new side is (pairTable): a signature's
// entries are a chain of nodes in one slice, found by open addressing, so
// building it allocates a few slices instead of one per signature (a
// name's typo signatures are mostly its own; a hundred names make
// thousands). It holds what the map would: each entry once per signature,
// in increasing order.
type sigTable struct {
	slots []sigSlot // a power of two, at most half full
	used  int
	node  []int32 // entry of each node
	next  []int32 // the next node of the same signature, -1 at the end
}

type sigSlot struct {
	h          uint64
	head, tail int32 // nodes
	n          int32 // entries; 0 in an empty slot
}

// newSigTable returns a table sized for about sigs signatures.
func newSigTable(sigs int) *sigTable {
	size := 16
	for size < 2*sigs {
		size *= 2
	}
	return &sigTable{slots: make([]sigSlot, size), node: make([]int32, 0, sigs), next: make([]int32, 0, sigs)}
}

// slot returns the slot of h: its own, or the empty one where it goes.
func (t *sigTable) slot(h uint64) *sigSlot {
	mask := uint64(len(t.slots) - 1)
	for i := (h ^ h>>29) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.n == 0 || s.h == h {
			return s
		}
	}
}

// add files entry i under h, unless h's last entry is i already (entries
// are added in increasing order).
func (t *sigTable) add(h uint64, i int) {
	s := t.slot(h)
	if s.n > 0 && t.node[s.tail] == int32(i) {
		return
	}
	n := int32(len(t.node))
	t.node = append(t.node, int32(i))
	t.next = append(t.next, -1)
	if s.n == 0 {
		*s = sigSlot{h: h, head: n, tail: n, n: 1}
		t.used++
		if 2*t.used > len(t.slots) {
			t.grow()
		}
		return
	}
	t.next[s.tail] = n
	s.tail = n
	s.n++
}

func (t *sigTable) grow() {
	old := t.slots
	t.slots = make([]sigSlot, 2*len(old))
	for _, s := range old {
		if s.n > 0 {
			*t.slot(s.h) = s
		}
	}
}

// posting returns the first node of h and its number of entries.
func (t *sigTable) posting(h uint64) (int32, int) {
	s := t.slot(h)
	if s.n == 0 {
		return -1, 0
	}
	return s.head, int(s.n)
}
