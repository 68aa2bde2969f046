// Command fixturegen writes the small xlsx files the sheet reader's tests
// read from testdata/: one per layout ICE has used and per quirk its files
// have shown, plus broken files the reader must refuse. It writes the zip
// parts by hand rather than through a spreadsheet library so each fixture
// has exactly the structure ICE's files have (shared strings, rich text,
// hyperlinks through the sheet's relationships) and the quirks a library
// would tidy away. Run it with `go generate ./sheet/`.
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"html"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("out", "testdata", "directory to write the fixtures to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		slog.Error("create output directory", slog.Any("error", err))
		os.Exit(1)
	}
	for name, b := range fixtures() {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			slog.Error("write fixture", slog.String("name", name), slog.Any("error", err))
			os.Exit(1)
		}
	}
}

// cell is one cell to write.
type cell struct {
	kind  byte // 's' shared, 'i' inline, 'n' number, 'e' error, 'r' rich text shared, 0 empty styled
	text  string
	runs  []string
	link  string
	empty bool
}

func s(v string) cell            { return cell{kind: 's', text: v} }
func in(v string) cell           { return cell{kind: 'i', text: v} }
func n(v string) cell            { return cell{kind: 'n', text: v} }
func e(v string) cell            { return cell{kind: 'e', text: v} }
func rich(runs ...string) cell   { return cell{kind: 'r', runs: runs} }
func styled() cell               { return cell{empty: true} }
func link(c cell, u string) cell { c.link = u; return c }

// row is one row; num 0 means the row after the previous one.
type row struct {
	num   int
	cells []cell
}

type sheetSpec struct {
	name string
	rows []row
}

type book struct {
	sheets   []sheetSpec
	date1904 bool
}

// The participating header as ICE wrote it through 2025, and the later
// layouts with COUNTY and ADDENDUM.
var (
	hdrEarly   = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"}
	hdrCounty  = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"}
	hdrPending = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"}
)

func header(names ...string) row {
	r := row{}
	for _, h := range names {
		r.cells = append(r.cells, s(h))
	}
	return r
}

const (
	moaTX     = "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf"
	moaFL     = "https://www.ice.gov/doclib/287gMOA/NorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf"
	safeLinks = "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2FNorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf&data=05%7C02%7CWebmaster.ICE%40ice.dhs.gov%7C0%7C&sdata=abc%3D&reserved=0"
	chromeExt = "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf"
)

