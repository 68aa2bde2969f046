package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// fixture is a store filled the way a user fills one: `import` of a
// directory of generated ICE files over three publication days.
//
//	2025-09-02  participating 30 rows, pending 5 towns        (baselines)
//	2025-09-03  participating 32 rows (2 added), pending 4    (1 removed)
//	2025-09-04  participating: agency 1's signed date fixed (changed),
//	            "=1+2 Sheriff's Office" (TX, task force) added
type fixture struct {
	db, dir string
	// files by published day and list, for parse and diff.
	files map[string]string
}

// Fixture sizes and dates the tests below count on.
const (
	fxDay1, fxDay2, fxDay3 = "2025-09-02", "2025-09-03", "2025-09-04"
	fxFormula              = "=1+2 Sheriff's Office"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	fx := &fixture{db: filepath.Join(t.TempDir(), "w.db"), dir: dir, files: map[string]string{}}
	towns := func(n int) [][]string {
		r := scrapertest.SampleRows(sheet.Pending, n)
		for i := range r {
			r[i][1] = fmt.Sprintf("Sample Town %d Police Department", i+1)
		}
		return r
	}
	p1 := scrapertest.SampleRows(sheet.Participating, 30)
	p2 := scrapertest.SampleRows(sheet.Participating, 32)
	p3 := scrapertest.SampleRows(sheet.Participating, 32)
	p3[0][4] = "2025-01-05" // agency 1's signed date corrected
	p3 = append(p3, []string{"TEXAS", fxFormula, "County", "Task Force Model", "2025-08-30", "link"})
	for _, f := range []struct {
		day, name string
		list      sheet.List
		rows      [][]string
	}{
		{fxDay1, "participatingAgencies09022025am.xlsx", sheet.Participating, p1},
		{fxDay1, "pendingAgencies09022025am.xlsx", sheet.Pending, towns(5)},
		{fxDay2, "participatingAgencies09032025am.xlsx", sheet.Participating, p2},
		{fxDay2, "pendingAgencies09032025am.xlsx", sheet.Pending, towns(4)},
		{fxDay3, "participatingAgencies09042025am.xlsx", sheet.Participating, p3},
	} {
		header := scrapertest.ParticipatingHeader
		if f.list == sheet.Pending {
			header = scrapertest.PendingHeader
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, scrapertest.Workbook(t, header, f.rows), 0o644); err != nil {
			t.Fatal(err)
		}
		fx.files[f.day+"/"+string(f.list)] = p
	}
	mustRun(t, "--db", fx.db, "import", "--quiet", dir)
	return fx
}

func (fx *fixture) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runNoPanic(t, append([]string{"--db", fx.db}, args...)...)
}

