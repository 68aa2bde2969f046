// Package xlsx is a small, streaming, allocation-light reader of xlsx
// worksheets: cell values, shared strings (rich text included), hyperlinks
// and the workbook facts a reader needs (sheet names and order, the 1904
// date system). It exists because general libraries built on encoding/xml
// take ten times longer on ICE's largest file than a watcher should spend.
//
// Everything it reads is untrusted: it enforces caps on the file, on each
// part's declared and actual uncompressed size and on the archive's total,
// so a zip bomb is refused before it is inflated; on a worksheet's rows,
// cells, columns and hyperlinks and on the shared strings, so a small file
// of millions of empty elements is refused after a few milliseconds (see
// Limits and LimitError). Its loops honour a context, and it never panics.
package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Errors Open and Sheet return. Callers test with errors.Is.
var (
	// ErrNotXLSX means the bytes are not an xlsx workbook: not a zip, a
	// truncated or corrupt zip, or a zip without a workbook part.
	ErrNotXLSX = errors.New("not an xlsx workbook")
	// ErrTooLarge means the file, one of its parts or the archive's total
	// uncompressed size is over a cap.
	ErrTooLarge = errors.New("xlsx too large")
)

// Default caps. ICE's largest file is 0.4 MB compressed and 1.4 MB
// uncompressed, with one worksheet of 1,510 rows, 13 columns, 12,080 cell
// elements and 1,965 shared strings (90 KB). The caps leave room for years
// of growth (30-500×) while keeping a hostile file from costing more than
// 256 MB and a few seconds: the file and one inflated part are held in
// memory, every stored cell costs about 60 bytes and every record read
// from a row a few hundred (a sheet at both the rows and the cells cap,
// every row with warnings, peaks at about 110 MB in sheet.Parse).
const (
	// DefaultMaxFileSize caps the compressed file.
	DefaultMaxFileSize int64 = 32 << 20
	// DefaultMaxPartSize caps one part's uncompressed size.
	DefaultMaxPartSize int64 = 64 << 20
	// DefaultMaxTotalSize caps the sum of all parts' uncompressed sizes,
	// and the bytes inflated while reading a workbook (a part read twice
	// counts twice).
	DefaultMaxTotalSize int64 = 256 << 20
	// DefaultMaxRatio caps the archive's overall compression ratio once
	// its uncompressed total passes ratioFloor: spreadsheets compress
	// about 5-20×, zip bombs hundreds of times.
	DefaultMaxRatio int64 = 100
	// DefaultMaxRows caps the rows of one worksheet, empty ones included:
	// each costs time to read even when it stores nothing, and each row
	// with a value becomes a record downstream.
	DefaultMaxRows int64 = 50_000
	// DefaultMaxCells caps the cell elements of one worksheet, empty
	// (styled) ones included. A four-byte <c/> costs nothing to store but
	// time to read; the cap bounds both, at 40× ICE's largest sheet.
	DefaultMaxCells int64 = 500_000
	// DefaultMaxColumns caps the highest column a cell may name (ICE uses
	// 13; Excel allows 16,384). Readers downstream lay rows out by column.
	DefaultMaxColumns int64 = 1024
	// DefaultMaxHyperlinks caps the hyperlinks of one worksheet (ICE's
	// files have one per agreement, 1,500 at most).
	DefaultMaxHyperlinks int64 = 100_000
	// DefaultMaxSheets caps the worksheets a workbook lists (ICE's have
	// one or two): a reader looks through them for the list.
	DefaultMaxSheets int64 = 100
	// DefaultMaxSharedStrings caps the shared string table's items: an
	// empty <si/> is five bytes, so 12 million fit in a 60 MB part.
	DefaultMaxSharedStrings int64 = 1_000_000
	// DefaultMaxSharedStringBytes caps the decoded text of all shared
	// strings together.
	DefaultMaxSharedStringBytes int64 = 32 << 20
)

