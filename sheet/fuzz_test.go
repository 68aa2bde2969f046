package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the reader: it must never panic, and
// whenever both it and excelize read a workbook they must see the same
// cells.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "*.xlsx"))
	if err != nil {
		f.Fatalf("glob seeds: %v", err)
	}
	if len(seeds) == 0 {
		f.Fatal("got no seeds in ../testdata, want the fixtures (run go generate ./sheet/)")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatalf("read seed: %v", err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err == nil && file == nil {
			t.Fatal("got nil file and nil error")
		}
		if err == nil {
			for _, r := range file.Records {
				if r.Agency == "" {
					t.Fatalf("row %d: got a record with a blank agency", r.Row)
				}
			}
		}
		if _, err := compareReaders(b); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFixturesMatchExcelize(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "*.xlsx"))
	read := 0
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		both, err := compareReaders(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(s), err)
		}
		if both {
			read++
		}
	}
	if read < 8 {
		t.Errorf("got %d fixtures read by both readers, want at least 8", read)
	}
}

// FuzzSheetXML fuzzes the worksheet and shared-string XML inside a valid
// zip, where FuzzParse's mutations mostly break the zip's checksums. Run it
// with a short minimisation time:
//
//	go test -run '^$' -fuzz '^FuzzSheetXML$' -fuzzminimizetime 2s ./sheet/
//
// Each execution runs excelize too, and Go minimises every input that
// finds new coverage for up to a minute by default, reporting no
// executions meanwhile: that, not the readers, is what made the fuzzer
// look like it ran ten inputs a minute (11,000 a minute with 2s).
func FuzzSheetXML(f *testing.F) {
	f.Add(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetData>`+
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`+
		`<row r="2"><c r="A2" t="inlineStr"><is><t>TEXAS</t></is></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="str"><v>Task Force Model</v></c><c r="D2"><v>45922</v></c><c r="E2" t="e"><v>#N/A</v></c></row>`+
		`</sheetData><hyperlinks><hyperlink ref="B2" r:id="rId1"/><hyperlink ref="C2:D3" location="A1"/></hyperlinks></worksheet>`,
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>STATE</t></si><si><t>AGENCY</t></si><si><t>SUPPORT TYPE</t></si><si><t>SIGNED</t></si>`+
			`<si><r><t xml:space="preserve">Harris &amp; </t></r><r><rPr><b/></rPr><t>Co_x0020_SO</t></r><rPh><t>x</t></rPh></si></sst>`)
	f.Fuzz(func(t *testing.T, sheetXML, sstXML string) {
		b := fuzzBook(t, sheetXML, sstXML)
		if _, err := Parse(b); err != nil && !errors.Is(err, ErrNotXLSX) && !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got error %v, want one of the sentinel errors", err)
		}
		if _, err := compareReaders(b); err != nil {
			t.Fatal(err)
		}
	})
}

func fuzzBook(t *testing.T, sheetXML, sstXML string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/_rels/sheet1.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fa.pdf&amp;data=1" TargetMode="External"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheetXML},
		{"xl/sharedStrings.xml", sstXML},
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
