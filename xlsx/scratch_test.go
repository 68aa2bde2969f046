package xlsx

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// scratchBook is one of a run of workbooks alike in layout and different
// in every value a sheet keeps from its part or its relationships:
// numbers, inline strings, a cell type no reader knows, hyperlink refs,
// targets and locations. Read one after another, each overwrites the
// scratch the last was read into.
func scratchBook(t *testing.T, i int) []byte {
	t.Helper()
	var rows, links, rels strings.Builder
	n := 5 + i%7
	for r := 1; r <= n; r++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>in &amp; %d-%d</t></is></c><c r="C%d" t="zz%d"><v>%s</v></c><c r="D%d" t="s"><v>%d</v></c><c r="E%d" t="s"><v>0</v></c></row>`,
			r, r, 1000*i+r, r, i, r, r, i, strings.Repeat(string(rune('a'+i%26)), r+i%5), r, r%2, r)
		fmt.Fprintf(&links, `<hyperlink ref="E%d" r:id="rId%d"/>`, r, r)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="x/hyperlink" Target="https://example.org/%d/%s?r=%d&amp;x=1" TargetMode="External"/>`, r, i, strings.Repeat("p", i%9), r)
	}
	fmt.Fprintf(&links, `<hyperlink ref="A1:B%d" location="Other!A%d"/>`, n, i+1)
	return zipOf(t, map[string]string{
		"xl/workbook.xml":                     `<workbook xmlns:r="r"><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels":          `<Relationships><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":            `<worksheet xmlns:r="r"><sheetData>` + rows.String() + `</sheetData><hyperlinks>` + links.String() + `</hyperlinks></worksheet>`,
		"xl/worksheets/_rels/sheet1.xml.rels": `<Relationships>` + rels.String() + `</Relationships>`,
		"xl/sharedStrings.xml":                fmt.Sprintf(`<sst><si><t>shared %d</t></si><si><t>other %d</t></si></sst>`, i, i),
	})
}

func readSheet0(t *testing.T, b []byte) *Sheet {
	t.Helper()
	wb, err := Open(b, Limits{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	sh, err := wb.Sheet(0)
	if err != nil {
		t.Fatalf("sheet: %v", err)
	}
	return sh
}

// sheetStrings lists every string a sheet holds.
func sheetStrings(sh *Sheet) []string {
	out := []string{sh.Name}
	for _, r := range sh.Rows {
		for _, c := range r.Cells {
			out = append(out, c.Type, c.Value, c.Link)
		}
	}
	for _, l := range sh.Links {
		out = append(out, l.Ref, l.Target, l.Location)
	}
	return out
}

// TestScratchReusedReadsAsFresh reads a run of different workbooks one
// after another, keeping every sheet, and then each again with memory of
// its own: the sheets must be the same, and none may point into the
// scratch that was reused (a sheet that kept a string of its part would
// show the next workbook's bytes).
func TestScratchReusedReadsAsFresh(t *testing.T) {
	const n = 40
	books := make([][]byte, n)
	kept := make([]*Sheet, n)
	for i := range books {
		books[i] = scratchBook(t, i)
	}
	books[n-1] = testBook(t)
	var reused *scratch
	for i, b := range books {
		kept[i] = readSheet0(t, b)
		mem := spare.Load()
		if mem == nil || cap(mem.part) == 0 || cap(mem.rels) == 0 {
			t.Fatalf("book %d: no scratch kept after a read", i)
		}
		if i > 0 && mem != reused {
			t.Errorf("book %d: read into new scratch, not the one kept", i)
		}
		reused = mem
		part, rels := spanOf(mem.part), spanOf(mem.rels)
		for _, s := range sheetStrings(kept[i]) {
			if part.holds(s) || rels.holds(s) {
				t.Fatalf("book %d: the sheet's %q points into the scratch", i, s)
			}
		}
	}
	for i, b := range books {
		takeScratch() // the fresh read gets memory of its own
		fresh := readSheet0(t, b)
		takeScratch()
		if !reflect.DeepEqual(kept[i], fresh) {
			t.Errorf("book %d: read after others\n%+v\nwant, as read alone,\n%+v", i, kept[i], fresh)
		}
	}
}

// TestScratchConcurrentReads reads workbooks from several goroutines at
// once (under -race, a shared scratch would be a race) and wants each as
// read alone.
func TestScratchConcurrentReads(t *testing.T) {
	const n = 8
	books := make([][]byte, n)
	want := make([]*Sheet, n)
	for i := range books {
		books[i] = scratchBook(t, i)
		want[i] = readSheet0(t, books[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*n)
	for g := range 4 {
		wg.Go(func() {
			for k := range 3 * n {
				i := (g + k) % n
				wb, err := Open(books[i], Limits{})
				if err != nil {
					errs <- err.Error()
					return
				}
				sh, err := wb.Sheet(0)
				if err != nil {
					errs <- err.Error()
					return
				}
				if !reflect.DeepEqual(sh, want[i]) {
					errs <- fmt.Sprintf("book %d read differently alongside others", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestReleasedCellsReused reads a run of workbooks, each twice, releasing
// each sheet before the next read as sheet.Parse does: each must read as
// it does alone, and the second read of a workbook must be in the memory
// the first released.
func TestReleasedCellsReused(t *testing.T) {
	const n = 20
	books := make([][]byte, n)
	want := make([][]Row, n)
	for i := range books {
		books[i] = scratchBook(t, i)
		want[i] = readSheet0(t, books[i]).Rows // never released
	}
	for i, b := range books {
		var first [2]*Cell
		for k := range first {
			sh := readSheet0(t, b)
			if !reflect.DeepEqual(sh.Rows, want[i]) {
				t.Errorf("book %d: read after a released sheet\n%+v\nwant\n%+v", i, sh.Rows, want[i])
			}
			first[k] = &sh.Rows[0].Cells[0]
			sh.Release()
			if sh.Rows != nil {
				t.Fatalf("book %d: rows left after Release", i)
			}
			if mem := spare.Load(); mem == nil || len(mem.cells) != 0 || cap(mem.cells) == 0 || mem.cells[:1][0] != (Cell{}) {
				t.Fatalf("book %d: released cells not kept empty and cleared", i)
			}
		}
		if first[0] != first[1] {
			t.Errorf("book %d: read again into new memory, not the cells released", i)
		}
	}
}

// TestRelTargets wants relTargets to answer as a map from id to target,
// for ids Excel writes and ids it does not.
func TestRelTargets(t *testing.T) {
	ids := []string{"rId1", "rId2", "rId01", "rId0", "rId", "rId10", "rId9999999", "rId12345678", "RID3", "rId3x", "x", "", "rId2", "rId64", "rId65", "rId-1", "rId1"}
	tg := relTargets{maxNum: 64}
	want := map[string]string{}
	for i, id := range ids {
		target := fmt.Sprintf("https://example.org/%d", i)
		tg.put(rel{id: id, target: target})
		want[id] = target
	}
	for _, id := range append(ids, "rId4", "rId63", "rId66", "rId00", "nope") {
		if got := tg.get(id); got != want[id] {
			t.Errorf("target of %q: got %q, want %q", id, got, want[id])
		}
	}
	if len(tg.byNum) > 65 {
		t.Errorf("slice of %d for ids up to 64", len(tg.byNum))
	}
}
