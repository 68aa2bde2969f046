package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeXLSX writes a one-sheet workbook with header and rows to dir/name.
func writeXLSX(t *testing.T, dir, name string, header []string, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	t.Cleanup(func() { f.Close() })
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, name)
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

var partHeader = []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	oldPath := writeXLSX(t, dir, "participatingAgencies03012025am.xlsx", partHeader, [][]any{
		{"LOUISIANA", "Calacasieu Parish Sheriff's Office", "County", "Warrant Service Officer", 45717, "link pending"},
		{"VIRGINIA", "Virginia Marine Resources Commission", "State Agency", "Task Force Model", 45778, "link pending"},
		{"FLORIDA", "Gulf County Sheriff's Office", "County", "Task Force Model", 45714, "link pending"},
	})
	newPath := writeXLSX(t, dir, "participatingAgencies03022025am.xlsx", partHeader, [][]any{
		{"LOUISIANA", "Calcasieu Parish Sheriff's Office", "County", "Warrant Service Officer", 45717, "link pending"},
		{"FLORIDA", "Gulf County Sheriff's Office", "County", "Task Force Model", 45714, "link pending"},
		{"TEXAS", "Alice Police Department", "Municipality", "Task Force Model", 46027, "link pending"},
		{"TEXAS", "Andrews County Sheriff's Office", "County", "Warrant Service Officer", 46027, "link pending"},
	})
	pendPath := writeXLSX(t, dir, "pendingAgencies03022025am.xlsx", []string{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE"}, [][]any{
		{"TEXAS", "Archer County Sheriff's Office", "County", "Task Force Model"},
	})

	t.Run("json", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"diff", oldPath, newPath, "--format", "json"}, nil, &out, &errb); err != nil {
			t.Fatalf("got error %v (stderr %s), want none", err, errb.String())
		}
		var doc struct {
			Old, New struct {
				File       string `json:"file"`
				List       string `json:"list"`
				Records    int    `json:"records"`
				Agreements int    `json:"agreements"`
			}
			Added, Removed, Changed []struct {
				Kind        string   `json:"kind"`
				AgreementID string   `json:"agreement_id"`
				Fields      []string `json:"fields"`
			}
			Warnings []json.RawMessage `json:"warnings"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out.String())
		}
		if doc.Old.Agreements != 3 || doc.New.Agreements != 4 {
			t.Errorf("agreements: got %d → %d, want 3 → 4", doc.Old.Agreements, doc.New.Agreements)
		}
		if got, want := doc.New.Agreements, doc.Old.Agreements+len(doc.Added)-len(doc.Removed); got != want {
			t.Errorf("invariant: got new.agreements %d, want %d", got, want)
		}
		if len(doc.Added) != 2 || len(doc.Removed) != 1 || len(doc.Changed) != 1 {
			t.Errorf("changes: got +%d -%d ~%d, want +2 -1 ~1", len(doc.Added), len(doc.Removed), len(doc.Changed))
		}
		if len(doc.Changed) == 1 && strings.Join(doc.Changed[0].Fields, ",") != "agency" {
			t.Errorf("changed fields: got %v, want [agency]", doc.Changed[0].Fields)
		}
		if doc.Old.List != "participating" || doc.Old.File != oldPath {
			t.Errorf("old side: got %+v", doc.Old)
		}
		if doc.Warnings == nil || !strings.Contains(out.String(), `"warnings": [`) {
			t.Errorf("warnings: want an array, never null")
		}
	})
	t.Run("text", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"diff", oldPath, newPath}, nil, &out, &errb); err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		for _, want := range []string{"2 added, 1 removed, 1 changed", "Cal[-a-]casieu", "Virginia Marine Resources Commission"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("text: missing %q in\n%s", want, out.String())
			}
		}
	})
	t.Run("csv", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"diff", "--format", "csv", oldPath, newPath}, nil, &out, &errb); err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 5 || lines[0] != strings.Join(changeCSVHeader, ",") {
			t.Errorf("csv: got %d lines starting %q, want 5 with a header", len(lines), lines[0])
		}
	})
	t.Run("different lists", func(t *testing.T) {
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"diff", oldPath, pendPath}, nil, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), "different lists") {
			t.Errorf("got error %v, want one about different lists", err)
		}
	})
	t.Run("usage", func(t *testing.T) {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"diff", oldPath}, nil, &out, &errb); err == nil {
			t.Errorf("got no error for one argument, want a usage error")
		}
	})
}
