package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/xlsx"
)

// The reference comparison covers sheets up to this size: far beyond
// ICE's 1,600 rows and 8 columns.
const (
	maxCompareRow = 20000
	maxCompareCol = 200
)

// cellKey addresses one cell.
type cellKey struct{ row, col int }

// ourCells reads sheet i with package xlsx: non-empty values and links.
func ourCells(wb *xlsx.Workbook, i int) (vals, links map[cellKey]string, err error) {
	sh, err := wb.Sheet(i)
	if err != nil {
		return nil, nil, err
	}
	vals, links = map[cellKey]string{}, map[cellKey]string{}
	for _, r := range sh.Rows {
		for _, c := range r.Cells {
			if c.Value != "" {
				vals[cellKey{r.Num, c.Col}] = c.Value
			}
			if c.Link != "" {
				links[cellKey{r.Num, c.Col}] = c.Link
			}
		}
	}
	return vals, links, nil
}

// excelizeCells reads the same sheet with excelize, the reference reader:
// raw values (no number formats) and the hyperlink of every cell we
// report a value or link for, plus every single-cell link excelize lists.
func excelizeCells(x *excelize.File, name string, probe map[cellKey]bool) (vals, links map[cellKey]string, err error) {
	rows, err := x.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, err
	}
	vals, links = map[cellKey]string{}, map[cellKey]string{}
	for ri, r := range rows {
		for ci, v := range r {
			if v != "" {
				vals[cellKey{ri + 1, ci + 1}] = v
			}
		}
	}
	refs, err := x.GetHyperLinkCells(name, "")
	if err != nil {
		return nil, nil, err
	}
	for _, ref := range refs {
		if c, r, ok := xlsx.ParseRef(ref); ok {
			probe[cellKey{r, c}] = true
			continue
		}
		// A range: probe the cells in it that hold values.
		a, b, _ := strings.Cut(ref, ":")
		c1, r1, ok1 := xlsx.ParseRef(a)
		c2, r2, ok2 := xlsx.ParseRef(b)
		if !ok1 || !ok2 {
			continue
		}
		for k := range vals {
			if min(c1, c2) <= k.col && k.col <= max(c1, c2) && min(r1, r2) <= k.row && k.row <= max(r1, r2) {
				probe[k] = true
			}
		}
	}
	for k := range probe {
		ref := xlsx.ColumnName(k.col) + fmt.Sprint(k.row)
		ok, target, err := x.GetCellHyperLink(name, ref)
		if err != nil {
			return nil, nil, err
		}
		if ok && target != "" {
			links[k] = target
		}
	}
	return vals, links, nil
}

// compareReaders reads every sheet of b with both readers. It returns
// (false, nil) when either reader refuses the file, and an error naming
// the first differences when both read it but disagree.
func compareReaders(b []byte) (bool, error) {
	wb, err := xlsx.Open(b, xlsx.Limits{})
	if err != nil {
		return false, nil
	}
	if !wellFormed(b) || tooBigForReference(b) || cellNamesOtherRow(b) {
		// excelize reads a malformed part as empty, without an error;
		// our reader is lenient. There is no reference to compare with.
		// Nor is there when a cell's reference names another row than
		// its <row>: excelize trusts the row, our reader (like openpyxl
		// and LibreOffice) the cell.
		return false, nil
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return false, nil
	}
	defer x.Close()
	var diffs []string
	for i, info := range wb.Sheets {
		vals, links, err := ourCells(wb, i)
		if err != nil {
			return false, nil
		}
		for k := range vals {
			if k.row > maxCompareRow || k.col > maxCompareCol {
				// excelize materialises every row and column up to the
				// last one; a fuzzed A1048576 would cost it seconds.
				return false, nil
			}
		}
		probe := map[cellKey]bool{}
		for k := range links {
			probe[k] = true
		}
		xv, xl, err := excelizeCells(x, info.Name, probe)
		if err != nil {
			return false, nil
		}
		diffs = append(diffs, diffMaps(info.Name+" value", vals, xv)...)
		// Links excelize reports for cells our reader never saw (no <c>
		// element) are out of scope: a link on a cell with no value.
		for k := range xl {
			if _, ok := probeCell(vals, links, k); !ok {
				delete(xl, k)
			}
		}
		diffs = append(diffs, diffMaps(info.Name+" link", links, xl)...)
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("… %d more", len(diffs)-10))
		}
		return true, fmt.Errorf("readers disagree:\n%s", strings.Join(diffs, "\n"))
	}
	return true, nil
}

func probeCell(vals, links map[cellKey]string, k cellKey) (string, bool) {
	if v, ok := vals[k]; ok {
		return v, true
	}
	v, ok := links[k]
	return v, ok
}

