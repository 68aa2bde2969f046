// Command fixturegen writes the small xlsx files the sheet reader's tests
// read from testdata/: one per layout ICE has used and per quirk its files
// have shown, plus broken files the reader must refuse. It writes the zip
// parts by hand rather than through a spreadsheet library so each fixture
// has exactly the structure ICE's files have (shared strings, rich text,
// hyperlinks through the sheet's relationships) and the quirks a library
// would tidy away. Run it with `go generate ./sheet/`.
package main

import (
	"github.com/watch287g/watch287g/internal/xlsxbuild"

	"flag"
	"log/slog"
	"os"
	"path/filepath"
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

// The participating header as ICE wrote it through 2025, and the later
// layouts with COUNTY and ADDENDUM.
var (
	hdrEarly   = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"}
	hdrCounty  = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"}
	hdrPending = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"}
)

func header(names ...string) xlsxbuild.Row {
	r := xlsxbuild.Row{}
	for _, h := range names {
		r.Cells = append(r.Cells, s(h))
	}
	return r
}

// Short names for the cells the fixtures write.
var (
	s      = xlsxbuild.Shared
	in     = xlsxbuild.Inline
	n      = xlsxbuild.Number
	e      = xlsxbuild.Error
	rich   = xlsxbuild.Rich
	styled = xlsxbuild.Styled
	link   = xlsxbuild.Link
)

const (
	moaTX     = "https://www.ice.gov/doclib/287gMOA/HarrisCoTX_TFM_MOA_02.27.2025.pdf"
	moaFL     = "https://www.ice.gov/doclib/287gMOA/NorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf"
	safeLinks = "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2FNorthPortCityPoliceDeptFL_TFM_MOA_04082025.pdf&data=05%7C02%7CWebmaster.ICE%40ice.dhs.gov%7C0%7C&sdata=abc%3D&reserved=0"
	chromeExt = "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf"
)

func fixtures() map[string][]byte {
	m := map[string][]byte{}

	// The early-2025 participating layout with most value quirks.
	m["participating_quirks.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet1", Rows: []xlsxbuild.Row{
		header(hdrEarly...),
		{Cells: []xlsxbuild.Cell{s("TEXAS"), s("Harris County Sheriff's Office"), s("County"), s("Task Force Model"), n("45715"), link(s("link"), moaTX)}},
		{Cells: []xlsxbuild.Cell{s("FLORIDA"), s("North Port Police Department "), s("Municipality"), s("Task Force Model "), n("45755"), link(s("link "), safeLinks)}},
		{Cells: []xlsxbuild.Cell{s("FLORIDA"), s("University of Florida Police Department"), s("State Agency"), s("Task Force Model"), n("45762"), link(s("link"), chromeExt)}},
		{Cells: []xlsxbuild.Cell{s("PENNSLYVANIA"), s("Bucks County Sheriff\u2019s Office"), s("County"), s("Jail Enforcment Model"), s("05/082025"), s("link pending")}},
		{Cells: []xlsxbuild.Cell{s("WEST VIRIGINIA"), s("Cabell\u00a0County  Sheriff's Office\u00a0"), s("County"), s("Warrant Service Officer"), s(""), s("link pending ")}},
		{Cells: []xlsxbuild.Cell{s("Texas "), rich("Galveston ", "County", " Sheriff's Office"), s("County "), s("Warrant Service Officer"), s("7/72025"), s("https://www.ice.gov/doclib/287gMOA/GalvestonCoTX_WSO_MOA.pdf")}},
		{Cells: []xlsxbuild.Cell{in("OKLAHOMA"), in("Beggs Police Department "), in("Municipality"), in("Task Force Model"), n("45800"), link(in("link"), moaTX)}},
		{Cells: []xlsxbuild.Cell{in("OKLAHOMA"), in("Beggs Police Department "), in("Municipality"), in("Task Force Model"), n("45800"), link(in("link"), moaTX)}},
		{Cells: []xlsxbuild.Cell{s("UTAHJ"), s("\u201cWest\u201d Valley City Police Department"), s("Municipality"), s("TFM"), s("not a date"), s("Link Pending")}},
		{Cells: []xlsxbuild.Cell{s("NARNIA"), s("Cair Paravel Police"), s("Municipality"), s("Dragon Model"), n("3117560"), s("\u00a0")}},
		{Cells: []xlsxbuild.Cell{s("TEXAS"), styled(), s("County"), s("Task Force Model"), n("45800"), styled()}},
		{Num: 14, Cells: []xlsxbuild.Cell{styled(), styled(), styled(), styled(), styled(), styled()}},
		{Num: 15, Cells: []xlsxbuild.Cell{styled(), styled(), styled()}},
	}}}})

	// The later layout: COUNTY with #N/A leftovers, ADDENDUM, a column
	// order that moved, a header below a title block with odd spacing.
	m["participating_county_addendum.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet 1", Rows: []xlsxbuild.Row{
		{Num: 1, Cells: []xlsxbuild.Cell{s("287(g) Participating Agencies")}},
		{Num: 3, Cells: []xlsxbuild.Cell{s(" STATE"), s("LAW ENFORCEMENT  AGENCY"), s("TYPE"), s("SIGNED"), s("Support Type "), s("COUNTY"), s("MOA"), s("ADDENDUM")}},
		{Cells: []xlsxbuild.Cell{s("GEORGIA"), s("Cobb County Sheriff's Office"), s("County"), n("45922"), s("Jail Enforcement Model"), s("Cobb County"), link(s("link\u00a0|\u00a0addendum"), moaTX), link(s("link"), safeLinks)}},
		{Cells: []xlsxbuild.Cell{s("GUAM"), s("Guam Customs and Quarantine Agency"), s("State Agency"), n("45930.5"), s("Task Force Model"), e("#N/A"), link(s("link"), moaFL), s("Link Pending")}},
		{Cells: []xlsxbuild.Cell{s("NORTHERN MARIANA ISLANDS"), s("CNMI Department of Public Safety"), s("State Agency"), s("8/282025"), s("Warrant Service Officer"), e("#N/A"), s("link pending")}},
	}}}})

	// The 1904 date system: the same serial means a date four years later.
	m["participating_date1904.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Date1904: true, Sheets: []xlsxbuild.Sheet{{Name: "Sheet1", Rows: []xlsxbuild.Row{
		header(hdrEarly...),
		{Cells: []xlsxbuild.Cell{s("ALABAMA"), s("Baldwin County Sheriff's Office"), s("County"), s("Task Force Model"), n("44253"), link(s("link"), moaTX)}},
	}}}})

	// Pending, without and with an MOA column.
	pendingRows := []xlsxbuild.Row{
		header(hdrPending...),
		{Cells: []xlsxbuild.Cell{s("TEXAS"), s("Bosque County Sheriff's Office "), s("County"), s("Bosque County"), s("Jail Enforcement Model")}},
		{Cells: []xlsxbuild.Cell{s("MCHIGAN"), s("Allegan County Sheriff's Office"), s("County"), e("#N/A"), s("Warrant Service Officer")}},
		{Num: 10, Cells: []xlsxbuild.Cell{styled(), styled()}},
	}
	m["pending.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet 1", Rows: pendingRows}}})
	m["pending_moa.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet1", Rows: []xlsxbuild.Row{
		header(append(append([]string{}, hdrPending...), "MOA")...),
		{Cells: []xlsxbuild.Cell{s("TEXAS"), s("Bosque County Sheriff's Office"), s("County"), s("Bosque County"), s("Task Force Model"), s("Link Pending")}},
	}}}})
	m["pending_header_only.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet 1", Rows: []xlsxbuild.Row{header(hdrPending...)}}}})

	// An extra sheet: a summary before the list, and one after.
	summary := xlsxbuild.Sheet{Name: "Totals", Rows: []xlsxbuild.Row{
		{Cells: []xlsxbuild.Cell{s("Total"), s(""), s("JEM"), s(""), s("TFM"), s(""), s("WSO")}},
		{Cells: []xlsxbuild.Cell{n("3"), s(""), n("1"), s(""), n("1"), s(""), n("1")}},
	}}
	m["extra_sheet.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{summary, {Name: "Sheet1", Rows: []xlsxbuild.Row{
		header(hdrCounty...),
		{Cells: []xlsxbuild.Cell{s("FLORIDA"), s("Polk County Sheriff's Office"), s("County"), s("Polk County"), s("Jail Enforcement Model"), n("45000"), link(s("link"), moaFL), s("")}},
	}}, {Name: "Sheet2", Rows: summary.Rows}}})

	// A row with data but no agency must be reported, never dropped silently.
	m["blank_agency.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Sheet1", Rows: []xlsxbuild.Row{
		header(hdrEarly...),
		{Cells: []xlsxbuild.Cell{s("TEXAS"), s("Webb County Sheriff's Office"), s("County"), s("Task Force Model"), n("45800"), s("link pending")}},
		{Cells: []xlsxbuild.Cell{s("TEXAS"), s("  "), s("County"), s("Task Force Model"), n("45800"), s("link pending")}},
	}}}})

	// Broken files.
	m["no_header.xlsx"] = xlsxbuild.Build(xlsxbuild.Book{Sheets: []xlsxbuild.Sheet{{Name: "Budget", Rows: []xlsxbuild.Row{
		{Cells: []xlsxbuild.Cell{s("Item"), s("Amount")}},
		{Cells: []xlsxbuild.Cell{s("Fuel"), n("1200")}},
	}}}})
	m["html_block_page.xlsx"] = []byte("<!DOCTYPE html>\n<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>" +
		"<p>You don't have permission to access \"http://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies.xlsx\" on this server.</p></body></html>\n")
	good := m["participating_quirks.xlsx"]
	m["truncated.xlsx"] = good[:len(good)/2]
	m["zip_bomb.xlsx"] = xlsxbuild.Bomb()
	return m
}
