package sheet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/xlsx"
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

func TestDifferentialCorpus(t *testing.T) {
	dir := corpusDir(t)
	for _, e := range readManifest(t, dir) {
		t.Run(e.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, e.name))
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
