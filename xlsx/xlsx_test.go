package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"strconv"
	"testing"
)

// zipOf builds a zip from part name → content.
func zipOf(t *testing.T, parts map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}

const testWorkbook = `<?xml version="1.0"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:workbookPr date1904="true"/><x:sheets><x:sheet name="List &amp; more" sheetId="1" r:id="rId1"/><x:sheet name="Hidden" sheetId="2" r:id="rId2" state="hidden"/></x:sheets></x:workbook>`

const testWorkbookRels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/></Relationships>`

const testStrings = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<si><t>plain</t></si>
<si><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>
<si><t>a &lt;b&gt; &amp; &#8217;c&#x2019; _x000D_line</t></si>
<si/>
<si><t><![CDATA[<raw>]]></t></si>
</sst>`

const testSheet = `<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<!-- a comment <c r="Z9"><v>1</v></c> -->
<sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v> 1 </v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c></row>
<row r="3" spans="1:5"><c r="A3"><v>45922</v></c><c r="B3" t="inlineStr"><is><t>inline</t></is></c><c r="C3" t="str"><f>A1&amp;"x"</f><v>plainx</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="e"><v>#N/A</v></c></row>
<row><c t="s"><v>0</v></c><c><v>2</v></c><c r="E4" s="3"/></row>
<row r="6"><c r="G6" t="s"><v>0</v></c><c r="H6" t="s"><v>0</v></c></row>
</sheetData>
<hyperlinks><hyperlink ref="G6" r:id="rId7" xr:uid="{X}"/><hyperlink ref="H6" location="Hidden!A1"/><hyperlink ref="A3:B4" r:id="rId8"/></hyperlinks>
</worksheet>`

const testSheetRels = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/a?x=1&amp;y=2" TargetMode="External"/>
<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/range" TargetMode="External"/></Relationships>`

