// Package xlsxbuild writes xlsx workbooks by hand, part by part, the way
// Excel (and ICE) writes them: shared strings, rich text with phonetic
// runs, hyperlinks through the sheet's relationships, styled empty cells.
// The test fixtures (internal/fixturegen) and the ten-year replay
// (internal/replaygen) are written with it; it is never linked into the
// watch287g binary, and it pulls in no spreadsheet library.
package xlsxbuild

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strconv"
	"strings"
)

// Cell is one cell to write.
type Cell struct {
	Kind  byte // 's' shared, 'i' inline, 'n' number, 'e' error, 'r' rich text shared, 0 empty styled
	Text  string
	Runs  []string
	Link  string
	Empty bool
}

// Shared is a string in the shared strings table, as Excel writes text.
func Shared(v string) Cell { return Cell{Kind: 's', Text: v} }

// Inline is an inline string.
func Inline(v string) Cell { return Cell{Kind: 'i', Text: v} }

// Number is a number as written (a date serial, say).
func Number(v string) Cell { return Cell{Kind: 'n', Text: v} }

// Error is a formula cell that evaluated to the error v (#N/A).
func Error(v string) Cell { return Cell{Kind: 'e', Text: v} }

// Rich is a shared string of runs, every other one bold, with a phonetic run.
func Rich(runs ...string) Cell { return Cell{Kind: 'r', Runs: runs} }

// Styled is an empty cell that carries only a style.
func Styled() Cell { return Cell{Empty: true} }

// Link is c hyperlinked to u.
func Link(c Cell, u string) Cell { c.Link = u; return c }

// Row is one row; Num 0 means the row after the previous one.
type Row struct {
	Num   int
	Cells []Cell
}

// Sheet is one worksheet.
type Sheet struct {
	Name string
	Rows []Row
}

// Book is a workbook: its sheets, and the 1904 date system when set.
type Book struct {
	Sheets   []Sheet
	Date1904 bool
}

// Bomb is a well-formed workbook whose worksheet inflates to 40 MB of
// blanks: a few kilobytes on disk, a thousand times more in memory.
func Bomb() []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	add("[Content_Types].xml", contentTypes(1))
	add("_rels/.rels", rootRels)
	add("xl/workbook.xml", workbookXML([]string{"Sheet1"}, false))
	add("xl/_rels/workbook.xml.rels", workbookRels(1))
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`))
	blank := bytes.Repeat([]byte(" "), 1<<20)
	for range 40 {
		w.Write(blank)
	}
	w.Write([]byte(`</sheetData></worksheet>`))
	zw.Close()
	return buf.Bytes()
}

const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`

