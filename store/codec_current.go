package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// currentPacked marks a list's current agreements (bucketCurrent) written
// by encodeCurrent: the rest of the value is deflated fields, each string
// a length and its bytes. A list's whole current agreements are rewritten
// by every transaction that moves them, and as JSON their field names and
// escaping were most of what was marshalled and deflated (at ten years,
// an eighth of the import's commit path). Values written before are JSON,
// plain or deflated (encodeJSON: '{' or compressed), and still read.
const currentPacked byte = 0x02

// currentFields is how many strings a packed agreement holds: its id,
// since, and the record's twelve strings (see appendAgreement).
const currentFields = 14

// packBufs holds the plain bytes encodeCurrent deflates from; only the
// deflated copy goes to bbolt, which keeps the slice it is given.
var packBufs = sync.Pool{New: func() any { return new([]byte) }}

// encodeCurrent packs c for bucketCurrent.
func encodeCurrent(c *current) ([]byte, error) {
	bp := packBufs.Get().(*[]byte)
	defer packBufs.Put(bp)
	// Sized first: the pool loses its buffer at every other collection,
	// and growing one of megabytes by appends cost as much as packing.
	b := slices.Grow((*bp)[:0], packedSize(c))
	b = binary.AppendUvarint(b, c.SnapshotID)
	b = appendPacked(b, c.Published)
	b = binary.AppendUvarint(b, uint64(len(c.Agreements)))
	for i := range c.Agreements {
		b = appendAgreement(b, &c.Agreements[i])
	}
	*bp = b

	var out bytes.Buffer
	out.Grow(len(b)/4 + 64)
	out.WriteByte(currentPacked)
	fw := flaters.Get().(*flate.Writer)
	defer flaters.Put(fw)
	fw.Reset(&out)
	if _, err := fw.Write(b); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// packedSize is at least the length of c packed: each length's varint
// takes at most binary.MaxVarintLen64 bytes.
func packedSize(c *current) int {
	n := 3*binary.MaxVarintLen64 + len(c.Published)
	for i := range c.Agreements {
		a := &c.Agreements[i]
		r := &a.Record
		n += (currentFields+2)*binary.MaxVarintLen64 + len(a.ID) + len(a.Since) + len(r.State) + len(r.StateName) +
			len(r.Agency) + len(r.AgencyRaw) + len(r.Type) + len(r.Model) + len(r.ModelRaw) + len(r.Signed) +
			len(r.SignedRaw) + len(r.MOAURL) + len(r.MOARaw) + len(r.MOAText)
		for k, v := range r.Extra {
			n += 2*binary.MaxVarintLen64 + len(k) + len(v)
		}
	}
	return n
}

// appendAgreement packs one agreement: the row, then currentFields
// strings, then Extra's entries in key order (a map's order is random,
// and the same list must pack to the same bytes).
func appendAgreement(b []byte, a *diff.Agreement) []byte {
	r := &a.Record
	b = binary.AppendVarint(b, int64(r.Row))
	for _, s := range [currentFields]string{a.ID, a.Since, r.State, r.StateName, r.Agency, r.AgencyRaw,
		r.Type, r.Model, r.ModelRaw, r.Signed, r.SignedRaw, r.MOAURL, r.MOARaw, r.MOAText} {
		b = appendPacked(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Extra)))
	if len(r.Extra) > 0 {
		var buf [8]string // a list's extra columns are a few
		keys := buf[:0]
		for k := range r.Extra {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendPacked(appendPacked(b, k), r.Extra[k])
		}
	}
	return b
}

func appendPacked(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeCurrent reads a value of bucketCurrent, packed or JSON.
func decodeCurrent(raw []byte, c *current) error {
	if len(raw) == 0 || raw[0] != currentPacked {
		return decodeJSON(raw, c)
	}
	plain, err := inflate(raw[1:])
	if err != nil {
		return fmt.Errorf("inflate: %w", err)
	}
	// One string holds every field: the agreements are kept and
	// dropped together, and a string per field cost an allocation each.
	d := packReader{s: string(plain)}
	c.SnapshotID = d.uvarint()
	c.Published = d.str()
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)) { // an agreement takes at least a byte
		return errPacked
	}
	c.Agreements = make([]diff.Agreement, n)
	for i := range c.Agreements {
		d.agreement(&c.Agreements[i])
		if d.err != nil {
			return fmt.Errorf("agreement %d: %w", i, d.err)
		}
	}
	if len(d.s) != 0 {
		return fmt.Errorf("%d bytes after the agreements: %w", len(d.s), errPacked)
	}
	return nil
}

var errPacked = errors.New("packed current agreements cut short or corrupt")

// packReader reads what appendAgreement wrote; err is set (and sticks)
// at the first field that does not fit.
type packReader struct {
	s   string
	err error
}

func (d *packReader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var n uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		n |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			d.s = d.s[i+1:]
			return n
		}
	}
	d.err = errPacked
	return 0
}

func (d *packReader) str() string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)) {
		d.err = errPacked
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *packReader) agreement(a *diff.Agreement) {
	u := d.uvarint()
	row := int64(u>>1) ^ -int64(u&1) // zig-zag, as binary.AppendVarint
	r := &a.Record
	r.Row = int(row)
	for _, f := range [currentFields]*string{&a.ID, &a.Since, &r.State, &r.StateName, &r.Agency, &r.AgencyRaw,
		&r.Type, &r.Model, &r.ModelRaw, &r.Signed, &r.SignedRaw, &r.MOAURL, &r.MOARaw, &r.MOAText} {
		*f = d.str()
	}
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.s)) {
		d.err = errPacked
		return
	}
	if n > 0 {
		r.Extra = make(map[string]string, n)
		for range n {
			k := d.str()
			r.Extra[k] = d.str()
		}
	}
}

// getCurrent reads a list's current agreements; ok is false when there
// are none.
func getCurrent(b *bolt.Bucket, list sheet.List, c *current) (bool, error) {
	raw := b.Get([]byte(list))
	if raw == nil {
		return false, nil
	}
	if err := decodeCurrent(raw, c); err != nil {
		return true, fmt.Errorf("decode %q: %w", list, err)
	}
	return true, nil
}