func fixtures() map[string][]byte {
	m := map[string][]byte{}

	// The early-2025 participating layout with most value quirks.
	m["participating_quirks.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet1", rows: []row{
		header(hdrEarly...),
		{cells: []cell{s("TEXAS"), s("Harris County Sheriff's Office"), s("County"), s("Task Force Model"), n("45715"), link(s("link"), moaTX)}},
		{cells: []cell{s("FLORIDA"), s("North Port Police Department "), s("Municipality"), s("Task Force Model "), n("45755"), link(s("link "), safeLinks)}},
		{cells: []cell{s("FLORIDA"), s("University of Florida Police Department"), s("State Agency"), s("Task Force Model"), n("45762"), link(s("link"), chromeExt)}},
		{cells: []cell{s("PENNSLYVANIA"), s("Bucks County Sheriff\u2019s Office"), s("County"), s("Jail Enforcment Model"), s("05/082025"), s("link pending")}},
		{cells: []cell{s("WEST VIRIGINIA"), s("Cabell\u00a0County  Sheriff's Office\u00a0"), s("County"), s("Warrant Service Officer"), s(""), s("link pending ")}},
		{cells: []cell{s("Texas "), rich("Galveston ", "County", " Sheriff's Office"), s("County "), s("Warrant Service Officer"), s("7/72025"), s("https://www.ice.gov/doclib/287gMOA/GalvestonCoTX_WSO_MOA.pdf")}},
		{cells: []cell{in("OKLAHOMA"), in("Beggs Police Department "), in("Municipality"), in("Task Force Model"), n("45800"), link(in("link"), moaTX)}},
		{cells: []cell{in("OKLAHOMA"), in("Beggs Police Department "), in("Municipality"), in("Task Force Model"), n("45800"), link(in("link"), moaTX)}},
		{cells: []cell{s("UTAHJ"), s("\u201cWest\u201d Valley City Police Department"), s("Municipality"), s("TFM"), s("not a date"), s("Link Pending")}},
		{cells: []cell{s("NARNIA"), s("Cair Paravel Police"), s("Municipality"), s("Dragon Model"), n("3117560"), s("\u00a0")}},
		{cells: []cell{s("TEXAS"), styled(), s("County"), s("Task Force Model"), n("45800"), styled()}},
		{num: 14, cells: []cell{styled(), styled(), styled(), styled(), styled(), styled()}},
		{num: 15, cells: []cell{styled(), styled(), styled()}},
	}}}})

	// The later layout: COUNTY with #N/A leftovers, ADDENDUM, a column
	// order that moved, a header below a title block with odd spacing.
	m["participating_county_addendum.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet 1", rows: []row{
		{num: 1, cells: []cell{s("287(g) Participating Agencies")}},
		{num: 3, cells: []cell{s(" STATE"), s("LAW ENFORCEMENT  AGENCY"), s("TYPE"), s("SIGNED"), s("Support Type "), s("COUNTY"), s("MOA"), s("ADDENDUM")}},
		{cells: []cell{s("GEORGIA"), s("Cobb County Sheriff's Office"), s("County"), n("45922"), s("Jail Enforcement Model"), s("Cobb County"), link(s("link\u00a0|\u00a0addendum"), moaTX), link(s("link"), safeLinks)}},
		{cells: []cell{s("GUAM"), s("Guam Customs and Quarantine Agency"), s("State Agency"), n("45930.5"), s("Task Force Model"), e("#N/A"), link(s("link"), moaFL), s("Link Pending")}},
		{cells: []cell{s("NORTHERN MARIANA ISLANDS"), s("CNMI Department of Public Safety"), s("State Agency"), s("8/282025"), s("Warrant Service Officer"), e("#N/A"), s("link pending")}},
	}}}})

	// The 1904 date system: the same serial means a date four years later.
	m["participating_date1904.xlsx"] = build(book{date1904: true, sheets: []sheetSpec{{name: "Sheet1", rows: []row{
		header(hdrEarly...),
		{cells: []cell{s("ALABAMA"), s("Baldwin County Sheriff's Office"), s("County"), s("Task Force Model"), n("44253"), link(s("link"), moaTX)}},
	}}}})

	// Pending, without and with an MOA column.
	pendingRows := []row{
		header(hdrPending...),
		{cells: []cell{s("TEXAS"), s("Bosque County Sheriff's Office "), s("County"), s("Bosque County"), s("Jail Enforcement Model")}},
		{cells: []cell{s("MCHIGAN"), s("Allegan County Sheriff's Office"), s("County"), e("#N/A"), s("Warrant Service Officer")}},
		{num: 10, cells: []cell{styled(), styled()}},
	}
	m["pending.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet 1", rows: pendingRows}}})
	m["pending_moa.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet1", rows: []row{
		header(append(append([]string{}, hdrPending...), "MOA")...),
		{cells: []cell{s("TEXAS"), s("Bosque County Sheriff's Office"), s("County"), s("Bosque County"), s("Task Force Model"), s("Link Pending")}},
	}}}})
	m["pending_header_only.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet 1", rows: []row{header(hdrPending...)}}}})

	// An extra sheet: a summary before the list, and one after.
	summary := sheetSpec{name: "Totals", rows: []row{
		{cells: []cell{s("Total"), s(""), s("JEM"), s(""), s("TFM"), s(""), s("WSO")}},
		{cells: []cell{n("3"), s(""), n("1"), s(""), n("1"), s(""), n("1")}},
	}}
	m["extra_sheet.xlsx"] = build(book{sheets: []sheetSpec{summary, {name: "Sheet1", rows: []row{
		header(hdrCounty...),
		{cells: []cell{s("FLORIDA"), s("Polk County Sheriff's Office"), s("County"), s("Polk County"), s("Jail Enforcement Model"), n("45000"), link(s("link"), moaFL), s("")}},
	}}, {name: "Sheet2", rows: summary.rows}}})

	// A row with data but no agency must be reported, never dropped silently.
	m["blank_agency.xlsx"] = build(book{sheets: []sheetSpec{{name: "Sheet1", rows: []row{
		header(hdrEarly...),
		{cells: []cell{s("TEXAS"), s("Webb County Sheriff's Office"), s("County"), s("Task Force Model"), n("45800"), s("link pending")}},
		{cells: []cell{s("TEXAS"), s("  "), s("County"), s("Task Force Model"), n("45800"), s("link pending")}},
	}}}})

	// Broken files.
	m["no_header.xlsx"] = build(book{sheets: []sheetSpec{{name: "Budget", rows: []row{
		{cells: []cell{s("Item"), s("Amount")}},
		{cells: []cell{s("Fuel"), n("1200")}},
	}}}})
	m["html_block_page.xlsx"] = []byte("<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>" +
		"<p>You don't have permission to access \"http://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies.xlsx\" on this server.</p></body></html>\n")
	good := m["participating_quirks.xlsx"]
	m["truncated.xlsx"] = good[:len(good)/2]
	m["zip_bomb.xlsx"] = zipBomb()
	return m
}