func diffMaps(what string, ours, ref map[cellKey]string) []string {
	var out []string
	for k, v := range ours {
		if rv, ok := ref[k]; !ok || rv != v {
			out = append(out, fmt.Sprintf("%s %s%d: got %q, want %q (excelize)", what, xlsx.ColumnName(k.col), k.row, v, rv))
		}
	}
	for k, rv := range ref {
		if _, ok := ours[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s%d: got nothing, want %q (excelize)", what, xlsx.ColumnName(k.col), k.row, rv))
		}
	}
	return out
}

// differentialCommand runs the full corpus differential, as its own CI step.
const differentialCommand = "go test -count=1 -run 'TestDifferentialCorpus$' ./sheet/"

// raceSampleEvery is the stride of the corpus sample compared under -race.
const raceSampleEvery = 20

// TestDifferentialCorpus compares our reader with excelize on every corpus
// file. Under -race excelize makes it take ten minutes on a busy machine,
// so there it is skipped (TestDifferentialCorpusSample compares a sample)
// and runs without -race in its own CI step (differentialCommand).
func TestDifferentialCorpus(t *testing.T) {
	if raceEnabled {
		t.Skipf("the full corpus differential is too slow under -race; it runs without -race in its own CI step: %s", differentialCommand)
	}
	differentialCorpus(t, 1)
}

// TestDifferentialCorpusSample compares every raceSampleEvery-th corpus
// file under -race, so that the race run still covers the comparison.
// Without -race TestDifferentialCorpus covers every file.
func TestDifferentialCorpusSample(t *testing.T) {
	if !raceEnabled {
		t.Skip("without -race TestDifferentialCorpus compares every corpus file")
	}
	differentialCorpus(t, raceSampleEvery)
}

// differentialCorpus compares the readers on every every-th corpus file.
func differentialCorpus(t *testing.T, every int) {
	dir := corpustest.Dir(t)
	for i, e := range corpustest.Manifest(t, dir) {
		if i%every != 0 {
			continue
		}
		t.Run(e.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, e.Name))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			both, err := compareReaders(b)
			if !both {
				t.Fatal("got a refusal from one reader, want both to read the file")
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// mainNS is SpreadsheetML's namespace. excelize decodes parts by
// namespace and reads a worksheet or shared string table in any other as
// empty; our reader goes by local names.
const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// wellFormed reports whether every XML part under xl/ parses with
// encoding/xml, and worksheets and shared strings are in mainNS.
func wellFormed(b []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		// [Content_Types].xml too: excelize finds the worksheets through
		// it, so with it unreadable it reads no cells at all.
		if f.Name != "[Content_Types].xml" && (!strings.HasPrefix(f.Name, "xl/") || !(strings.HasSuffix(f.Name, ".xml") || strings.HasSuffix(f.Name, ".rels"))) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		checkNS := strings.HasPrefix(f.Name, "xl/worksheets/") && strings.HasSuffix(f.Name, ".xml") || f.Name == "xl/sharedStrings.xml"
		d := xml.NewDecoder(io.LimitReader(rc, 64<<20))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				rc.Close()
				return false
			}
			if se, ok := tok.(xml.StartElement); ok && checkNS {
				if se.Name.Space != mainNS {
					rc.Close()
					return false
				}
				checkNS = false
			}
		}
		rc.Close()
	}
	return true
}

// refAttr matches the r attribute of rows and cells.
var refAttr = regexp.MustCompile(`\br\s*=\s*["']\$?([A-Za-z]*)\$?([0-9]+)["']`)

// tooBigForReference reports whether a worksheet names a row or column
// past the compared size: excelize fills every row up to the last one it
// sees, so a fuzzed r="1048576" costs it seconds and proves nothing.
func tooBigForReference(b []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return true
	}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return true
		}
		data, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			return true
		}
		for _, m := range refAttr.FindAllSubmatch(data, -1) {
			if len(m[1]) > 2 || len(m[2]) > 5 {
				return true
			}
			if n, _ := strconv.Atoi(string(m[2])); n > maxCompareRow {
				return true
			}
			if len(m[1]) > 0 {
				if c, _, ok := xlsx.ParseRef(string(m[1]) + "1"); !ok || c > maxCompareCol {
					return true
				}
			}
		}
	}
	return false
}

// cellNamesOtherRow reports whether a worksheet has a cell whose r
// attribute names another row than the <row> it sits in (a row without r
// follows the previous one), or a row whose r is not a row number.
func cellNamesOtherRow(b []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return false
	}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		d := xml.NewDecoder(io.LimitReader(rc, 64<<20))
		row := 0
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			var r string
			hasR := false
			for _, a := range se.Attr {
				if a.Name.Local == "r" {
					r, hasR = a.Value, true
				}
			}
			switch se.Name.Local {
			case "row":
				row++
				if n, err := strconv.Atoi(r); err == nil && n > 0 {
					row = n
				} else if hasR {
					// r="" or r="x": excelize reads row 0, our reader
					// the row after the previous one.
					rc.Close()
					return true
				}
			case "c":
				if _, rr, ok := xlsx.ParseRef(r); ok && rr != row {
					rc.Close()
					return true
				}
			}
		}
		rc.Close()
	}
	return false
}