func (fx *fixture) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := fx.run(t, args...)
	if r.err != nil {
		t.Fatalf("watch287g %s: %v\nstderr:\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// changes returns `changes --format json ARGS…`.
func (fx *fixture) changes(t *testing.T, args ...string) []diff.Change {
	t.Helper()
	var body struct {
		Changes []diff.Change `json:"changes"`
	}
	decodeJSON(t, fx.mustRun(t, append([]string{"changes", "--format", "json"}, args...)...), &body)
	return body.Changes
}

// readCSV parses a command's CSV output and checks its header.
func readCSV(t *testing.T, out string, header []string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("CSV output does not parse: %v\n%s", err, out)
	}
	if len(recs) == 0 {
		t.Fatalf("CSV output: got no header row, want %q", header)
	}
	if header != nil && !slices.Equal(recs[0], header) {
		t.Fatalf("CSV header: got %q, want %q", recs[0], header)
	}
	return recs[1:]
}

// TestChangesDates checks --since, --until (inclusive) and --on on the
// published days of the fixture, against the whole list filtered here.
func TestChangesDates(t *testing.T) {
	fx := newFixture(t)
	all := fx.changes(t)
	byDay := map[string]int{}
	for _, c := range all {
		byDay[c.AfterPublished]++
	}
	if byDay[fxDay2] == 0 || byDay[fxDay3] == 0 {
		t.Fatalf("fixture: got changes by day %v, want some on %s and %s", byDay, fxDay2, fxDay3)
	}
	for _, c := range []struct {
		name string
		args []string
		want int
	}{
		{"until includes its day", []string{"--until", fxDay2}, byDay[fxDay2]},
		{"since and until one day", []string{"--since", fxDay2, "--until", fxDay2}, byDay[fxDay2]},
		{"on", []string{"--on", fxDay3}, byDay[fxDay3]},
		{"on a day without changes", []string{"--on", fxDay1}, 0},
		{"since", []string{"--since", fxDay3}, byDay[fxDay3]},
		{"since and until two days", []string{"--since", fxDay2, "--until", fxDay3}, byDay[fxDay2] + byDay[fxDay3]},
		{"until before everything", []string{"--until", "2025-09-01"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := len(fx.changes(t, c.args...)); got != c.want {
				t.Errorf("changes %s: got %d changes, want %d", strings.Join(c.args, " "), got, c.want)
			}
		})
	}
}

// TestFlagsAnywhere runs commands with their flags after the positional
// arguments, as the reporter typed them.
func TestFlagsAnywhere(t *testing.T) {
	fx := newFixture(t)
	out := fx.mustRun(t, "history", "Sample County 1 Sheriff's", "--format", "csv")
	rows := readCSV(t, out, changeCSVHeader)
	if len(rows) == 0 {
		t.Errorf("history QUERY --format csv: got no rows, want agency 1's timeline")
	}
	var doc struct {
		Query string `json:"query"`
	}
	decodeJSON(t, fx.mustRun(t, "history", "Sample", "--format=json", "County 1"), &doc)
	if doc.Query != "Sample County 1" {
		t.Errorf("history query with a flag between its words: got %q, want %q", doc.Query, "Sample County 1")
	}
	if out := fx.mustRun(t, "history", "--", "--format"); !strings.Contains(out, `no agreement matches "--format"`) {
		t.Errorf("history -- --format: got %q, want --format read as the query", out)
	}
	var p struct {
		List string `json:"list"`
	}
	decodeJSON(t, fx.mustRun(t, "parse", fx.files[fxDay1+"/pending"], "--format", "json"), &p)
	if p.List != "pending" {
		t.Errorf("parse FILE --format json: got list %q, want pending", p.List)
	}
}

// TestErrorPrefix checks that error lines name the command once: run()
// adds "CMD: ", nothing below it repeats it.
func TestErrorPrefix(t *testing.T) {
	fx := newFixture(t)
	missing := filepath.Join(t.TempDir(), "missing")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// fetch fails at once against a closed port: no retries.
	cfg := writeConfig(t, "fetch: {delay: 1ms, timeout: 2s, retries: 0}\n")
	for _, args := range [][]string{
		{"import", missing},
		{"import", "--quiet", notDir},
		{"export", "--out", filepath.Join(notDir, "sub")},
		{"diff", missing, fx.files[fxDay1+"/participating"]},
		{"parse", missing},
		{"fetch", "--page-url", "http://127.0.0.1:1/287g"},
		{"outbox", "retry", "999"},
		{"agreements", "--at", "999"},
		{"accept", "999"},
		{"diff", "1", "999"},
		{"changes", "--snapshot", "999"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			r := fx.run(t, append([]string{"--config", cfg}, args...)...)
			if r.err == nil {
				t.Fatalf("got success, want an error")
			}
			msg := r.err.Error()
			if rep := repeatedPrefix(msg); rep != "" {
				t.Errorf("error %q repeats %q", msg, rep)
			}
			if rest, ok := strings.CutPrefix(msg, args[0]+": "); !ok || strings.HasPrefix(rest, args[0]) {
				t.Errorf("error %q: want it to start with %q once", msg, args[0]+": ")
			}
		})
	}
}

// badInput is one wrong command line: it must fail with one clear line
// naming what is wrong, never panic and never exit 0.
type badInput struct {
	args []string
	want string // a part of the error message
}

