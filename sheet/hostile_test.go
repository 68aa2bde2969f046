package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/watch287g/watch287g/xlsx"
)

// bookOf builds a one-sheet workbook from a worksheet and its hyperlink
// relationships (Id rId1, rId2, … in order).
func bookOf(t testing.TB, sheetXML string, links ...string) []byte {
	t.Helper()
	var rels strings.Builder
	rels.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, l := range links {
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="%s" TargetMode="External"/>`, i+1, l)
	}
	rels.WriteString(`</Relationships>`)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := []struct{ name, body string }{
		{"_rels/.rels", `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheetXML},
		{"xl/worksheets/_rels/sheet1.xml.rels", rels.String()},
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatalf("create %s: %v", p.name, err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatalf("write %s: %v", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}

// inlineRow writes one row of inline strings; a cell "v|rIdN" carries a
// hyperlink to relationship N.
func inlineRow(r int, cells ...string) (row, links string) {
	var b, l strings.Builder
	fmt.Fprintf(&b, `<row r="%d">`, r)
	for i, c := range cells {
		ref := fmt.Sprintf("%c%d", 'A'+i, r)
		v, id, hasLink := strings.Cut(c, "|")
		fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>`, ref, v)
		if hasLink {
			fmt.Fprintf(&l, `<hyperlink ref="%s" r:id="%s"/>`, ref, id)
		}
	}
	b.WriteString(`</row>`)
	return b.String(), l.String()
}

func TestHostileValues(t *testing.T) {
	rows := [][]string{
		{"STATE", "AGENCY", "TYPE", "SUPPORT TYPE", "MOA", "COUNTY", "ADDENDUM"},
		{"TEXAS_x0000_", "Evil_x0000_ County_x001B_[31m SO", "County_x0007_", "Task Force_x0000_", "link|rId1", "Harris_x0000__x0009_County", "addendum|rId2"},
		{"TEXAS", "Data County SO", "County", "Task Force", "link|rId2", ""},
		{"TEXAS", "Wrapped County SO", "County", "Task Force", "link|rId3", ""},
		{"TEXAS", "Good County SO", "County", "Task Force", "link|rId4", ""},
		{"TEXAS", "Dragon_x001B_ County SO", "County", "Dragon_x0000_", "link pending", ""},
	}
	links := []string{
		"javascript:alert(document.cookie)",
		"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
		"https://nam02.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)&amp;data=05",
		"HTTPS://WWW.ICE.GOV/doclib/287gMOA/a.pdf",
	}
	var sheetData, hyperlinks strings.Builder
	for i, r := range rows {
		row, l := inlineRow(i+1, r...)
		sheetData.WriteString(row)
		hyperlinks.WriteString(l)
	}
	sheetXML := `<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>` + sheetData.String() +
		`</sheetData><hyperlinks>` + hyperlinks.String() + `</hyperlinks></worksheet>`
	f, err := Parse(bookOf(t, sheetXML, links...))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(f.Records) != 5 {
		t.Fatalf("got %d records, want 5", len(f.Records))
	}
	type want struct {
		state, stateName, agency, agencyRaw, typ, model, moaURL, moaRaw string
		extra                                                           map[string]string
	}
	tests := map[string]struct {
		rec  Record
		want want
	}{
		"control characters stripped, raw kept": {f.Records[0], want{"TX", "TEXAS", "Evil County[31m SO", "Evil\x00 County\x1b[31m SO", "County", TaskForce,
			"", "javascript:alert(document.cookie)", map[string]string{"COUNTY": "Harris County", "ADDENDUM": "addendum"}}},
		"data link not linked": {f.Records[1], want{"TX", "TEXAS", "Data County SO", "Data County SO", "County", TaskForce,
			"", "data:text/html,<script>alert(1)</script>", nil}},
		"javascript inside SafeLinks not linked": {f.Records[2], want{"TX", "TEXAS", "Wrapped County SO", "Wrapped County SO", "County", TaskForce,
			"", "https://nam02.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)&data=05", nil}},
		"upper-case https linked": {f.Records[3], want{"TX", "TEXAS", "Good County SO", "Good County SO", "County", TaskForce,
			"HTTPS://WWW.ICE.GOV/doclib/287gMOA/a.pdf", "HTTPS://WWW.ICE.GOV/doclib/287gMOA/a.pdf", nil}},
		"unknown model kept without controls": {f.Records[4], want{"TX", "TEXAS", "Dragon County SO", "Dragon\x1b County SO", "County", "Dragon",
			"", "", nil}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := tc.rec
			got := want{r.State, r.StateName, r.Agency, r.AgencyRaw, r.Type, r.Model, r.MOAURL, r.MOARaw, r.Extra}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	notLinked := 0
	for _, w := range f.Warnings {
		if w.Column == "MOA" && strings.Contains(w.Message, "not a web address") {
			notLinked++
		}
	}
	if notLinked != 3 {
		t.Errorf("got %d \"not a web address\" warnings in %+v, want 3", notLinked, f.Warnings)
	}
	addendum := 0
	for _, w := range f.Warnings {
		if w.Column == "ADDENDUM" && w.Row == 2 && strings.Contains(w.Message, `"data:text/html`) {
			addendum++
		}
	}
	if addendum != 1 {
		t.Errorf("got %d warnings for the ADDENDUM data: link in %+v, want 1", addendum, f.Warnings)
	}
}

func TestParseCaps(t *testing.T) {
	hdr, _ := inlineRow(1, "STATE", "AGENCY", "TYPE", "SUPPORT TYPE")
	row, _ := inlineRow(2, "TEXAS", "A County SO", "County", "Task Force")
	b := bookOf(t, `<worksheet><sheetData>`+hdr+row+`</sheetData></worksheet>`)
	tests := map[string]struct {
		r    Reader
		what string
	}{
		"within the caps": {r: Reader{MaxCells: 8, MaxRows: 2, MaxColumns: 4}},
		"cells":           {r: Reader{MaxCells: 7}, what: "cells"},
		"rows":            {r: Reader{MaxRows: 1}, what: "rows"},
		"columns":         {r: Reader{MaxColumns: 3}, what: "columns"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := tc.r.Parse(b)
			if tc.what == "" {
				if err != nil || len(f.Records) != 1 {
					t.Fatalf("got %v, want one record", err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || le.What != tc.what || !errors.Is(err, ErrTooLarge) {
				t.Fatalf("got %v, want a *LimitError for %s wrapping ErrTooLarge", err, tc.what)
			}
		})
	}
}

func TestParseContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ParseContext(ctx, fixture(t, "participating_quirks.xlsx")); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// TestWarningsBounded reads a sheet at the rows cap in which every row
// earns three warnings (unknown state, unknown model, bad date): the file
// lists MaxWarnings of them and says how many it left out, and the whole
// parse allocates under 256 MB (TotalAlloc bounds the peak heap from
// above). Under the race detector a smaller sheet keeps the test quick.
func TestWarningsBounded(t *testing.T) {
	rows := int(DefaultMaxRows)
	if raceEnabled {
		rows = 5000
	}
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData>`)
	hdr, _ := inlineRow(1, "STATE", "AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA", "COUNTY", "NOTES")
	b.WriteString(hdr)
	for r := 2; r <= rows; r++ {
		fmt.Fprintf(&b, `<row r="%d"><c r="A%[1]d" t="str"><v>NARNIA%[1]d</v></c><c r="B%[1]d" t="str"><v>Agency number %[1]d of many</v></c>`+
			`<c r="C%[1]d" t="str"><v>County</v></c><c r="D%[1]d" t="str"><v>Dragon%[1]d</v></c><c r="E%[1]d" t="str"><v>not a date %[1]d</v></c>`+
			`<c r="F%[1]d" t="str"><v>www.example.org/%[1]d</v></c><c r="G%[1]d" t="str"><v>County %[1]d</v></c><c r="H%[1]d" t="str"><v>note %[1]d</v></c></row>`, r)
	}
	b.WriteString(`</sheetData></worksheet>`)
	book := bookOf(t, b.String())
	b = strings.Builder{}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f, err := Parse(book)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(f.Records) != rows-1 {
		t.Errorf("got %d records, want %d", len(f.Records), rows-1)
	}
	if len(f.Warnings) != MaxWarnings+1 {
		t.Fatalf("got %d warnings, want %d and one saying how many more", len(f.Warnings), MaxWarnings)
	}
	last := f.Warnings[MaxWarnings]
	if want := fmt.Sprintf("%d more warnings not listed", 3*(rows-1)-MaxWarnings); !strings.Contains(last.Message, want) {
		t.Errorf("got last warning %q, want it to contain %q", last.Message, want)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d rows, %d-byte file: allocated %d MB", rows, len(book), alloc>>20)
	if alloc > 256<<20 {
		t.Errorf("got %d MB allocated, want under 256 MB", alloc>>20)
	}
}

// countingCtx counts calls to Err and, once n reaches zero, reports
// context.Canceled: a deterministic cancellation in the middle of a parse.
type countingCtx struct {
	context.Context
	calls, n int
}

func (c *countingCtx) Err() error {
	c.calls++
	if c.n > 0 && c.calls >= c.n {
		return context.Canceled
	}
	return nil
}

// TestParseContextMidway cancels the record loop at its second context
// check: it must check as it goes, not only the reader below it.
func TestParseContextMidway(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData>`)
	hdr, _ := inlineRow(1, "STATE", "AGENCY", "TYPE", "SUPPORT TYPE")
	b.WriteString(hdr)
	for r := 2; r <= 5000; r++ {
		row, _ := inlineRow(r, "TEXAS", fmt.Sprintf("Agency %d", r), "County", "Task Force")
		b.WriteString(row)
	}
	b.WriteString(`</sheetData></worksheet>`)
	wb, err := xlsx.Open(bookOf(t, b.String()), xlsx.Limits{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	sh, err := wb.Sheet(0)
	if err != nil {
		t.Fatalf("sheet: %v", err)
	}
	hdrIdx, cols, ok := findHeader(sh)
	if !ok {
		t.Fatal("got no header, want row 1")
	}
	ctx := &countingCtx{Context: context.Background(), n: 2}
	if f, err := readRecords(ctx, sh, hdrIdx, cols, false, new(memos)); !errors.Is(err, context.Canceled) || f != nil {
		t.Errorf("got %v, want context.Canceled and no file", err)
	}
	if ctx.calls != 2 {
		t.Errorf("got %d context checks, want 2 (rows 0 and %d)", ctx.calls, ctxRows)
	}
}

// TestWarningsQuoteShort reads rows whose state, model, date and MOA link
// are 100 KB each: every warning quotes at most a hundred bytes of them.
func TestWarningsQuoteShort(t *testing.T) {
	long := strings.Repeat("\u00e9", 50_000) // 100 KB, two bytes a rune
	hdr, _ := inlineRow(1, "STATE", "AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA")
	row, _ := inlineRow(2, long, "A County SO", "County", long, long, "link|rId1")
	f, err := Parse(bookOf(t, `<worksheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>`+hdr+row+
		`</sheetData><hyperlinks><hyperlink ref="F2" r:id="rId1"/></hyperlinks></worksheet>`, "javascript:"+long))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(f.Warnings) != 4 {
		t.Errorf("got %d warnings, want 4 (state, model, signed, MOA)", len(f.Warnings))
	}
	for _, w := range f.Warnings {
		if len(w.Message) > 200 || !strings.Contains(w.Message, "…") {
			t.Errorf("got a %d-byte warning for %s, want the value cut to 100 bytes and an ellipsis", len(w.Message), w.Column)
		}
		if !utf8.ValidString(w.Message) {
			t.Errorf("got invalid UTF-8 in the warning for %s, want the value cut on a rune boundary", w.Column)
		}
	}
}
