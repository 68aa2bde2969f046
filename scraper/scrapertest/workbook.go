package scrapertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/sheet"
)

// The headers of ICE's two lists (the layout of 2025; later files add
// COUNTY and ADDENDUM, and pending files gained MOA in 2026).
var (
	ParticipatingHeader = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"}
	PendingHeader       = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE"}
)

// Workbook builds an xlsx whose first sheet holds header then rows. A
// cell under SIGNED that reads YYYY-MM-DD is written as an Excel date (a
// serial, as ICE writes it); every other cell as text.
func Workbook(t testing.TB, header []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatalf("workbook style: %v", err)
	}
	for i, row := range append([][]string{header}, rows...) {
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				t.Fatalf("workbook cell: %v", err)
			}
			if i > 0 && j < len(header) && header[j] == "SIGNED" {
				if d, err := time.Parse(time.DateOnly, v); err == nil {
					if err := f.SetCellValue(sh, cell, d); err != nil {
						t.Fatalf("workbook %s: %v", cell, err)
					}
					if err := f.SetCellStyle(sh, cell, cell, dateStyle); err != nil {
						t.Fatalf("workbook %s: %v", cell, err)
					}
					continue
				}
			}
			if err := f.SetCellStr(sh, cell, v); err != nil {
				t.Fatalf("workbook %s: %v", cell, err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatalf("workbook: %v", err)
	}
	return buf.Bytes()
}

// sampleStates and sampleModels vary the generated rows.
var (
	sampleStates = []string{"TEXAS", "FLORIDA", "OKLAHOMA", "GEORGIA", "ARIZONA"}
	sampleModels = []string{"Jail Enforcement Model", "Warrant Service Officer", "Task Force Model"}
)

// SampleRows returns n deterministic rows for list: agency i is
// "Sample County <i> Sheriff's Office", states and models cycling.
func SampleRows(list sheet.List, n int) [][]string {
	rows := make([][]string, 0, n)
	base := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
	for i := range n {
		row := []string{
			sampleStates[i%len(sampleStates)],
			fmt.Sprintf("Sample County %d Sheriff's Office", i+1),
			"County",
			sampleModels[i%len(sampleModels)],
		}
		if list == sheet.Participating {
			row = append(row, base.AddDate(0, 0, i).Format(time.DateOnly), "link")
		}
		rows = append(rows, row)
	}
	return rows
}

// Sample is a workbook of list with n SampleRows.
func Sample(t testing.TB, list sheet.List, n int) []byte {
	t.Helper()
	header := ParticipatingHeader
	if list == sheet.Pending {
		header = PendingHeader
	}
	return Workbook(t, header, SampleRows(list, n))
}