// zipBomb is a well-formed workbook whose worksheet inflates to 40 MB of
// blanks: a few kilobytes on disk, a thousand times more in memory.
func zipBomb() []byte {
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

// build writes a workbook the way Excel does: strings in the shared table
// (rich text as runs), hyperlinks as <hyperlink r:id> with the targets in
// the sheet's relationships, TargetMode External.
func build(bk book) []byte {
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
	names := make([]string, len(bk.sheets))
	for si, sh := range bk.sheets {
		names[si] = sh.name
		var b, links, rels strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n<worksheet " + ns + `><sheetData>`)
		num, nlinks := 0, 0
		for _, r := range sh.rows {
			if r.num > 0 {
				num = r.num
			} else {
				num++
			}
			fmt.Fprintf(&b, `<row r="%d" spans="1:%d">`, num, max(len(r.cells), 1))
			for ci, c := range r.cells {
				ref := colName(ci+1) + strconv.Itoa(num)
				switch {
				case c.empty:
					fmt.Fprintf(&b, `<c r="%s" s="3"/>`, ref)
				case c.kind == 's':
					fmt.Fprintf(&b, `<c r="%s" s="1" t="s"><v>%d</v></c>`, ref, shared(tText(c.text)))
				case c.kind == 'r':
					var inner strings.Builder
					for i, run := range c.runs {
						if i%2 == 1 {
							inner.WriteString(`<r><rPr><b/><sz val="11"/></rPr>` + tText(run) + `</r>`)
						} else {
							inner.WriteString(`<r>` + tText(run) + `</r>`)
						}
					}
					inner.WriteString(`<rPh sb="0" eb="1"><t>フリガナ</t></rPh>`)
					fmt.Fprintf(&b, `<c r="%s" t="s"><v>%d</v></c>`, ref, shared(inner.String()))
				case c.kind == 'i':
					fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is>%s</is></c>`, ref, tText(c.text))
				case c.kind == 'n':
					fmt.Fprintf(&b, `<c r="%s" s="2"><v>%s</v></c>`, ref, c.text)
				case c.kind == 'e':
					fmt.Fprintf(&b, `<c r="%s" t="e"><f>VLOOKUP(B%d,Counties!A:B,2,FALSE)</f><v>%s</v></c>`, ref, num, html.EscapeString(c.text))
				}
				if c.link != "" {
					nlinks++
					fmt.Fprintf(&links, `<hyperlink ref="%s" r:id="rId%d" xr:uid="{00000000-0000-0000-0000-%012d}"/>`, ref, nlinks, nlinks)
					fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="%s" TargetMode="External"/>`, nlinks, html.EscapeString(c.link))
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
	add("[Content_Types].xml", contentTypes(len(bk.sheets)))
	add("_rels/.rels", rootRels)
	add("xl/workbook.xml", workbookXML(names, bk.date1904))
	add("xl/_rels/workbook.xml.rels", workbookRels(len(bk.sheets)))
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
