package xlsx

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// Cell types as written in a cell's t attribute. A cell without one is a
// number.
const (
	TypeNumber       = "n"
	TypeShared       = "s"
	TypeInlineString = "inlineStr"
	TypeFormulaStr   = "str"
	TypeBool         = "b"
	TypeError        = "e"
	TypeDate         = "d"
)

// Cell is one cell with a value. Cells without one (styled empty cells,
// and values that resolve to nothing) are not kept: a hostile sheet of
// millions of them must cost nothing to hold. A hyperlink on such a cell
// is still listed in Sheet.Links.
type Cell struct {
	// Col is the 1-based column (A is 1).
	Col int
	// Type is the cell's t attribute (TypeNumber when absent).
	Type string
	// Value is the cell's text: the shared or inline string, or the
	// stored value of a number, boolean, error or formula result, as
	// written (no number formatting applied).
	Value string
	// Link is the hyperlink's target: an external address from the
	// sheet's relationships, or the in-workbook location when the link
	// has no relationship.
	Link string
}

// Row is one worksheet row with at least one cell that has a value.
type Row struct {
	// Num is the 1-based row number.
	Num   int
	Cells []Cell
}

// Hyperlink is one <hyperlink> of a worksheet, resolved.
type Hyperlink struct {
	// Ref is the cell or range the link covers ("G2", "G2:G5").
	Ref string
	// Target is the external address (relationship target), if any.
	Target string
	// Location is the in-workbook location, if any.
	Location string
}

// Sheet is one worksheet's content.
type Sheet struct {
	Name  string
	Rows  []Row
	Links []Hyperlink

	// first is the first chunk of cells, which Release hands back.
	first []Cell
}

// Release hands the sheet's cell memory back for the next read (a list's
// cells are a quarter of the bytes a parse allocates) and empties the
// sheet. A caller that is done with the sheet's cells may call it; nothing
// may use the sheet's Rows or Cells (strings taken from them may be kept)
// afterwards.
func (sh *Sheet) Release() {
	first := sh.first
	sh.Rows, sh.first = nil, nil
	if first == nil || cap(first)*int(unsafe.Sizeof(Cell{})) > maxScratch {
		return
	}
	mem := takeScratch()
	if cap(first) > cap(mem.cells) {
		// Cleared, so that the kept memory holds no strings of this list.
		clear(first[:cap(first)])
		mem.cells = first[:0]
	}
	keepScratch(mem)
}

// The bounds of Excel's own grid, 1,048,576 × 16,384: a reference past
// them is malformed, whatever the Limits allow.
const (
	maxRow = 1 << 20
	maxCol = 1 << 14
)

// Sheet reads worksheet i (an index into Sheets) in one pass over its XML.
func (wb *Workbook) Sheet(i int) (*Sheet, error) {
	return wb.SheetContext(context.Background(), i)
}

