package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// manifestRow is one line of the corpus's manifest.tsv: the truth the
// import is checked against.
type manifestRow struct {
	name string
	sha  string
	kind sheet.List
	rows int
}

// readManifest returns the corpus manifest's rows in file-name order.
func readManifest(t *testing.T, corpus string) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var out []manifestRow
	for line := 0; sc.Scan(); line++ {
		if line == 0 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 8 {
			t.Fatalf("manifest.tsv line %d: got %d columns, want 8", line+1, len(cols))
		}
		n, err := strconv.Atoi(cols[7])
		if err != nil {
			t.Fatalf("manifest.tsv line %d: rows %q: %v", line+1, cols[7], err)
		}
		out = append(out, manifestRow{name: cols[0], sha: cols[1], kind: sheet.List(cols[6]), rows: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// raceEnabled reports whether the test binary was built with -race, where
// the in-process import runs several times slower.
func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// raceCorpusPrefix picks the files TestImportCorpus imports under -race:
// Feb–Apr 2025, 31 files of both lists with the early header changes and
// the first am/pm names (about 15 s under -race). Measured on the shared
// 2-core machine, the whole corpus took 95 s in-process with the race
// detector (61 s to import, 26 s to import again, which re-reads every
// file) against about 10 s without it, so -race runs this subset; the whole
// corpus is still imported without -race, and by TestImportCrash, which
// runs the real (non-race) binary either way.
var raceCorpusPrefix = regexp.MustCompile(`^2025-0[2-4]`)

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func snapshotsOf(t *testing.T, db string) []store.Snapshot {
	t.Helper()
	var body struct{ Snapshots []store.Snapshot }
	decodeJSON(t, mustRun(t, "--db", db, "snapshots", "--format", "json"), &body)
	return body.Snapshots
}

func changesOf(t *testing.T, db string) []diff.Change {
	t.Helper()
	var body struct{ Changes []diff.Change }
	decodeJSON(t, mustRun(t, "--db", db, "changes", "--format", "json"), &body)
	return body.Changes
}

// TestImportCorpus imports the real ICE files and checks every snapshot
// against the manifest, the archive against the bytes, the export against
// the corpus, and that importing again changes nothing.
func TestImportCorpus(t *testing.T) {
	corpus := corpusDir(t)
	manifest := readManifest(t, corpus)
	var want []manifestRow
	for _, m := range manifest {
		if !raceEnabled() || raceCorpusPrefix.MatchString(m.name) {
			want = append(want, m)
		}
	}
	if raceEnabled() {
		t.Logf("race detector on: importing the %d files matching %s of %d", len(want), raceCorpusPrefix, len(manifest))
	}
	args := []string{"--db", filepath.Join(t.TempDir(), "w.db"), "import", "--quiet"}
	db := args[1]
	if len(want) == len(manifest) {
		args = append(args, corpus)
	} else {
		for _, m := range want {
			args = append(args, filepath.Join(corpus, m.name))
		}
	}

	out := mustRun(t, args...)
	if wantLine := fmt.Sprintf("imported %d files: %d new snapshots, 0 already archived, 0 quarantined", len(want), len(want)); !strings.Contains(out, wantLine) {
		t.Errorf("import summary: got\n%s\nwant a line %q", out, wantLine)
	}
	if strings.Contains(out, "unreadable") {
		t.Errorf("import summary reports unreadable files, want 0:\n%s", out)
	}

	t.Run("snapshots match the manifest", func(t *testing.T) {
		snaps := snapshotsOf(t, db)
		if len(snaps) != len(want) {
			t.Fatalf("snapshots: got %d, want %d (one per distinct file)", len(snaps), len(want))
		}
		bySHA := map[string]store.Snapshot{}
		for _, s := range snaps {
			if _, dup := bySHA[s.SHA256]; dup {
				t.Errorf("sha256 %s: two snapshots, want one", s.SHA256)
			}
			bySHA[s.SHA256] = s
		}
		for _, m := range want {
			s, ok := bySHA[m.sha]
			if !ok {
				t.Errorf("%s: no snapshot with sha256 %s", m.name, m.sha)
				continue
			}
			if s.Records != m.rows {
				t.Errorf("%s: records got %d, want %d", m.name, s.Records, m.rows)
			}
			if s.List != m.kind {
				t.Errorf("%s: list got %q, want %q", m.name, s.List, m.kind)
			}
			if s.FileName != m.name {
				t.Errorf("snapshot %d: file name got %q, want %q", s.ID, s.FileName, m.name)
			}
		}
	})

	t.Run("verify", func(t *testing.T) {
		out := mustRun(t, "--db", db, "verify")
		if wantOut := fmt.Sprintf("ok: every archived file matches its sha256 and every record reads (%d snapshots)", len(want)); !strings.Contains(out, wantOut) {
			t.Errorf("verify: got %q, want %q", out, wantOut)
		}
	})

	t.Run("export", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "export")
		mustRun(t, "--db", db, "export", "--out", dir)
		byName := map[string]manifestRow{}
		for _, m := range manifest {
			byName[m.name] = m
		}
		entries, err := os.ReadDir(filepath.Join(dir, "files"))
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != len(want) {
			t.Errorf("exported files: got %d, want %d", len(entries), len(want))
		}
		prefix := regexp.MustCompile(`^\d+_`)
		for _, e := range entries {
			name := prefix.ReplaceAllString(e.Name(), "")
			m, ok := byName[name]
			if !ok {
				t.Errorf("exported %s: no manifest row named %s", e.Name(), name)
				continue
			}
			body, err := os.ReadFile(filepath.Join(dir, "files", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if got := sha256Hex(body); got != m.sha {
				t.Errorf("exported %s: sha256 got %s, want %s", e.Name(), got, m.sha)
			}
		}
		manifestTSV, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(manifestTSV), "\n"), "\n")
		if !strings.HasPrefix(lines[0], "file\tsnapshot\tlist\tstatus\tpublished") {
			t.Errorf("manifest.tsv: got header %q, want file, snapshot, list, status, published, …", lines[0])
		}
		if got := len(lines) - 1; got != len(want) {
			t.Errorf("manifest.tsv: got %d data lines, want %d", got, len(want))
		}
		changes := changesOf(t, db)
		if len(changes) == 0 {
			t.Errorf("changes: got none, want the corpus's changes")
		}
		for _, c := range []struct {
			file   string
			header []string
			rows   int // data rows, -1 when not checked
		}{
			{"agreements.csv", agreementCSVHeader, -1},
			{"changes.csv", changeCSVHeader, len(changes)},
		} {
			f, err := os.Open(filepath.Join(dir, c.file))
			if err != nil {
				t.Errorf("export: %v", err)
				continue
			}
			recs, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				t.Errorf("%s: %v", c.file, err)
				continue
			}
			if len(recs) == 0 || !slices.Equal(recs[0], c.header) {
				t.Errorf("%s: got header %q, want %q", c.file, recs, c.header)
				continue
			}
			if c.rows >= 0 && len(recs)-1 != c.rows {
				t.Errorf("%s: got %d data rows, want %d", c.file, len(recs)-1, c.rows)
			}
			if c.rows < 0 && len(recs) < 2 {
				t.Errorf("%s: got no data rows, want the current agreements", c.file)
			}
		}
	})

	t.Run("import again is a no-op", func(t *testing.T) {
		before := changesOf(t, db)
		out := mustRun(t, args...)
		if wantLine := fmt.Sprintf("imported %d files: 0 new snapshots, %d already archived, 0 quarantined", len(want), len(want)); !strings.Contains(out, wantLine) {
			t.Errorf("second import: got\n%s\nwant a line %q", out, wantLine)
		}
		if got := len(snapshotsOf(t, db)); got != len(want) {
			t.Errorf("snapshots after a second import: got %d, want %d", got, len(want))
		}
		after := changesOf(t, db)
		if len(after) != len(before) {
			t.Errorf("changes after a second import: got %d, want %d", len(after), len(before))
		}
	})
}

