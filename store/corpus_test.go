package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/sheet"
)

// corpusDir finds ../shared/corpus next to the module root.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("corpus not found (no go.mod above the test): tests that need the real ICE files are skipped")
		}
		dir = parent
	}
	c := filepath.Join(dir, "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(c, "manifest.tsv")); err != nil {
		t.Skipf("corpus not found at %s: tests that need the real ICE files are skipped", c)
	}
	return c
}

type corpusFile struct {
	name, sha, kind string
	size            int64
	rows            int
	committed       time.Time
}

func readManifest(t testing.TB, dir string) []corpusFile {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusFile
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 8 {
			t.Fatalf("manifest line %q: got %d columns, want 8", sc.Text(), len(c))
		}
		size, _ := strconv.ParseInt(c[2], 10, 64)
		rows, _ := strconv.Atoi(c[7])
		at, _ := time.Parse(time.RFC3339, c[5])
		out = append(out, corpusFile{name: c[0], sha: c[1], size: size, committed: at, kind: c[6], rows: rows})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusParser returns sheet.Parse when it reads the corpus, and otherwise
// a minimal stand-in (excelize, header by name) so the store's size and
// speed can be measured before the real reader lands.
func corpusParser(t testing.TB, dir string, files []corpusFile) func([]byte) (*sheet.File, error) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, files[0].name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sheet.Parse(b); err == nil {
		return sheet.Parse
	}
	t.Logf("sheet.Parse cannot read the corpus yet: measuring with a minimal excelize stand-in")
	return standInParse
}

func standInParse(b []byte) (*sheet.File, error) {
	wb, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("stand-in: %w", sheet.ErrNotXLSX)
	}
	defer wb.Close()
	for _, name := range wb.GetSheetList() {
		rows, err := wb.GetRows(name)
		if err != nil {
			continue
		}
		for h, row := range rows {
			col := map[string]int{}
			for i, c := range row {
				col[strings.ToUpper(strings.TrimSpace(c))] = i
			}
			agency, ok := col["LAW ENFORCEMENT AGENCY"]
			if !ok {
				continue
			}
			f := &sheet.File{List: sheet.Pending, Sheet: name, Header: row}
			signed, hasSigned := col["SIGNED"]
			if hasSigned {
				f.List = sheet.Participating
			}
			cell := func(r []string, k string) string {
				if i, ok := col[k]; ok && i < len(r) {
					return strings.TrimSpace(r[i])
				}
				return ""
			}
			for n, r := range rows[h+1:] {
				if agency >= len(r) || strings.TrimSpace(r[agency]) == "" {
					continue
				}
				rec := sheet.Record{
					Row: h + n + 2, State: cell(r, "STATE"), StateName: cell(r, "STATE"),
					Agency: strings.Join(strings.Fields(r[agency]), " "), AgencyRaw: r[agency],
					Type: cell(r, "TYPE"), Model: cell(r, "SUPPORT TYPE"), ModelRaw: cell(r, "SUPPORT TYPE"),
				}
				if hasSigned && signed < len(r) {
					rec.Signed, rec.SignedRaw = r[signed], r[signed]
				}
				f.Records = append(f.Records, rec)
			}
			return f, nil
		}
	}
	return nil, fmt.Errorf("stand-in: %w", sheet.ErrNoHeader)
}

// readCorpus reads and parses every corpus file in manifest order, one
// cycle each, so the store's own cost can be measured apart from parsing.
func readCorpus(t testing.TB, dir string, files []corpusFile, parse func([]byte) (*sheet.File, error)) []Cycle {
	t.Helper()
	var cycles []Cycle
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Source: filepath.Join(dir, f.name), Name: f.name, Body: body, Published: f.name[:10], SeenAt: f.committed}
		in.Parsed, in.ParseErr = parse(body)
		cycles = append(cycles, Cycle{At: f.committed, Inputs: []Input{in}})
	}
	return cycles
}

func commitCorpus(t testing.TB, s *Store, cycles []Cycle) {
	t.Helper()
	for _, c := range cycles {
		if _, err := s.Commit(context.Background(), c); err != nil {
			t.Fatalf("commit %s: %v", c.Inputs[0].Name, err)
		}
	}
}

func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus import takes seconds")
	}
	ctx := context.Background()
	dir := corpusDir(t)
	files := readManifest(t, dir)
	parse := corpusParser(t, dir, files)
	path := filepath.Join(t.TempDir(), "corpus.db")
	s, err := Open(path, Options{Parse: parse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	start := time.Now()
	cycles := readCorpus(t, dir, files, parse)
	parsing := time.Since(start)
	start = time.Now()
	commitCorpus(t, s, cycles)
	elapsed := time.Since(start)

	snaps, err := s.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != len(files) {
		t.Fatalf("snapshots: got %d, want one per distinct file, %d", len(snaps), len(files))
	}
	var total int64
	status := map[string]int{}
	for i, f := range files {
		total += f.size
		snap := snaps[i]
		status[snap.Status]++
		if snap.SHA256 != f.sha || string(snap.List) != f.kind {
			t.Errorf("%s: got sha %s list %q, want %s %s", f.name, snap.SHA256, snap.List, f.sha, f.kind)
		}
		if snap.Records != f.rows {
			t.Errorf("%s: got %d records, want %d", f.name, snap.Records, f.rows)
		}
	}
	mism, err := s.Verify(ctx)
	if err != nil || len(mism) != 0 {
		t.Errorf("verify: got %v (%v), want clean", mism, err)
	}
	changes, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// An old snapshot rebuilt from its bytes has the ids it had.
	mid := snaps[len(snaps)/2]
	if mid.Status == Accepted {
		if _, aggs, err := s.Agreements(ctx, mid.List, mid.ID); err != nil || len(aggs) != mid.Agreements || (len(aggs) > 0 && aggs[0].ID == "") {
			t.Errorf("rebuild snapshot %d: got %d agreements (%v), want %d with ids", mid.ID, len(aggs), err, mid.Agreements)
		}
	}
	size, err := s.Size()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus: %d files (%d bytes) parsed in %v, committed in %v; statuses %v; %d changes; db %d bytes = %.2f× the files",
		len(files), total, parsing.Round(time.Millisecond), elapsed.Round(time.Millisecond), status, len(changes), size, float64(size)/float64(total))
	if float64(size) > 1.5*float64(total) {
		t.Errorf("db size: got %d bytes, want at most 1.5 × %d", size, total)
	}

	// Committing the corpus again is a no-op: every file is a repeat.
	commitCorpus(t, s, cycles[:20])
	if again, _ := s.Snapshots(ctx); len(again) != len(files) {
		t.Errorf("re-import: got %d snapshots, want %d", len(again), len(files))
	}
}

func BenchmarkCommitCorpus(b *testing.B) {
	dir := corpusDir(b)
	files := readManifest(b, dir)
	cycles := readCorpus(b, dir, files, corpusParser(b, dir, files))
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		commitCorpus(b, s, cycles)
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