// SheetContext is Sheet that gives up, with ctx's error, when ctx is done.
// It refuses a sheet over the rows, cells, columns or hyperlinks caps with
// a *LimitError.
func (wb *Workbook) SheetContext(ctx context.Context, i int) (*Sheet, error) {
	if i < 0 || i >= len(wb.Sheets) {
		return nil, fmt.Errorf("xlsx: no sheet %d", i)
	}
	info := wb.Sheets[i]
	// The part and its relationships are inflated into scratch; what the
	// sheet keeps of them is copied out before it is returned (detach).
	mem := takeScratch()
	defer keepScratch(mem)
	s, ok, err := wb.readPartInto(info.Part, &mem.part)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("xlsx: sheet %q: missing part %s: %w", info.Name, info.Part, ErrNotXLSX)
	}
	sh := &Sheet{Name: info.Name}
	where := fmt.Sprintf("sheet %q", info.Name)
	lim := wb.limits
	// Only cells with a value are kept. ICE's sheets spend 45-90 bytes of
	// XML on one; counting <v> elements instead took two passes over the
	// part. The hint is capped so that a part of empty cells reserves
	// little; a bigger sheet grows the slice.
	hint := min(int64(len(s)/64), 1<<16, lim.MaxCells)
	cells := mem.cells[:0]
	mem.cells = nil
	if int64(cap(cells)) < hint+1 {
		cells = make([]Cell, 0, hint+1)
	}
	sh.first = cells
	var (
		sc       = scanner{s: s}
		rowNum   int
		col      int
		nRows    int64 // rows seen, empty ones included
		nCells   int64 // cell elements seen, empty ones included
		rowStart = -1
		cell     Cell
		inCell   bool
		valStart bool // inside <v>
		inIS     int  // inside <is>
		inT      bool
		skipT    int // inside <rPh>
		val      strings.Builder
		hasVal   bool
		simple   string // the value when it came as one undecoded text
		pieces   int
		// The sheet's hyperlinks, each with its relationship id in
		// Target until the relationships are read.
		links []Hyperlink
	)
	// Cells go into chunks: a full chunk is not copied to a bigger one;
	// the next chunk starts with the cells of the row being read, so that
	// each row's cells stay one slice.
	addCell := func(c Cell) {
		if len(cells) == cap(cells) {
			var row []Cell // none for a cell outside a row (malformed XML)
			if rowStart >= 0 {
				row, rowStart = cells[rowStart:], 0
			}
			cells = append(make([]Cell, 0, max(cap(cells), 2*len(row), 256)), row...)
		}
		cells = append(cells, c)
	}
	flushRow := func() {
		if rowStart >= 0 && len(cells) > rowStart {
			sh.Rows = append(sh.Rows, Row{Num: rowNum, Cells: cells[rowStart:len(cells):len(cells)]})
		}
		rowStart = -1
	}
	addText := func(t token) {
		text := t.text
		if !t.cdata {
			text = decodeText(text)
		}
		pieces++
		if pieces == 1 {
			simple = text
		} else {
			if pieces == 2 {
				val.Reset()
				val.WriteString(simple)
			}
			val.WriteString(text)
		}
		hasVal = true
	}
	newRow := func() error {
		if nRows++; nRows > lim.MaxRows {
			return &LimitError{Where: where, What: "rows", Limit: lim.MaxRows}
		}
		return nil
	}
	// startCell is what a cell's start tag does, from its r and t
	// attributes (as cellAttrs reads them).
	startCell := func(r string, hasR bool, typ string, selfClose bool) error {
		if nCells++; nCells > lim.MaxCells {
			return &LimitError{Where: where, What: "cells", Limit: lim.MaxCells}
		}
		c := col + 1
		if hasR {
			cc, rr, ok := ParseRef(r)
			if !ok {
				return fmt.Errorf("xlsx: sheet %q: bad cell reference %q: %w", info.Name, r, ErrNotXLSX)
			}
			c = cc
			if rowStart < 0 || rr != rowNum {
				// A cell outside a <row>, or one that names another
				// row: follow the reference, as Excel does.
				flushRow()
				if err := newRow(); err != nil {
					return err
				}
				rowNum, rowStart = rr, len(cells)
			}
		}
		if c > maxCol {
			return fmt.Errorf("xlsx: sheet %q: column %d out of range: %w", info.Name, c, ErrNotXLSX)
		}
		if int64(c) > lim.MaxColumns {
			return &LimitError{Where: where, What: "columns", Limit: lim.MaxColumns}
		}
		if rowStart < 0 {
			rowStart = len(cells)
		}
		col = c
		if typ == "" {
			typ = TypeNumber
		}
		cell = Cell{Col: c, Type: typ}
		hasVal, pieces, simple, inIS, skipT, valStart, inT = false, 0, "", 0, 0, false, false
		inCell = !selfClose // a self-closed cell has no value: not kept
		if inCell && typ != TypeInlineString && !tokensOnly {
			// Most cells are <c …><v>text</v></c>: read them
			// here, in one step rather than four tokens, with
			// the result the tokens would have.
			if text, n, ok := simpleValue(sc.s[sc.i:]); ok {
				sc.i += n
				inCell = false
				if text != "" {
					cell.Value = wb.cellValue(typ, decodeText(text))
				}
				if cell.Value != "" {
					addCell(cell)
				}
			}
		}
		return nil
	}
	for n := 0; ; n++ {
		if n&ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("xlsx: %s: %w", where, err)
			}
		}
		if !tokensOnly {
			// Most cells' start tags are plain (<c r="B2" s="1" t="s">):
			// read here, in one step, with the result the token would
			// have.
			if r, hasR, typ, selfClose, k, ok := quickCell(sc.s[sc.i:]); ok {
				sc.i += k
				if err := startCell(r, hasR, typ, selfClose); err != nil {
					return nil, err
				}
				continue
			}
		}
		t, ok := sc.next()
		if !ok {
			return nil, fmt.Errorf("xlsx: sheet %q: malformed XML: %w", info.Name, ErrNotXLSX)
		}
		if t.kind == tokEOF {
			break
		}
		switch t.kind {
		case tokStart:
			switch t.name {
			case "row":
				flushRow()
				if err := newRow(); err != nil {
					return nil, err
				}
				n := rowNum + 1
				if r, ok := attr(t.attrs, "r"); ok {
					if v, err := strconv.Atoi(r); err == nil {
						n = v
					}
				}
				if n < 1 || n > maxRow {
					return nil, fmt.Errorf("xlsx: sheet %q: row number %d out of range: %w", info.Name, n, ErrNotXLSX)
				}
				rowNum, col = n, 0
				rowStart = len(cells)
				if t.selfClose {
					rowStart = -1
				}
			case "c":
				r, hasR, typ := cellAttrs(t.attrs)
				if err := startCell(r, hasR, typ, t.selfClose); err != nil {
					return nil, err
				}
			case "v":
				valStart = inCell && !t.selfClose
			case "is":
				if inCell && !t.selfClose {
					inIS++
				}
			case "rPh":
				if inIS > 0 && !t.selfClose {
					skipT++
				}
			case "t":
				inT = inIS > 0 && skipT == 0 && !t.selfClose
			case "f":
				if !t.selfClose && !sc.skip() {
					return nil, fmt.Errorf("xlsx: sheet %q: malformed XML: %w", info.Name, ErrNotXLSX)
				}
			case "hyperlink":
				if int64(len(links)) >= lim.MaxHyperlinks {
					return nil, &LimitError{Where: where, What: "hyperlinks", Limit: lim.MaxHyperlinks}
				}
				if links == nil {
					// The hyperlinks are the rest of the part, about 35
					// bytes each: room for them all, within the caps.
					links = make([]Hyperlink, 0, min(int64(len(s)-sc.i)/32+1, lim.MaxHyperlinks, 1<<16))
				}
				ref, id, loc := linkAttrs(t.attrs)
				links = append(links, Hyperlink{Ref: ref, Target: id, Location: loc})
			}
		case tokEnd:
			switch t.name {
			case "row":
				flushRow()
			case "v":
				valStart = false
			case "t":
				inT = false
			case "rPh":
				if skipT > 0 {
					skipT--
				}
			case "is":
				if inIS > 0 {
					inIS--
				}
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				if hasVal {
					v := simple
					if pieces > 1 {
						v = val.String()
					}
					cell.Value = wb.cellValue(cell.Type, v)
				}
				if cell.Value != "" {
					addCell(cell)
				}
			case "sheetData":
				flushRow()
			}
		case tokText:
			if inCell && (valStart || inT) {
				if cell.Type == TypeInlineString && !inT {
					continue // an inline string's value is its <is>, not a <v>
				}
				addText(t)
			}
		}
	}
	flushRow()
	if len(links) > 0 {
		targets := relTargets{maxNum: 4*len(links) + 64, byNum: make([]string, 0, len(links)+1)}
		if err := wb.eachRel(relsPath(info.Part), &mem.rels, targets.put); err != nil {
			return nil, err
		}
		for i := range links {
			if id := links[i].Target; id != "" {
				links[i].Target = targets.get(id)
			}
		}
		// Copied out before the cells get their links, so that a cell's
		// link is the copy.
		detachLinks(links, spanOf(mem.part), spanOf(mem.rels))
		sh.Links = links
		if err := sh.attachLinks(where, lim.MaxCells); err != nil {
			return nil, err
		}
	}
	detachCells(sh.Rows, spanOf(mem.part), spanOf(mem.rels))
	return sh, nil
}