// ctxEvery+1 is how many XML tokens a reading loop handles between checks
// of its context: about a millisecond of work.
const ctxEvery = 1<<12 - 1

// ratioFloor is the uncompressed total below which the ratio is not
// checked: a tiny, very repetitive workbook is harmless.
const ratioFloor = 8 << 20

// Limits are the caps Open enforces. A zero field takes its default.
type Limits struct {
	MaxFileSize          int64
	MaxPartSize          int64
	MaxTotalSize         int64
	MaxRatio             int64
	MaxRows              int64
	MaxCells             int64
	MaxColumns           int64
	MaxHyperlinks        int64
	MaxSheets            int64
	MaxSharedStrings     int64
	MaxSharedStringBytes int64
}

func (l Limits) withDefaults() Limits {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&l.MaxFileSize, DefaultMaxFileSize)
	def(&l.MaxPartSize, DefaultMaxPartSize)
	def(&l.MaxTotalSize, DefaultMaxTotalSize)
	def(&l.MaxRatio, DefaultMaxRatio)
	def(&l.MaxRows, DefaultMaxRows)
	def(&l.MaxCells, DefaultMaxCells)
	def(&l.MaxColumns, DefaultMaxColumns)
	def(&l.MaxHyperlinks, DefaultMaxHyperlinks)
	def(&l.MaxSheets, DefaultMaxSheets)
	def(&l.MaxSharedStrings, DefaultMaxSharedStrings)
	def(&l.MaxSharedStringBytes, DefaultMaxSharedStringBytes)
	return l
}

// LimitError is the error for a workbook over one of the Limits: it names
// the cap that was hit, so an operator can tell a hostile file from a list
// that outgrew a cap. It wraps ErrTooLarge.
type LimitError struct {
	// Where is the part or sheet the cap was hit in ("sheet \"Sheet1\"",
	// "xl/sharedStrings.xml"), empty for the file as a whole.
	Where string
	// What names the cap: "file bytes", "part bytes", "total bytes",
	// "total bytes read", "compression ratio", "sheets", "relationships",
	// "rows", "cells", "columns", "hyperlinks",
	// "shared strings" or "shared string bytes".
	What string
	// Limit is the cap's value.
	Limit int64
}

// Error says which cap was hit, and where.
func (e *LimitError) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("xlsx: %s over the cap of %d", e.What, e.Limit)
	}
	return fmt.Sprintf("xlsx: %s: %s over the cap of %d", e.Where, e.What, e.Limit)
}

// Unwrap makes errors.Is(err, ErrTooLarge) hold.
func (e *LimitError) Unwrap() error { return ErrTooLarge }

// SheetInfo names one worksheet in workbook order.
type SheetInfo struct {
	// Name is the tab name.
	Name string
	// Part is the worksheet's path inside the zip ("xl/worksheets/sheet1.xml").
	Part string
	// Hidden is true for sheets with state hidden or veryHidden.
	Hidden bool
}

// Workbook is an opened xlsx file. It holds the shared strings; worksheets
// are read on demand with Sheet.
type Workbook struct {
	// Sheets lists the worksheets in workbook order.
	Sheets []SheetInfo
	// Date1904 is true when the workbook counts date serials from 1904.
	Date1904 bool

	files   map[string]*zip.File
	limits  Limits
	strings []string
	// inflated counts the bytes readPart has inflated, the same part
	// counted each time: a workbook that lists one big sheet a thousand
	// times must not be read a thousand times.
	inflated atomic.Int64
}

// Open reads a workbook held in memory with the given limits (zero value:
// defaults).
func Open(b []byte, lim Limits) (*Workbook, error) {
	return OpenContext(context.Background(), b, lim)
}