func contentTypes(sheets int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	for i := 1; i <= sheets; i++ {
		fmt.Fprintf(&b, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	b.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	return b.String()
}

func workbookXML(names []string, date1904 bool) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<workbook " + ns + ">")
	if date1904 {
		b.WriteString(`<workbookPr date1904="1"/>`)
	} else {
		b.WriteString(`<workbookPr/>`)
	}
	b.WriteString(`<sheets>`)
	for i, name := range names {
		fmt.Fprintf(&b, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, html.EscapeString(name), i+1, i+1)
	}
	b.WriteString(`</sheets></workbook>`)
	return b.String()
}

func workbookRels(sheets int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 1; i <= sheets; i++ {
		fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
	}
	fmt.Fprintf(&b, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`, sheets+1)
	return b.String()
}

// Build writes a workbook the way Excel does: strings in the shared table
// (rich text as runs), hyperlinks as <hyperlink r:id> with the targets in
// the sheet's relationships, TargetMode External.
func Build(bk Book) []byte {
	var sst []string // each entry is the inner XML of one <si>
	index := map[string]int{}
	shared := func(inner string) int {
		if i, ok := index[inner]; ok {
			return i
		}
		index[inner] = len(sst)
		sst = append(sst, inner)
		return len(sst) - 1
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write([]byte(body))
		}
		if err != nil {
			panic(err) // writing to memory cannot fail; a bug if it does
		}
	}
	names := make([]string, len(bk.Sheets))
	for si, sh := range bk.Sheets {
		names[si] = sh.Name
		var b, links, rels strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<worksheet " + ns + `><sheetData>`)
		num, nlinks := 0, 0
		for _, r := range sh.Rows {
			if r.Num > 0 {
				num = r.Num
			} else {
				num++
			}
			fmt.Fprintf(&b, `<row r="%d" spans="1:%d">`, num, max(len(r.Cells), 1))
			for ci, c := range r.Cells {
				ref := colName(ci+1) + strconv.Itoa(num)
				switch {
				case c.Empty:
					fmt.Fprintf(&b, `<c r="%s" s="3"/>`, ref)
				case c.Kind == 's':
					fmt.Fprintf(&b, `<c r="%s" s="1" t="s"><v>%d</v></c>`, ref, shared(tText(c.Text)))
				case c.Kind == 'r':
					var inner strings.Builder
					for i, run := range c.Runs {
						if i%2 == 1 {
							inner.WriteString(`<r><rPr><b/><sz val="11"/></rPr>` + tText(run) + `</r>`)
						} else {
							inner.WriteString(`<r>` + tText(run) + `</r>`)
						}
					}
					inner.WriteString(`<rPh sb="0" eb="1"><t>フリガナ</t></rPh>`)
					fmt.Fprintf(&b, `<c r="%s" t="s"><v>%d</v></c>`, ref, shared(inner.String()))
				case c.Kind == 'i':
					fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is>%s</is></c>`, ref, tText(c.Text))
				case c.Kind == 'n':
					fmt.Fprintf(&b, `<c r="%s" s="2"><v>%s</v></c>`, ref, c.Text)
				case c.Kind == 'e':
					fmt.Fprintf(&b, `<c r="%s" t="e"><f>VLOOKUP(B%d,Counties!A:B,2,FALSE)</f><v>%s</v></c>`, ref, num, html.EscapeString(c.Text))
				}
				if c.Link != "" {
					nlinks++
					fmt.Fprintf(&links, `<hyperlink ref="%s" r:id="rId%d" xr:uid="{00000000-0000-0000-0000-%012d}"/>`, ref, nlinks, nlinks)
					fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="%s" TargetMode="External"/>`, nlinks, html.EscapeString(c.Link))
				}
			}
			b.WriteString(`</row>`)
		}
		b.WriteString(`</sheetData>`)
		if nlinks > 0 {
			b.WriteString(`<hyperlinks xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">` + links.String() + `</hyperlinks>`)
			add(fmt.Sprintf("xl/worksheets/_rels/sheet%d.xml.rels", si+1), `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
				`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels.String()+`</Relationships>`)
		}
		b.WriteString(`<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`)
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", si+1), b.String())
	}
	add("[Content_Types].xml", contentTypes(len(bk.Sheets)))
	add("_rels/.rels", rootRels)
	add("xl/workbook.xml", workbookXML(names, bk.Date1904))
	add("xl/_rels/workbook.xml.rels", workbookRels(len(bk.Sheets)))
	var sb strings.Builder
	fmt.Fprintf(&sb, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(sst), len(sst))
	for _, inner := range sst {
		sb.WriteString("<si>" + inner + "</si>")
	}
	sb.WriteString(`</sst>`)
	add("xl/sharedStrings.xml", sb.String())
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// tText is a <t> element, keeping leading and trailing blanks as Excel
// does with xml:space="preserve". Apostrophes are written as &apos; and
// non-ASCII as character references in places, as ICE's files do.
func tText(v string) string {
	esc := html.EscapeString(v) // &#39; for ', &#34; for "
	esc = strings.ReplaceAll(esc, "&#39;", "&apos;")
	esc = strings.ReplaceAll(esc, "\u00a0", "&#160;")
	if strings.TrimSpace(v) != v || strings.Contains(v, "\u00a0") {
		return `<t xml:space="preserve">` + esc + `</t>`
	}
	return `<t>` + esc + `</t>`
}

func colName(c int) string {
	name := ""
	for c > 0 {
		c--
		name = string(rune('A'+c%26)) + name
		c /= 26
	}
	return name
}