// relTargets finds a relationship's target by its id, as a map from id
// to target would (the last of an id wins, an unknown id has none). Excel
// numbers ids rId1, rId2, …: those up to maxNum are found in a slice,
// without hashing, and any other in a map.
type relTargets struct {
	maxNum int
	byNum  []string
	other  map[string]string
}

func (t *relTargets) put(r rel) {
	if n, ok := relNum(r.id); ok && n <= t.maxNum {
		if n >= len(t.byNum) {
			t.byNum = append(t.byNum, make([]string, n+1-len(t.byNum))...)
		}
		t.byNum[n] = r.target
		return
	}
	if t.other == nil {
		t.other = make(map[string]string)
	}
	t.other[r.id] = r.target
}

func (t *relTargets) get(id string) string {
	if n, ok := relNum(id); ok && n <= t.maxNum {
		if n < len(t.byNum) {
			return t.byNum[n]
		}
		return ""
	}
	return t.other[id]
}

// relNum reads the number of an id written rId<n>, n from 1 without a
// leading zero and at most 7 digits, so that each such id has one number
// and each number one id.
func relNum(id string) (int, bool) {
	if len(id) < 4 || len(id) > 10 || id[:3] != "rId" || id[3] == '0' {
		return 0, false
	}
	n := 0
	for i := 3; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// detachLinks copies the strings of links that point into either span
// (scratch about to be reused) into one allocation.
func detachLinks(links []Hyperlink, a, b span) {
	in := func(s string) bool { return a.holds(s) || b.holds(s) }
	n := 0
	for i := range links {
		l := &links[i]
		for _, s := range [...]string{l.Ref, l.Target, l.Location} {
			if in(s) {
				n += len(s)
			}
		}
	}
	if n == 0 {
		return
	}
	ar := make(arena, 0, n)
	for i := range links {
		l := &links[i]
		for _, p := range [...]*string{&l.Ref, &l.Target, &l.Location} {
			if in(*p) {
				*p = ar.copy(*p)
			}
		}
	}
}

// detachCells does for the cells of rows what detachLinks does for links.
// Types are constants (cellAttrs) and links copies (detachLinks) in all
// but hostile sheets; values of numbers and inline strings point into the
// part.
func detachCells(rows []Row, a, b span) {
	in := func(s string) bool { return a.holds(s) || b.holds(s) }
	n := 0
	for ri := range rows {
		for ci := range rows[ri].Cells {
			c := &rows[ri].Cells[ci]
			if in(c.Value) {
				n += len(c.Value)
			}
			if in(c.Type) {
				n += len(c.Type)
			}
			if in(c.Link) {
				n += len(c.Link)
			}
		}
	}
	if n == 0 {
		return
	}
	ar := make(arena, 0, n)
	for ri := range rows {
		for ci := range rows[ri].Cells {
			c := &rows[ri].Cells[ci]
			if in(c.Value) {
				c.Value = ar.copy(c.Value)
			}
			if in(c.Type) {
				c.Type = ar.copy(c.Type)
			}
			if in(c.Link) {
				c.Link = ar.copy(c.Link)
			}
		}
	}
}

// tokensOnly turns off the one-step reading of simple cells and shared
// strings, for the tests that check it reads what the tokens do.
var tokensOnly = false

// simpleValue matches rest, the XML after a cell's start tag, against
// <v>text</v></c>, and returns the text (undecoded) and the bytes matched.
// Anything else (CDATA, a comment, a formula, blanks between the tags) is
// left to the tokens.
func simpleValue(rest string) (text string, n int, ok bool) {
	if !strings.HasPrefix(rest, "<v>") {
		return "", 0, false
	}
	k := indexByte(rest[3:], '<')
	if k < 0 || !strings.HasPrefix(rest[3+k:], "</v></c>") {
		return "", 0, false
	}
	return rest[3 : 3+k], 3 + k + len("</v></c>"), true
}

// quickCell reads a cell's start tag at the start of rest when it is
// plain: <c, then attributes each a space, a name of lower-case letters, =
// and a double-quoted value of letters and digits, then > or />. It returns
// what cellAttrs would, whether the tag closes itself and its length; ok
// false leaves the tag to the tokens.
func quickCell(rest string) (r string, hasR bool, typ string, selfClose bool, n int, ok bool) {
	if len(rest) < 3 || rest[0] != '<' || rest[1] != 'c' || rest[2] != ' ' {
		return "", false, "", false, 0, false
	}
	var hasT bool
	i := 2
	for i < len(rest) {
		switch rest[i] {
		case '>':
			return r, hasR, typ, false, i + 1, true
		case '/':
			if i+1 < len(rest) && rest[i+1] == '>' {
				return r, hasR, typ, true, i + 2, true
			}
			return "", false, "", false, 0, false
		case ' ':
		default:
			return "", false, "", false, 0, false
		}
		i++
		k := i
		for i < len(rest) && 'a' <= rest[i] && rest[i] <= 'z' {
			i++
		}
		if i == k || i+1 >= len(rest) || rest[i] != '=' || rest[i+1] != '"' {
			return "", false, "", false, 0, false
		}
		name := rest[k:i]
		i += 2
		v := i
		for i < len(rest) && ('a' <= rest[i] && rest[i] <= 'z' || 'A' <= rest[i] && rest[i] <= 'Z' || '0' <= rest[i] && rest[i] <= '9') {
			i++
		}
		if i >= len(rest) || rest[i] != '"' {
			return "", false, "", false, 0, false
		}
		val := rest[v:i]
		i++
		switch name {
		case "r":
			if !hasR {
				r, hasR = val, true
			}
		case "t":
			if !hasT {
				typ, hasT = cellType(val), true
			}
		}
	}
	return "", false, "", false, 0, false
}

// cellAttrs reads a cell's r and t attributes in one pass, as attr would.
func cellAttrs(attrs string) (r string, hasR bool, typ string) {
	var hasT bool
	it := attrIter{s: attrs}
	for !(hasR && hasT) {
		key, val, ok := it.next()
		if !ok {
			break
		}
		switch localName(key) {
		case "r":
			if !hasR {
				r, hasR = decodeText(val), true
			}
		case "t":
			if !hasT {
				typ, hasT = cellType(decodeText(val)), true
			}
		}
	}
	return r, hasR, typ
}

// cellType returns the constant for a known cell type, so that a cell's
// Type does not point into the part; any other is returned as it is.
func cellType(t string) string {
	switch t {
	case TypeShared:
		return TypeShared
	case TypeNumber:
		return TypeNumber
	case TypeInlineString:
		return TypeInlineString
	case TypeFormulaStr:
		return TypeFormulaStr
	case TypeBool:
		return TypeBool
	case TypeError:
		return TypeError
	case TypeDate:
		return TypeDate
	}
	return t
}

// linkAttrs reads a hyperlink's ref, id and location in one pass, as attr
// would.
func linkAttrs(attrs string) (ref, id, loc string) {
	var seen [3]bool
	it := attrIter{s: attrs}
	for {
		key, val, ok := it.next()
		if !ok {
			return ref, id, loc
		}
		var k int
		var dst *string
		switch localName(key) {
		case "ref":
			k, dst = 0, &ref
		case "id":
			k, dst = 1, &id
		case "location":
			k, dst = 2, &loc
		default:
			continue
		}
		if !seen[k] {
			seen[k], *dst = true, decodeText(val)
		}
	}
}

// cellValue turns a cell's raw text into its value by type.
func (wb *Workbook) cellValue(typ, v string) string {
	switch typ {
	case TypeShared:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 || n >= len(wb.strings) {
			return ""
		}
		return wb.strings[n]
	case TypeInlineString:
		return unescapeOOXML(v)
	}
	return v
}

// attachLinks sets Link on the cells each hyperlink covers. The first link
// covering a cell wins, as in Excel and excelize. Single-cell links cost a
// map lookup per cell; a range visits the cells of the rows it spans, and
// those visits are capped (at the cells cap) so that thousands of ranges
// over a big sheet cannot make the pass quadratic.
func (sh *Sheet) attachLinks(where string, maxVisits int64) error {
	single := make(map[[2]int]int, len(sh.Links))
	best := make(map[*Cell]int)
	type rect struct{ c1, r1, c2, r2, i int }
	var ranges []rect
	for i, l := range sh.Links {
		a, b, isRange := strings.Cut(l.Ref, ":")
		c1, r1, ok := ParseRef(a)
		if !ok {
			continue
		}
		if !isRange {
			if _, seen := single[[2]int{r1, c1}]; !seen {
				single[[2]int{r1, c1}] = i
			}
			continue
		}
		c2, r2, ok := ParseRef(b)
		if !ok {
			continue
		}
		ranges = append(ranges, rect{min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2), i})
	}
	if len(ranges) == 0 {
		// Single-cell links only (ICE's case): each cell has at most one
		// candidate, so set it directly, looking up only the cells of
		// the columns links are in (one of ICE's eight).
		var linked []bool
		for k := range single {
			if k[1] >= len(linked) {
				linked = append(linked, make([]bool, k[1]+1-len(linked))...)
			}
			linked[k[1]] = true
		}
		for ri := range sh.Rows {
			row := &sh.Rows[ri]
			for ci := range row.Cells {
				if col := row.Cells[ci].Col; col >= len(linked) || !linked[col] {
					continue
				}
				if i, ok := single[[2]int{row.Num, row.Cells[ci].Col}]; ok {
					row.Cells[ci].Link = sh.Links[i].cellLink()
				}
			}
		}
		return nil
	}
	if len(single) > 0 {
		for ri := range sh.Rows {
			row := &sh.Rows[ri]
			for ci := range row.Cells {
				if i, ok := single[[2]int{row.Num, row.Cells[ci].Col}]; ok {
					best[&row.Cells[ci]] = i
				}
			}
		}
	}
	if len(ranges) > 0 {
		// Rows in number order, so a range finds its first row by binary
		// search rather than by a scan.
		order := make([]int, len(sh.Rows))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return sh.Rows[order[a]].Num < sh.Rows[order[b]].Num })
		var visits int64
		for _, r := range ranges {
			k := sort.Search(len(order), func(k int) bool { return sh.Rows[order[k]].Num >= r.r1 })
			for ; k < len(order) && sh.Rows[order[k]].Num <= r.r2; k++ {
				row := &sh.Rows[order[k]]
				if visits += int64(len(row.Cells)); visits > maxVisits {
					return &LimitError{Where: where, What: "cells under hyperlink ranges", Limit: maxVisits}
				}
				for ci := range row.Cells {
					c := &row.Cells[ci]
					if c.Col < r.c1 || c.Col > r.c2 {
						continue
					}
					if b, ok := best[c]; !ok || r.i < b {
						best[c] = r.i
					}
				}
			}
		}
	}
	for c, i := range best {
		c.Link = sh.Links[i].cellLink()
	}
	return nil
}

// cellLink is what a cell the link covers gets as its Link.
func (l Hyperlink) cellLink() string {
	if l.Target != "" {
		return l.Target
	}
	return l.Location
}

// ParseRef parses an A1-style cell reference (absolute markers allowed)
// into 1-based column and row.
func ParseRef(ref string) (col, row int, ok bool) {
	i := 0
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	start := i
	for i < len(ref) && i-start < 4 {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
		i++
	}
	if i == start || col > maxCol {
		return 0, 0, false
	}
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	if i == len(ref) || len(ref)-i > 7 {
		return 0, 0, false
	}
	for ; i < len(ref); i++ {
		c := ref[i]
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	if row < 1 || row > maxRow {
		return 0, 0, false
	}
	return col, row, true
}

// ColumnName returns the letters of a 1-based column number (1 is A).
func ColumnName(col int) string {
	if col < 1 {
		return ""
	}
	var b [4]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}