// TestBadInput runs wrong command lines for every command on a real store.
func TestBadInput(t *testing.T) {
	fx := newFixture(t)
	missing := filepath.Join(t.TempDir(), "missing.xlsx")
	junk := filepath.Join(t.TempDir(), "junk.xlsx")
	if err := os.WriteFile(junk, []byte("<html>Access Denied</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	part := fx.files[fxDay1+"/participating"]
	for _, c := range []badInput{
		{[]string{"nosuchcommand"}, "unknown command"},
		{[]string{"changes", "--since", "2025-13-01"}, "--since"},
		{[]string{"changes", "--until", "yesterday"}, "--until"},
		{[]string{"changes", "--on", "2025-09-03", "--since", "2025-09-01"}, "--on"},
		{[]string{"changes", "--since", "2025-09-04", "--until", "2025-09-03"}, "before"},
		{[]string{"changes", "--state", "Narnia"}, "--state"},
		{[]string{"changes", "--state", "XX"}, "XX"},
		{[]string{"changes", "--model", "task-farce"}, "task-farce"},
		{[]string{"agreements", "--model", "Task Farce"}, "Task Farce"},
		{[]string{"changes", "--kind", "added,bogus"}, "bogus"},
		{[]string{"changes", "--list", "bogus"}, "bogus"},
		{[]string{"changes", "--format", "xml"}, "xml"},
		{[]string{"changes", "TX"}, "argument"},
		{[]string{"changes", "--limit", "-1"}, "--limit"},
		{[]string{"changes", "--limit", "many"}, "limit"},
		{[]string{"agreements", "--list", "bogus"}, "bogus"},
		{[]string{"agreements", "--at", "someday"}, "--at"},
		{[]string{"agreements", "--at", "999"}, "999"},
		{[]string{"agreements", "--format", "yaml"}, "yaml"},
		{[]string{"history"}, "QUERY"},
		{[]string{"history", "x", "--format", "xml"}, "xml"},
		{[]string{"snapshots", "--format", "xml"}, "xml"},
		{[]string{"snapshots", "extra"}, "argument"},
		{[]string{"accept"}, "snapshot ID"},
		{[]string{"accept", "abc"}, "abc"},
		{[]string{"accept", "999"}, "999"},
		{[]string{"accept", "1"}, "not quarantined"},
		{[]string{"diff", part}, "two arguments"},
		{[]string{"diff", "1", "999"}, "999"},
		{[]string{"diff", missing, part}, "missing.xlsx"},
		{[]string{"diff", junk, part}, "junk.xlsx"},
		{[]string{"diff", fx.files[fxDay1+"/pending"], part}, "different lists"},
		{[]string{"diff", part, part, "--format", "xml"}, "xml"},
		{[]string{"parse"}, "FILE"},
		{[]string{"parse", missing}, "missing.xlsx"},
		{[]string{"parse", junk}, "junk.xlsx"},
		{[]string{"parse", part, "--format", "xml"}, "xml"},
		{[]string{"import"}, "FILE or DIR"},
		{[]string{"import", missing}, "missing.xlsx"},
		{[]string{"import", "--order", "size", part}, "--order"},
		{[]string{"import", t.TempDir()}, "no .xlsx files"},
		{[]string{"export"}, "--out"},
		{[]string{"export", "--out", full}, "not empty"},
		{[]string{"verify", "extra"}, "argument"},
		{[]string{"verify", "--server", "http://127.0.0.1:1"}, "database"},
		{[]string{"outbox", "--state", "bogus"}, "bogus"},
		{[]string{"outbox", "--server", "http://127.0.0.1:1"}, "database"},
		{[]string{"outbox", "retry"}, "delivery ID"},
		{[]string{"outbox", "retry", "abc"}, "abc"},
		{[]string{"outbox", "retry", "999"}, "999"},
		{[]string{"outbox", "--server", "http://127.0.0.1:1", "retry", "1"}, "database"},
		{[]string{"outbox", "--format", "json", "retry", "1"}, "-format"},
		{[]string{"config"}, "check"},
		{[]string{"config", "bogus"}, "check"},
		{[]string{"notify"}, "test"},
		{[]string{"notify", "bogus"}, "test"},
		{[]string{"fetch", "extra"}, "argument"},
		{[]string{"serve", "--listen", "not an address"}, "listen"},
	} {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			r := fx.run(t, c.args...)
			checkBad(t, r, c.want)
		})
	}
	t.Run("no database", func(t *testing.T) {
		for _, cmd := range []string{"changes", "agreements", "snapshots", "verify", "outbox"} {
			r := runNoPanic(t, "--db", filepath.Join(t.TempDir(), "none.db"), cmd)
			checkBad(t, r, "no database")
		}
	})
}

func checkBad(t *testing.T, r cliResult, want string) {
	t.Helper()
	switch {
	case r.err == nil:
		t.Fatalf("got success, want an error naming %q\nstdout:\n%s", want, r.stdout)
	case errors.Is(r.err, flag.ErrHelp), errors.Is(r.err, errQuarantined):
		t.Fatalf("got %v, want an error (exit 1)", r.err)
	}
	msg := r.err.Error()
	if !strings.Contains(msg, want) {
		t.Errorf("error: got %q, want it to contain %q", msg, want)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error: got %q, want one line", msg)
	}
	if strings.Contains(r.stderr, "usage:") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr: got %q, want no usage screen and no panic", r.stderr)
	}
}

// TestStoreFixtureCounts pins the fixture, so the tests above count on
// what it holds.
func TestStoreFixtureCounts(t *testing.T) {
	fx := newFixture(t)
	st, err := store.Open(fx.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snaps, err := st.Snapshots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 5 {
		t.Errorf("snapshots: got %d, want 5", len(snaps))
	}
	kinds := map[diff.Kind]int{}
	for _, c := range fx.changes(t) {
		kinds[c.Kind]++
	}
	if want := map[diff.Kind]int{diff.Added: 3, diff.Removed: 1, diff.Changed: 1}; !maps.Equal(kinds, want) {
		t.Errorf("changes by kind: got %v, want %v", kinds, want)
	}
}

// TestServerCredentialsMasked checks that a --server URL's credentials do
// not reach the error line when the server cannot be reached.
func TestServerCredentialsMasked(t *testing.T) {
	for _, args := range [][]string{
		{"snapshots", "--server", "http://ops:hunter2@127.0.0.1:1/?token=s3cr3t"},
		{"changes", "--server", "http://ops:hunter2@127.0.0.1:1/?token=s3cr3t"},
	} {
		r := runNoPanic(t, args...)
		checkBad(t, r, "server")
		if msg := r.err.Error(); strings.Contains(msg, "hunter2") || strings.Contains(msg, "s3cr3t") {
			t.Errorf("%s: got %q, want credentials masked", args[0], msg)
		}
	}
}
