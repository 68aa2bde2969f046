package main

import (
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/internal/sqlitetest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// hostileNames are file names a Content-Disposition header can carry:
// they are kept as data by the store and must never become a path outside
// the export, a forged manifest row, a failed export or a terminal escape.
var hostileNames = []string{
	strings.Repeat("a", 5000) + ".xlsx",
	"nul\x00byte.xlsx",
	"row.xlsx\nfiles/forged.xlsx\t1\tparticipating\taccepted",
	"crlf\r\n.xlsx",
	"\x1b[31mred\x1b[0m\x1b]0;title\x07.xlsx",
	"../../../etc/passwd",
	"..",
	"",
	"=HYPERLINK(\"http://evil.example\",\"click\").xlsx",
	"sub/dir\\name.xlsx",
	"\u202Eesrever.xlsx",
	// The same name, and names a case-insensitive file system confuses:
	// each snapshot still gets its own file.
	"dup.xlsx", "dup.xlsx", "DUP.xlsx",
	strings.Repeat("b", 300) + "1.xlsx", strings.Repeat("b", 300) + "2.xlsx",
}

// hostileStore commits one participating snapshot per hostile name
// through the real store, each file growing by one agreement so every
// one is accepted.
func hostileStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(db, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at := time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC)
	for i, name := range hostileNames {
		in := store.Input{
			Source: "https://www.ice.gov/file-download/download/public/" + fmt.Sprint(i),
			Name:   name,
			Body:   scrapertest.Sample(t, sheet.Participating, 10+i),
			SeenAt: at,
		}
		c := store.Cycle{At: at, Inputs: []store.Input{in}, Guard: store.Guard{MaxDropShare: 0.1, MaxDropRows: 20}}
		if _, err := st.Commit(t.Context(), c); err != nil {
			t.Fatalf("commit %q: %v", name, err)
		}
	}
	return db
}

// controlFree reports the first control or bidi-override character in s.
func controlFree(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' || r >= 0x202A && r <= 0x202E {
			return r, false
		}
	}
	return 0, true
}

func TestHostileNamesExport(t *testing.T) {
	db := hostileStore(t)
	out := filepath.Join(t.TempDir(), "export")
	r := runNoPanic(t, "--db", db, "export", "--out", out)
	if r.err != nil {
		t.Fatalf("export: %v", r.err)
	}
	// Everything stays inside --out: files/, the manifest and the CSVs.
	top, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		switch e.Name() {
		case "files", "manifest.tsv", "agreements.csv", "agreements-ever.csv", "changes.csv", "watch287g.sqlite":
		default:
			t.Errorf("export wrote %q at the top of --out, want only files/, manifest.tsv, the CSVs and the database", e.Name())
		}
	}
	files, err := os.ReadDir(filepath.Join(out, "files"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(hostileNames) {
		t.Errorf("exported files: got %d, want %d (one per snapshot)", len(files), len(hostileNames))
	}
	for _, f := range files {
		if f.IsDir() {
			t.Errorf("files/%s: a directory, want only files", f.Name())
		}
		if len(f.Name()) > 255 {
			t.Errorf("files/%.40s…: name of %d bytes, want at most 255", f.Name(), len(f.Name()))
		}
		if r, ok := controlFree(f.Name()); !ok || strings.ContainsAny(f.Name(), "\t\n") {
			t.Errorf("files/%q: holds %U, want no control character", f.Name(), r)
		}
	}
	manifest, err := os.ReadFile(filepath.Join(out, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(manifest), "\n"), "\n")
	if len(lines) != len(hostileNames)+1 {
		t.Fatalf("manifest.tsv: got %d lines, want a header and %d rows\n%s", len(lines), len(hostileNames), manifest)
	}
	cols := len(strings.Split(lines[0], "\t"))
	names := map[string]bool{}
	for _, n := range hostileNames {
		names[escape.TSVField(n)] = true
	}
	for i, l := range lines[1:] {
		fields := strings.Split(l, "\t")
		if len(fields) != cols {
			t.Errorf("manifest.tsv row %d: got %d fields, want %d: %q", i+1, len(fields), cols, l)
			continue
		}
		if _, err := os.Stat(filepath.Join(out, fields[0])); err != nil {
			t.Errorf("manifest.tsv row %d names %q: %v", i+1, fields[0], err)
		}
		if !names[fields[10]] {
			t.Errorf("manifest.tsv row %d: original_name %q, want one of the published names (TSV-escaped)", i+1, fields[10])
		}
	}
	// The hostile names are one snapshots row each in the database.
	sq := openExportDB(t, filepath.Join(out, "watch287g.sqlite"))
	if n := sqlitetest.Int(t, sq, "SELECT count(*) FROM snapshots"); n != len(hostileNames) {
		t.Errorf("sqlite snapshots: got %d rows, want %d", n, len(hostileNames))
	}
}

func TestHostileNamesPrinted(t *testing.T) {
	db := hostileStore(t)
	for _, args := range [][]string{
		{"snapshots"},
		{"agreements"},
		{"changes"},
		{"history", "Sample County 1 "},
	} {
		t.Run(args[0], func(t *testing.T) {
			out := mustRun(t, append([]string{"--db", db}, args...)...)
			if r, ok := controlFree(out); !ok {
				t.Errorf("%s printed %U to the terminal:\n%q", args[0], r, out)
			}
		})
	}
	t.Run("snapshots rows", func(t *testing.T) {
		out := mustRun(t, "--db", db, "snapshots")
		if got, want := strings.Count(out, "\n"), len(hostileNames)+2; got != want {
			t.Errorf("snapshots: got %d lines, want %d (a header, one per snapshot, a summary)\n%s", got, want, out)
		}
	})
	t.Run("csv", func(t *testing.T) {
		out := mustRun(t, "--db", db, "snapshots", "--format", "csv")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("snapshots --format csv: %v", err)
		}
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Errorf("snapshots --format csv: cell %q starts a formula", cell)
				}
			}
		}
	})
}

// TestHostileImportNames imports files whose names on disk carry terminal
// escapes: the --verbose lines, the unreadable line and the error quote
// them made safe.
func TestHostileImportNames(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string][]byte{
		"\x1b[2Jpart\x1b]0;x\x07.xlsx": scrapertest.Sample(t, sheet.Participating, 3),
		"\x1b[31mjunk\r.xlsx":          []byte("<html>Access Denied</html>"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runNoPanic(t, "--db", filepath.Join(t.TempDir(), "w.db"), "import", "--quiet", "--verbose", dir)
	if r.err == nil {
		t.Fatalf("import with an unreadable file: got success, want an error")
	}
	// Of the two files, the one read is imported; the other is named.
	if !strings.Contains(r.stdout, "unreadable: ") || !strings.Contains(r.stdout, "imported 1 files: 1 new snapshots") {
		t.Errorf("import: got\n%q\nwant \"imported 1 files: 1 new snapshots\" and an unreadable line", r.stdout)
	}
	if c, ok := controlFree(r.stdout); !ok {
		t.Errorf("import printed %U:\n%q", c, r.stdout)
	}
}