// TestImportUnreadable imports a directory holding a file named x.xlsx
// that is not a workbook: the import names it and fails, and every other
// file is still archived.
func TestImportUnreadable(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"participatingAgencies09022025am.xlsx": scrapertest.Sample(t, sheet.Participating, 12),
		"pendingAgencies09022025am.xlsx":       scrapertest.Sample(t, sheet.Pending, 3),
		"participatingAgencies09032025am.xlsx": scrapertest.Sample(t, sheet.Participating, 13),
		"x.xlsx":                               []byte("<html>Access Denied</html>\n"),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db := filepath.Join(t.TempDir(), "w.db")
	r := runCLI(t, "--db", db, "import", "--quiet", dir)
	junk := filepath.Join(dir, "x.xlsx")
	if r.err == nil {
		t.Fatalf("import of a directory with a junk x.xlsx: got success, want an error\n%s", r.stdout)
	}
	if !strings.Contains(r.err.Error(), junk) || !strings.Contains(r.err.Error(), "1 files could not be read") {
		t.Errorf("error: got %q, want it to name %s", r.err, junk)
	}
	if !strings.Contains(r.stdout, "unreadable: "+junk) {
		t.Errorf("summary: got\n%s\nwant an unreadable line naming %s", r.stdout, junk)
	}
	snaps := snapshotsOf(t, db)
	if len(snaps) != 3 {
		t.Fatalf("snapshots: got %d, want 3 (every readable file)", len(snaps))
	}
	got := map[string]bool{}
	for _, s := range snaps {
		got[s.SHA256] = true
	}
	for name, body := range files {
		if name != "x.xlsx" && !got[sha256Hex(body)] {
			t.Errorf("%s: not archived", name)
		}
	}
	if got := len(changesOf(t, db)); got != 1 {
		t.Errorf("changes: got %d, want 1 (agency 13 added on 2025-09-03)", got)
	}
}