// OpenContext is Open that gives up, with ctx's error, when ctx is done.
func OpenContext(ctx context.Context, b []byte, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxFileSize {
		return nil, &LimitError{What: "file bytes", Limit: lim.MaxFileSize}
	}
	if !bytes.HasPrefix(b, []byte("PK")) {
		return nil, fmt.Errorf("xlsx: no zip signature: %w", ErrNotXLSX)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("xlsx: open zip: %v: %w", err, ErrNotXLSX)
	}
	wb := &Workbook{files: make(map[string]*zip.File, len(zr.File)), limits: lim}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > uint64(lim.MaxTotalSize) || total > uint64(lim.MaxTotalSize) {
			return nil, &LimitError{What: "total bytes", Limit: lim.MaxTotalSize}
		}
		wb.files[strings.TrimPrefix(f.Name, "/")] = f
	}
	if total > ratioFloor && total > uint64(lim.MaxRatio)*uint64(len(b)) {
		return nil, &LimitError{What: "compression ratio", Limit: lim.MaxRatio}
	}

	wbPart := "xl/workbook.xml"
	if rels, err := wb.rels("_rels/.rels"); err != nil {
		return nil, err
	} else {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbPart = resolve("", r.target)
				break
			}
		}
	}
	if _, ok := wb.files[wbPart]; !ok {
		return nil, fmt.Errorf("xlsx: no workbook part %s: %w", wbPart, ErrNotXLSX)
	}
	rels, err := wb.rels(relsPath(wbPart))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]string, len(rels))
	sstPart := ""
	for _, r := range rels {
		byID[r.id] = resolve(path.Dir(wbPart), r.target)
		if strings.HasSuffix(r.typ, "/sharedStrings") {
			sstPart = byID[r.id]
		}
	}
	if err := wb.readWorkbook(wbPart, byID); err != nil {
		return nil, err
	}
	if sstPart == "" {
		sstPart = path.Join(path.Dir(wbPart), "sharedStrings.xml")
	}
	if err := wb.readSharedStrings(ctx, sstPart); err != nil {
		return nil, err
	}
	return wb, nil
}

// readPart inflates one part into memory of its own, enforcing the part
// cap on the declared size and on the bytes actually read. A missing part
// is ("", false, nil).
func (wb *Workbook) readPart(name string) (string, bool, error) {
	return wb.readPartInto(name, nil)
}

// readPartInto is readPart inflating into *into (grown as needed, and left
// holding the part) when into is not nil: memory a caller reuses from one
// workbook to the next. The string then lives only until *into is reused,
// so nothing that outlives the caller may point into it (see detach).
func (wb *Workbook) readPartInto(name string, into *[]byte) (string, bool, error) {
	f, ok := wb.files[name]
	if !ok {
		return "", false, nil
	}
	if f.UncompressedSize64 > uint64(wb.limits.MaxPartSize) {
		return "", false, &LimitError{Where: name, What: "part bytes", Limit: wb.limits.MaxPartSize}
	}
	rc, err := f.Open()
	if err != nil {
		return "", false, fmt.Errorf("xlsx: open %s: %v: %w", name, err, ErrNotXLSX)
	}
	defer rc.Close()
	// archive/zip already refuses more bytes than declared; the limit
	// reader is the second wall in case a declared size is ever trusted
	// elsewhere.
	if wb.inflated.Load()+int64(f.UncompressedSize64) > wb.limits.MaxTotalSize {
		return "", false, &LimitError{Where: name, What: "total bytes read", Limit: wb.limits.MaxTotalSize}
	}
	// Inflated straight into a buffer of the declared size (capped above),
	// with room for the read that sees the end: no copy through io.Copy's
	// 32 KB buffer and no regrowth.
	var buf *bytes.Buffer
	if into != nil {
		buf = bytes.NewBuffer((*into)[:0])
	} else {
		buf = new(bytes.Buffer)
	}
	buf.Grow(int(f.UncompressedSize64) + bytes.MinRead)
	n, err := buf.ReadFrom(io.LimitReader(rc, wb.limits.MaxPartSize+1))
	if into != nil {
		*into = buf.Bytes()
	}
	if err != nil {
		return "", false, fmt.Errorf("xlsx: read %s: %v: %w", name, err, ErrNotXLSX)
	}
	if n > wb.limits.MaxPartSize {
		return "", false, &LimitError{Where: name, What: "part bytes", Limit: wb.limits.MaxPartSize}
	}
	if wb.inflated.Add(n) > wb.limits.MaxTotalSize {
		return "", false, &LimitError{Where: name, What: "total bytes read", Limit: wb.limits.MaxTotalSize}
	}
	// The bytes are not written again while the string is in use (never,
	// without into), so they can be the part's string without the copy
	// string(b) would make (strings.Builder does the same).
	b := buf.Bytes()
	return unsafe.String(unsafe.SliceData(b), len(b)), true, nil
}

