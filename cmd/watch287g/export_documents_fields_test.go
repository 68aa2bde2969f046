package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/internal/doctest"
	"github.com/watch287g/watch287g/internal/pdfgen"
)

// TestExportDocumentFields: documents.tsv carries what each PDF's text
// names, with its page, and the contradiction flag; one PDF linked twice
// is written once.
func TestExportDocumentFields(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	base := "https://www.ice.gov/doclib/287gMOA/"
	gamma := pdfgen.PDF("287(g) Jail Enforcement Model MEMORANDUM OF AGREEMENT. This Memorandum of Agreement constitutes an agreement between United States Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and the Gamma Parish Sheriff's Office, hereinafter referred to as the LEA. " +
		strings.Repeat("The LEA agrees to the terms set out in this memorandum. ", 12))
	st, _ := doctest.Build(t, db, []doctest.Doc{
		{State: "LA", Agency: "Gamma Parish Sheriff's Office", URL: base + "gamma.pdf", PDF: gamma},
		{State: "TX", Agency: "Alpha County Sheriff's Office", URL: base + "gamma-again.pdf", PDF: gamma},
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	mustRun(t, "--db", db, "export", "--out", dir)
	pdfs, _ := filepath.Glob(filepath.Join(dir, "documents", "*.pdf"))
	if len(pdfs) != 1 {
		t.Errorf("got %d PDFs, want the one PDF both addresses serve, once", len(pdfs))
	}
	b, err := os.ReadFile(filepath.Join(dir, "documents.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want a header and 2 rows: %q", len(lines), b)
	}
	header := strings.Split(lines[0], "\t")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, l := range lines[1:] {
		row := strings.Split(l, "\t")
		if len(row) != len(header) {
			t.Fatalf("got %d cells, want %d: %q", len(row), len(header), l)
		}
		if row[col["lea"]] != "Gamma Parish Sheriff's Office" || row[col["lea_page"]] != "1" || row[col["model"]] != "jail_enforcement" {
			t.Errorf("got lea %q page %q model %q, want the text's", row[col["lea"]], row[col["lea_page"]], row[col["model"]])
		}
		alpha := strings.Contains(row[col["url"]], "gamma-again")
		if flagged := row[col["contradictions"]] != ""; flagged != alpha {
			t.Errorf("%s: got contradictions %q, want a flag only where Alpha's row links Gamma's MOA", row[col["url"]], row[col["contradictions"]])
		}
	}
}