func testBook(t *testing.T) []byte {
	return zipOf(t, map[string]string{
		"xl/workbook.xml":                     testWorkbook,
		"xl/_rels/workbook.xml.rels":          testWorkbookRels,
		"xl/strings.xml":                      testStrings,
		"xl/worksheets/sheet1.xml":            testSheet,
		"xl/worksheets/_rels/sheet1.xml.rels": testSheetRels,
		"xl/worksheets/sheet2.xml":            `<worksheet><sheetData/></worksheet>`,
		"_rels/.rels":                         `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	})
}

func TestOpenWorkbook(t *testing.T) {
	wb, err := Open(testBook(t), Limits{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !wb.Date1904 {
		t.Error("got Date1904 false, want true")
	}
	if len(wb.Sheets) != 2 || wb.Sheets[0].Name != "List & more" || wb.Sheets[0].Part != "xl/worksheets/sheet1.xml" || !wb.Sheets[1].Hidden {
		t.Errorf("got sheets %+v, want List & more (xl/worksheets/sheet1.xml) and a hidden second", wb.Sheets)
	}
	if wb.SharedStrings() != 5 {
		t.Errorf("got %d shared strings, want 5", wb.SharedStrings())
	}
}

func TestSheetCells(t *testing.T) {
	wb, err := Open(testBook(t), Limits{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	sh, err := wb.Sheet(0)
	if err != nil {
		t.Fatalf("sheet: %v", err)
	}
	got := map[string]Cell{}
	for _, r := range sh.Rows {
		for _, c := range r.Cells {
			got[ColumnName(c.Col)+strconv.Itoa(r.Num)] = c
		}
	}
	tests := map[string]Cell{
		"A1": {Col: 1, Type: "s", Value: "plain"},
		"B1": {Col: 2, Type: "s", Value: "rich text"},
		"C1": {Col: 3, Type: "s", Value: "a <b> & \u2019c\u2019 \rline"},
		"E1": {Col: 5, Type: "s", Value: "<raw>"},
		"A3": {Col: 1, Type: "n", Value: "45922", Link: "https://example.org/range"},
		"B3": {Col: 2, Type: "inlineStr", Value: "inline", Link: "https://example.org/range"},
		"C3": {Col: 3, Type: "str", Value: "plainx"},
		"D3": {Col: 4, Type: "b", Value: "1"},
		"E3": {Col: 5, Type: "e", Value: "#N/A"},
		"A4": {Col: 1, Type: "s", Value: "plain", Link: "https://example.org/range"},
		"B4": {Col: 2, Type: "n", Value: "2", Link: "https://example.org/range"},
		"G6": {Col: 7, Type: "s", Value: "plain", Link: "https://example.org/a?x=1&y=2"},
		"H6": {Col: 8, Type: "s", Value: "plain", Link: "Hidden!A1"},
	}
	for ref, want := range tests {
		if g, ok := got[ref]; !ok || g != want {
			t.Errorf("%s: got %+v (present %v), want %+v", ref, g, ok, want)
		}
	}
	// D1 (an empty shared string) and E4 (a styled empty cell) hold no
	// value: they are not kept.
	if len(got) != len(tests) {
		t.Errorf("got %d cells, want %d: %+v", len(got), len(tests), got)
	}
	if len(sh.Links) != 3 {
		t.Errorf("got %d links, want 3", len(sh.Links))
	}
}

func TestOpenRefusals(t *testing.T) {
	good := testBook(t)
	tests := map[string]struct {
		b    []byte
		lim  Limits
		want error
	}{
		"html":             {b: []byte("<html><body>blocked</body></html>"), want: ErrNotXLSX},
		"empty":            {b: nil, want: ErrNotXLSX},
		"truncated":        {b: good[:len(good)-30], want: ErrNotXLSX},
		"zip, no workbook": {b: zipOf(t, map[string]string{"word/document.xml": "<w/>"}), want: ErrNotXLSX},
		"file cap":         {b: good, lim: Limits{MaxFileSize: 100}, want: ErrTooLarge},
		"total cap":        {b: good, lim: Limits{MaxTotalSize: 100}, want: ErrTooLarge},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(tc.b, tc.lim); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSheetPartCap(t *testing.T) {
	wb, err := Open(testBook(t), Limits{MaxPartSize: int64(len(testSheet) - 1)})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := wb.Sheet(0); !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

func TestParseRef(t *testing.T) {
	tests := map[string]struct {
		col, row int
		ok       bool
	}{
		"A1": {1, 1, true}, "$G$6": {7, 6, true}, "AA10": {27, 10, true}, "XFD1048576": {16384, 1048576, true},
		"XFE1": {0, 0, false}, "A0": {0, 0, false}, "1A": {0, 0, false}, "A": {0, 0, false}, "": {0, 0, false}, "A1B": {0, 0, false},
	}
	for in, tc := range tests {
		c, r, ok := ParseRef(in)
		if c != tc.col || r != tc.row || ok != tc.ok {
			t.Errorf("ParseRef(%q): got %d %d %v, want %d %d %v", in, c, r, ok, tc.col, tc.row, tc.ok)
		}
	}
	for _, n := range []int{1, 26, 27, 702, 703, 16384} {
		c, _, ok := ParseRef(ColumnName(n) + "1")
		if !ok || c != n {
			t.Errorf("ColumnName(%d) = %q: parses back to %d", n, ColumnName(n), c)
		}
	}
}

func TestMalformedXMLNeverPanics(t *testing.T) {
	for _, s := range []string{"<", "<a", "<a b='", "<!--", "<![CDATA[", "<?x", "</", "<a b=c>", "&#xFFFFFFFFF;", "<row r='x'><c r='ZZZZZ1'>"} {
		sc := scanner{s: s}
		for range 100 {
			tok, ok := sc.next()
			if !ok || tok.kind == tokEOF {
				break
			}
			attr(tok.attrs, "r")
		}
		_ = decodeText(s)
	}
}