// scratch is the memory parts are inflated into while they are read, kept
// from one workbook to the next: a worksheet and its relationships are
// 0.1-2 MB, a quarter of the bytes a parse allocated, and zeroing and
// collecting them a tenth of its time (issue 12). Only the worksheet, its
// relationships and the shared strings part use it; their readers copy
// what they keep (detach).
type scratch struct {
	part, rels []byte
	// cells is a sheet's first chunk of cells, handed back by Release.
	cells []Cell
	// spans are the shared strings' places in their decoded text.
	spans [][2]int
}

// maxScratch is the largest buffer kept between workbooks: ICE's largest
// part is 1.4 MB; a hostile 64 MB one is not held after its read.
const maxScratch = 8 << 20

// spare holds the scratch between reads. A read takes it (a concurrent one
// starts its own) and puts it back when done, so the import, which reads
// its lists one after another, reuses the same memory throughout.
var spare atomic.Pointer[scratch]

func takeScratch() *scratch {
	if s := spare.Swap(nil); s != nil {
		return s
	}
	return new(scratch)
}

// keepScratch puts s back for the next read. The caller must hold no
// string that points into it.
func keepScratch(s *scratch) {
	if cap(s.part) > maxScratch {
		s.part = nil
	}
	if cap(s.rels) > maxScratch {
		s.rels = nil
	}
	if cap(s.cells)*int(unsafe.Sizeof(Cell{})) > maxScratch {
		s.cells = nil
	}
	if cap(s.spans)*int(unsafe.Sizeof([2]int{})) > maxScratch {
		s.spans = nil
	}
	spare.Store(s)
}

// span is the address range of a buffer's memory, to tell which strings
// point into it.
type span struct{ lo, hi uintptr }

func spanOf(b []byte) span {
	if cap(b) == 0 {
		return span{}
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b[:1])))
	return span{lo, lo + uintptr(cap(b))}
}

// holds reports whether s points into the span. Comparing addresses is
// sound: Go's heap does not move.
func (sp span) holds(s string) bool {
	if len(s) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= sp.lo && p < sp.hi
}

// arena hands out copies of strings from one allocation of a size counted
// beforehand, so a copy never moves.
type arena []byte

func (a *arena) copy(s string) string {
	k := len(*a)
	*a = append(*a, s...)
	return unsafe.String(&(*a)[k], len(s))
}

type rel struct {
	id, typ, target, mode string
}

// rels reads a relationships part; a missing part has no relationships.
func (wb *Workbook) rels(name string) ([]rel, error) {
	var out []rel
	if err := wb.eachRel(name, nil, func(r rel) { out = append(out, r) }); err != nil {
		return nil, err
	}
	return out, nil
}

