package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// ErrCorrupt means the database file is not one bbolt can open safely:
// empty, truncated, or not a bbolt file at all. bbolt maps the file and
// trusts its meta pages, so a file cut short makes it read past the end of
// the mapping and die with SIGSEGV; Open checks first and refuses instead.
var ErrCorrupt = errors.New("not a usable watch287g database")

// bbolt's on-disk layout (go.etcd.io/bbolt v1.5, internal/common): a page
// header of 16 bytes (id u64, flags u16, count u16, overflow u32) then, on
// pages 0 and 1, the meta: magic, version, page size, flags (u32 each),
// root bucket (root pgid u64, sequence u64), freelist pgid, high-water pgid,
// txid, checksum (u64 each), in the machine's byte order. The checksum is
// FNV-64a over the meta bytes before it.
const (
	boltPageHeader  = 16
	boltMetaSize    = 64
	boltMetaSummed  = 56
	boltMagic       = 0xED0CDAED
	boltVersion     = 2
	boltMetaFlag    = 0x04
	boltMinPageSize = 512
	boltMaxPageSize = 1 << 16
)

// boltMeta is the part of a meta page checkFile needs.
type boltMeta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// parseMeta decodes and validates the meta held by page (its header and
// meta bytes).
func parseMeta(page []byte) (boltMeta, error) {
	if len(page) < boltPageHeader+boltMetaSize {
		return boltMeta{}, errors.New("meta page cut short")
	}
	e := binary.NativeEndian
	if e.Uint16(page[8:]) != boltMetaFlag {
		return boltMeta{}, errors.New("not a meta page")
	}
	m := page[boltPageHeader : boltPageHeader+boltMetaSize]
	if e.Uint32(m[0:]) != boltMagic {
		return boltMeta{}, errors.New("no bbolt magic number")
	}
	if v := e.Uint32(m[4:]); v != boltVersion {
		return boltMeta{}, fmt.Errorf("bbolt format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaSummed])
	if h.Sum64() != e.Uint64(m[boltMetaSummed:]) {
		return boltMeta{}, errors.New("meta checksum mismatch")
	}
	meta := boltMeta{
		pageSize: e.Uint32(m[8:]),
		root:     e.Uint64(m[16:]),
		freelist: e.Uint64(m[32:]),
		pgid:     e.Uint64(m[40:]),
		txid:     e.Uint64(m[48:]),
	}
	if meta.pageSize < boltMinPageSize || meta.pageSize > boltMaxPageSize || meta.pageSize&(meta.pageSize-1) != 0 {
		return boltMeta{}, fmt.Errorf("page size %d", meta.pageSize)
	}
	if meta.root >= meta.pgid || meta.pgid < 4 {
		return boltMeta{}, fmt.Errorf("root page %d beyond the %d pages in use", meta.root, meta.pgid)
	}
	return meta, nil
}

// checkFile reports whether path may be handed to bbolt. A file that does
// not exist is fine (Open creates it). An existing file must be a complete
// bbolt file: at least one valid meta page, and every page its metas
// claim present. An existing empty file is refused too: bbolt would
// silently initialise it, turning a database lost to a bad copy into a
// fresh empty store that then starts announcing every agreement again.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return fmt.Errorf("%w: the file is empty; not a watch287g database (remove it to start afresh)", ErrCorrupt)
	}
	// Meta 0 is at offset 0; meta 1 one page later, at its page size.
	first := make([]byte, boltPageHeader+boltMetaSize)
	if _, err := f.ReadAt(first, 0); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	var metas []boltMeta
	var why error
	m0, err0 := parseMeta(first)
	if err0 == nil {
		metas = append(metas, m0)
	}
	why = err0
	// Meta 1 sits one page in; without a valid meta 0, try every page size.
	sizes := []uint32{m0.pageSize}
	if err0 != nil {
		sizes = sizes[:0]
		for ps := uint32(boltMinPageSize); ps <= boltMaxPageSize; ps *= 2 {
			sizes = append(sizes, ps)
		}
	}
	for _, ps := range sizes {
		second := make([]byte, boltPageHeader+boltMetaSize)
		if n, err := f.ReadAt(second, int64(ps)); err != nil && !(errors.Is(err, io.EOF) && n == len(second)) {
			continue
		}
		if m1, err := parseMeta(second); err == nil && (err0 != nil || m1.pageSize == ps) {
			metas = append(metas, m1)
			break
		} else if why == nil {
			why = err
		}
	}
	// Stat again: a running writer grows the file before it writes the
	// meta that claims the new pages, so the size read now covers them.
	if fi, err = f.Stat(); err != nil {
		return err
	}
	size = fi.Size()
	if len(metas) == 0 {
		return fmt.Errorf("%w: %d bytes with no valid bbolt meta page (%v)", ErrCorrupt, size, why)
	}
	for _, m := range metas {
		if size%int64(m.pageSize) != 0 {
			return fmt.Errorf("%w: %d bytes is not a whole number of %d-byte pages (truncated?)", ErrCorrupt, size, m.pageSize)
		}
		if have := uint64(size) / uint64(m.pageSize); m.pgid > have {
			return fmt.Errorf("%w: truncated: transaction %d uses %d pages of %d bytes, the file holds %d", ErrCorrupt, m.txid, m.pgid, m.pageSize, have)
		}
	}
	return nil
}
