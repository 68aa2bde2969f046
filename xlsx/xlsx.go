// Package xlsx is a small, streaming, allocation-light reader of xlsx
// worksheets: cell values, shared strings (rich text included), hyperlinks
// and the workbook facts a reader needs (sheet names and order, the 1904
// date system). It exists because general libraries built on encoding/xml
// take ten times longer on ICE's largest file than a watcher should spend.
//
// Everything it reads is untrusted: it enforces caps on the file, on each
// part's declared and actual uncompressed size and on the archive's total,
// so a zip bomb is refused before it is inflated, and it never panics.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
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
// uncompressed; the caps leave room for years of growth while keeping a
// hostile file from costing more than a few hundred megabytes.
const (
	// DefaultMaxFileSize caps the compressed file.
	DefaultMaxFileSize int64 = 32 << 20
	// DefaultMaxPartSize caps one part's uncompressed size.
	DefaultMaxPartSize int64 = 64 << 20
	// DefaultMaxTotalSize caps the sum of all parts' uncompressed sizes.
	DefaultMaxTotalSize int64 = 256 << 20
	// DefaultMaxRatio caps the archive's overall compression ratio once
	// its uncompressed total passes ratioFloor: spreadsheets compress
	// about 5-20×, zip bombs hundreds of times.
	DefaultMaxRatio int64 = 100
)

// ratioFloor is the uncompressed total below which the ratio is not
// checked: a tiny, very repetitive workbook is harmless.
const ratioFloor = 8 << 20

// Limits are the caps Open enforces. A zero field takes its default.
type Limits struct {
	MaxFileSize  int64
	MaxPartSize  int64
	MaxTotalSize int64
	MaxRatio     int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultMaxFileSize
	}
	if l.MaxPartSize <= 0 {
		l.MaxPartSize = DefaultMaxPartSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = DefaultMaxRatio
	}
	return l
}

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
}

// Open reads a workbook held in memory with the given limits (zero value:
// defaults).
func Open(b []byte, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxFileSize {
		return nil, fmt.Errorf("xlsx: file is %d bytes, cap %d: %w", len(b), lim.MaxFileSize, ErrTooLarge)
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
			return nil, fmt.Errorf("xlsx: declared uncompressed size over %d bytes: %w", lim.MaxTotalSize, ErrTooLarge)
		}
		wb.files[strings.TrimPrefix(f.Name, "/")] = f
	}
	if total > ratioFloor && total > uint64(lim.MaxRatio)*uint64(len(b)) {
		return nil, fmt.Errorf("xlsx: %d bytes unpack to %d: %w", len(b), total, ErrTooLarge)
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
	if err := wb.readSharedStrings(sstPart); err != nil {
		return nil, err
	}
	return wb, nil
}

// readPart inflates one part, enforcing the part cap on the declared size
// and on the bytes actually read. A missing part is ("", false, nil).
func (wb *Workbook) readPart(name string) (string, bool, error) {
	f, ok := wb.files[name]
	if !ok {
		return "", false, nil
	}
	if f.UncompressedSize64 > uint64(wb.limits.MaxPartSize) {
		return "", false, fmt.Errorf("xlsx: %s declares %d bytes, cap %d: %w", name, f.UncompressedSize64, wb.limits.MaxPartSize, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return "", false, fmt.Errorf("xlsx: open %s: %v: %w", name, err, ErrNotXLSX)
	}
	defer rc.Close()
	// archive/zip already refuses more bytes than declared; the limit
	// reader is the second wall in case a declared size is ever trusted
	// elsewhere.
	buf := bytes.NewBuffer(make([]byte, 0, int(f.UncompressedSize64)+bytes.MinRead))
	n, err := buf.ReadFrom(io.LimitReader(rc, wb.limits.MaxPartSize+1))
	if err != nil {
		return "", false, fmt.Errorf("xlsx: read %s: %v: %w", name, err, ErrNotXLSX)
	}
	if n > wb.limits.MaxPartSize {
		return "", false, fmt.Errorf("xlsx: %s inflates past %d bytes: %w", name, wb.limits.MaxPartSize, ErrTooLarge)
	}
	return buf.String(), true, nil
}

type rel struct {
	id, typ, target, mode string
}

// rels reads a relationships part; a missing part has no relationships.
func (wb *Workbook) rels(name string) ([]rel, error) {
	s, ok, err := wb.readPart(name)
	if err != nil || !ok {
		return nil, err
	}
	var out []rel
	sc := scanner{s: s}
	for {
		t, ok := sc.next()
		if !ok {
			return nil, fmt.Errorf("xlsx: %s: malformed XML: %w", name, ErrNotXLSX)
		}
		if t.kind == tokEOF {
			return out, nil
		}
		if t.kind == tokStart && t.name == "Relationship" {
			var r rel
			r.id, _ = attr(t.attrs, "Id")
			r.typ, _ = attr(t.attrs, "Type")
			r.target, _ = attr(t.attrs, "Target")
			r.mode, _ = attr(t.attrs, "TargetMode")
			out = append(out, r)
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
// two allocations, not one per item.
func (wb *Workbook) readSharedStrings(part string) error {
	s, ok, err := wb.readPart(part)
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
	buf.Grow(len(s) / 4)
	sc := scanner{s: s}
	start := 0
	for {
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
				if t.selfClose {
					spans = append(spans, [2]int{buf.Len(), buf.Len()})
					continue
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
					item := buf.String()[start:]
					if strings.Contains(item, "_x") {
						// The builder only grows: append the decoded form
						// and point the item at it.
						dec := unescapeOOXML(item)
						start = buf.Len()
						buf.WriteString(dec)
					}
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
					buf.WriteString(decodeText(t.text))
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

// SharedStrings returns the number of shared strings, for tests.
func (wb *Workbook) SharedStrings() int { return len(wb.strings) }