// eachRel calls fn with each relationship of a part, in order, so that a
// reader that wants them in another form (a worksheet's hyperlink targets
// by id) builds no list first. A missing part has no relationships. The
// part is inflated into *into, when not nil (see readPartInto).
func (wb *Workbook) eachRel(name string, into *[]byte, fn func(rel)) error {
	s, ok, err := wb.readPartInto(name, into)
	if err != nil || !ok {
		return err
	}
	// A worksheet's relationships are mostly its hyperlinks.
	maxRels := wb.limits.MaxHyperlinks + wb.limits.MaxSheets + 64
	var n int64
	sc := scanner{s: s}
	for {
		t, ok := sc.next()
		if !ok {
			return fmt.Errorf("xlsx: %s: malformed XML: %w", name, ErrNotXLSX)
		}
		if t.kind == tokEOF {
			return nil
		}
		if t.kind == tokStart && t.name == "Relationship" {
			r := relOf(t.attrs)
			if n >= maxRels {
				return &LimitError{Where: name, What: "relationships", Limit: maxRels}
			}
			n++
			fn(r)
		}
	}
}

// relOf reads a Relationship's attributes in one pass (a worksheet's
// relationships part is mostly long hyperlink targets), each the first of
// its name, as attr would.
func relOf(attrs string) rel {
	var r rel
	var seen [4]bool
	it := attrIter{s: attrs}
	for {
		key, val, ok := it.next()
		if !ok {
			return r
		}
		var k int
		var dst *string
		switch localName(key) {
		case "Id":
			k, dst = 0, &r.id
		case "Type":
			k, dst = 1, &r.typ
		case "Target":
			k, dst = 2, &r.target
		case "TargetMode":
			k, dst = 3, &r.mode
		default:
			continue
		}
		if !seen[k] {
			seen[k], *dst = true, decodeText(val)
		}
	}
}

// relsPath is where the relationships of part live.
func relsPath(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

// resolve turns a relationship target into a zip entry name.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(dir, target), "/")
}

func (wb *Workbook) readWorkbook(part string, byID map[string]string) error {
	s, _, err := wb.readPart(part)
	if err != nil {
		return err
	}
	sc := scanner{s: s}
	for {
		t, ok := sc.next()
		if !ok {
			return fmt.Errorf("xlsx: %s: malformed XML: %w", part, ErrNotXLSX)
		}
		if t.kind == tokEOF {
			break
		}
		if t.kind != tokStart {
			continue
		}
		switch t.name {
		case "workbookPr":
			v, _ := attr(t.attrs, "date1904")
			wb.Date1904 = v == "1" || v == "true"
		case "sheet":
			name, _ := attr(t.attrs, "name")
			id, _ := attr(t.attrs, "id")
			state, _ := attr(t.attrs, "state")
			target, ok := byID[id]
			if !ok {
				continue // a chartsheet or a dangling entry: nothing to read
			}
			if int64(len(wb.Sheets)) >= wb.limits.MaxSheets {
				return &LimitError{Where: part, What: "sheets", Limit: wb.limits.MaxSheets}
			}
			wb.Sheets = append(wb.Sheets, SheetInfo{Name: name, Part: target, Hidden: state == "hidden" || state == "veryHidden"})
		}
	}
	if len(wb.Sheets) == 0 {
		return fmt.Errorf("xlsx: %s lists no worksheet: %w", part, ErrNotXLSX)
	}
	return nil
}