// TestPollBytes measures an unchanged poll, for scripts/bench-import.sh:
// a first fetch archives the two lists (the newest corpus files when the
// corpus is present), a second one must transfer no file bytes (304) and
// add one small check record. It logs "pollbytes:" lines the script greps.
func TestPollBytes(t *testing.T) {
	e := newFetchEnv(t)
	partBody := scrapertest.Sample(t, sheet.Participating, 1500)
	pendBody := scrapertest.Sample(t, sheet.Pending, 20)
	if corpus, ok := corpustest.Find(); ok {
		var lastPart, lastPend string
		for _, m := range readManifest(t, corpus) {
			if m.kind == sheet.Participating {
				lastPart = m.name
			} else {
				lastPend = m.name
			}
		}
		var err error
		if partBody, err = os.ReadFile(filepath.Join(corpus, lastPart)); err != nil {
			t.Fatal(err)
		}
		if pendBody, err = os.ReadFile(filepath.Join(corpus, lastPend)); err != nil {
			t.Fatal(err)
		}
	}
	e.ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies03022026am.xlsx", Body: partBody, LastModified: day1},
		scrapertest.Doc{Name: "pendingAgencies03022026am.xlsx", Body: pendBody, LastModified: day1})
	if r := e.run(t, "fetch"); r.err != nil {
		t.Fatalf("first fetch: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	size1, checks1 := dbStats(t, e.db)

	e.ice.ResetRequests()
	if r := e.run(t, "fetch"); r.err != nil {
		t.Fatalf("second fetch: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	size2, checks2 := dbStats(t, e.db)

	var fileBytes, pageBytes int64
	var fileRequests int
	for _, req := range e.ice.Requests() {
		if strings.HasSuffix(req.Path, ".xlsx") {
			fileRequests++
			fileBytes += req.Bytes
			if req.Status != 304 {
				t.Errorf("%s: got status %d on an unchanged poll, want 304", req.Path, req.Status)
			}
		} else {
			pageBytes += req.Bytes
		}
	}
	if fileRequests != 2 {
		t.Errorf("file requests on the second poll: got %d, want 2", fileRequests)
	}
	if fileBytes != 0 {
		t.Errorf("file bytes on an unchanged poll: got %d, want 0", fileBytes)
	}
	if got := len(checks2) - len(checks1); got != 1 {
		t.Fatalf("check records written by an unchanged poll: got %d, want 1", got)
	}
	if got, want := checks2[0].Outcome, store.CheckNotModified; got != want {
		t.Errorf("unchanged poll's check outcome: got %q, want %q", got, want)
	}
	if got, want := checks1[0].Outcome, store.CheckDownloaded; got != want {
		t.Errorf("first poll's check outcome: got %q, want %q", got, want)
	}
	rec, err := json.Marshal(checks2[0]) // newest first
	if err != nil {
		t.Fatal(err)
	}
	if got := len(snapshotsOf(t, e.db)); got != 2 {
		t.Errorf("snapshots after an unchanged poll: got %d, want 2", got)
	}
	t.Logf("pollbytes: first poll archived %d + %d file bytes; db %d bytes", len(partBody), len(pendBody), size1)
	t.Logf("pollbytes: unchanged poll: file_bytes=%d page_bytes=%d file_requests=%d statuses=304", fileBytes, pageBytes, fileRequests)
	t.Logf("pollbytes: unchanged poll: check_records=+%d check_record_json_bytes=%d db_growth_bytes=%d", len(checks2)-len(checks1), len(rec), size2-size1)
}

// dbStats returns the database file's size and its check records.
func dbStats(t *testing.T, db string) (int64, []store.Check) {
	t.Helper()
	info, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checks, err := st.Checks(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size(), checks
}