// readSharedStrings loads the shared string table. Each item's text is
// its <t> plus the <t> of every rich-text run <r>; phonetic runs <rPh> are
// not part of the value. All items live in one string so the table costs
// two allocations, not one per item. The item count and the decoded bytes
// are capped (an empty <si/> is five bytes of XML but 32 bytes of table).
func (wb *Workbook) readSharedStrings(ctx context.Context, part string) error {
	// The table is decoded into a buffer of its own, so the part can be
	// inflated into scratch.
	mem := takeScratch()
	defer keepScratch(mem)
	s, ok, err := wb.readPartInto(part, &mem.part)
	if err != nil || !ok {
		return err
	}
	var (
		buf   strings.Builder
		spans [][2]int
		depth int // inside <si>
		inT   bool
		skipT int // inside <rPh>
	)
	buf.Grow(min(len(s)/4, 4<<20)) // a hostile part must not reserve its cap up front
	// The spans are scratch too: kept from one workbook to the next,
	// they grow to the largest table read and are not allocated again.
	spans = mem.spans[:0]
	defer func() { mem.spans = spans[:0] }()
	sc := scanner{s: s}
	start := 0
	maxItems, maxBytes := int(wb.limits.MaxSharedStrings), int(wb.limits.MaxSharedStringBytes)
	for n := 0; ; n++ {
		if n&ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("xlsx: %s: %w", part, err)
			}
		}
		if buf.Len() > maxBytes {
			return &LimitError{Where: part, What: "shared string bytes", Limit: wb.limits.MaxSharedStringBytes}
		}
		t, ok := sc.next()
		if !ok {
			return fmt.Errorf("xlsx: %s: malformed XML: %w", part, ErrNotXLSX)
		}
		if t.kind == tokEOF {
			break
		}
		switch t.kind {
		case tokStart:
			switch t.name {
			case "si":
				if len(spans) >= maxItems {
					return &LimitError{Where: part, What: "shared strings", Limit: wb.limits.MaxSharedStrings}
				}
				if t.selfClose {
					spans = append(spans, [2]int{buf.Len(), buf.Len()})
					continue
				}
				if skipT == 0 && !tokensOnly {
					// Most items are <si><t>text</t></si>: read them here,
					// in one step rather than four tokens.
					if text, n, ok := simpleItem(sc.s[sc.i:]); ok {
						sc.i += n
						start = buf.Len()
						decodeInto(&buf, text)
						start = finishItem(&buf, start)
						spans = append(spans, [2]int{start, buf.Len()})
						depth, inT = 0, false // as after </t></si>
						continue
					}
				}
				depth = 1
				start = buf.Len()
			case "rPh":
				if !t.selfClose {
					skipT++
				}
			case "t":
				inT = depth > 0 && skipT == 0 && !t.selfClose
			}
		case tokEnd:
			switch t.name {
			case "si":
				if depth > 0 {
					start = finishItem(&buf, start)
					spans = append(spans, [2]int{start, buf.Len()})
				}
				depth = 0
			case "rPh":
				if skipT > 0 {
					skipT--
				}
			case "t":
				inT = false
			}
		case tokText:
			if inT {
				if t.cdata {
					buf.WriteString(t.text)
				} else {
					decodeInto(&buf, t.text)
				}
			}
		}
	}
	all := buf.String()
	wb.strings = make([]string, len(spans))
	for i, sp := range spans {
		wb.strings[i] = all[sp[0]:sp[1]]
	}
	return nil
}

// finishItem decodes the _xHHHH_ escapes of the shared string item that
// starts at start in buf, and returns where its final form starts: the
// builder only grows, so a decoded form is appended and the item points at
// it.
func finishItem(buf *strings.Builder, start int) int {
	item := buf.String()[start:]
	if !strings.Contains(item, "_x") {
		return start
	}
	dec := unescapeOOXML(item)
	start = buf.Len()
	buf.WriteString(dec)
	return start
}

// simpleItem matches rest, the XML after an <si> tag, against
// <t>text</t></si> (the <t> perhaps with xml:space="preserve", which
// changes nothing here), and returns the text (undecoded) and the bytes
// matched. Anything else is left to the tokens.
func simpleItem(rest string) (text string, n int, ok bool) {
	open := 0
	switch {
	case strings.HasPrefix(rest, "<t>"):
		open = len("<t>")
	case strings.HasPrefix(rest, `<t xml:space="preserve">`):
		open = len(`<t xml:space="preserve">`)
	default:
		return "", 0, false
	}
	k := indexByte(rest[open:], '<')
	if k < 0 || !strings.HasPrefix(rest[open+k:], "</t></si>") {
		return "", 0, false
	}
	return rest[open : open+k], open + k + len("</t></si>"), true
}

// SharedStrings returns the number of shared strings, for tests.
func (wb *Workbook) SharedStrings() int { return len(wb.strings) }
