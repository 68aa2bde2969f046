package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback/waybacktest"
)

// bfScenario is a small history published through the stand-in archive
// with its quirks, and the same files on disk for an import.
type bfScenario struct {
	s     *waybacktest.Server
	dir   string // the accepted files, named as the corpus names them
	decoy string
}

func bfDay(s string) time.Time {
	d, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return d
}

func newBFScenario(t *testing.T) *bfScenario {
	t.Helper()
	s := waybacktest.NewServer(t)
	sc := &bfScenario{s: s, dir: t.TempDir()}
	part := scrapertest.SampleRows(sheet.Participating, 12)
	pend := scrapertest.SampleRows(sheet.Pending, 6)
	wb := func(list sheet.List, rows [][]string) []byte {
		if list == sheet.Pending {
			return scrapertest.Workbook(t, scrapertest.PendingHeader, rows)
		}
		return scrapertest.Workbook(t, scrapertest.ParticipatingHeader, rows)
	}
	type file struct {
		doc    waybacktest.Doc
		onDisk string
	}
	files := []file{
		{waybacktest.Doc{Name: "participatingAgencies.xlsx", Body: wb(sheet.Participating, part[:6]), Kind: sheet.Participating, At: bfDay("2025-02-21 21:49"), Form: waybacktest.Undated}, "2025-02-21_participatingAgencies-20250221214900.xlsx"},
		{waybacktest.Doc{Name: "pendingAgencies.xlsx", Body: wb(sheet.Pending, pend[:3]), Kind: sheet.Pending, At: bfDay("2025-02-21 21:50"), Form: waybacktest.Undated}, "2025-02-21_pendingAgencies-20250221215000.xlsx"},
		{waybacktest.Doc{Name: "participatingAgencies05012025am.xlsx", Body: wb(sheet.Participating, part[:8]), Kind: sheet.Participating, At: bfDay("2025-05-01 14:00"), Form: waybacktest.DocLib}, "2025-05-01am_participatingAgencies05012025am.xlsx"},
		{waybacktest.Doc{Name: "participatingAgencies07012025pm.xlsx", Body: wb(sheet.Participating, part[2:8]), Kind: sheet.Participating, At: bfDay("2025-07-01 22:00"), Form: waybacktest.FileDownload}, "2025-07-01pm_participatingAgencies07012025pm.xlsx"},
		{waybacktest.Doc{Name: "pendingAgencies07012025pm.xlsx", Body: wb(sheet.Pending, pend[1:6]), Kind: sheet.Pending, At: bfDay("2025-07-01 22:01"), Form: waybacktest.FileDownload}, "2025-07-01pm_pendingAgencies07012025pm.xlsx"},
	}
	var docs []waybacktest.Doc
	for _, f := range files {
		docs = append(docs, f.doc)
	}
	docs = s.Publish(docs)
	// A file the folder listing finds though no page capture linked it,
	// served as a gzip stream without Content-Encoding.
	gz := wb(sheet.Participating, part[:7])
	folder := "https://www.ice.gov/doclib/about/offices/ero/287g/"
	s.Add(
		waybacktest.Capture{Timestamp: "20250601100000", Original: folder + "participatingAgencies06012025am.xlsx", Body: gz, Gzip: true},
		// A captured block page and a truncated capture.
		waybacktest.Capture{Timestamp: "20250602100000", Original: folder + "participatingAgencies06022025am.xlsx", Body: []byte(waybacktest.BlockPage)},
		waybacktest.Capture{Timestamp: "20250603100000", Original: folder + "pendingAgencies06032025am.xlsx", Body: wb(sheet.Pending, pend), Truncate: 900},
		// Duplicates of a download id: a later capture, a revisit.
		waybacktest.Capture{Timestamp: "20250702120000", Original: docs[3].URL(), Body: docs[3].Body, Disposition: `attachment; filename="participatingAgencies07012025pm.xlsx"`},
		waybacktest.Capture{Timestamp: "20250705120000", Original: docs[3].URL(), Body: docs[3].Body, Revisit: true},
	)
	files = append(files, file{waybacktest.Doc{Body: gz}, "2025-06-01am_participatingAgencies06012025am.xlsx"})
	sc.decoy = fmt.Sprintf("/file-download/download/public/%d", s.NewID())
	s.Add(waybacktest.Capture{Timestamp: "20250706120000", Original: "https://www.ice.gov" + sc.decoy,
		Body: wb(sheet.Participating, part), Disposition: `attachment; filename="participatingAgencies07062025am.xlsx"`})
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(sc.dir, f.onDisk), f.doc.Body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return sc
}

// bfState reads what a database holds, without what differs between a
// backfill and an import of the same bytes: when and from where each file
// came, and when each change was detected.
func bfState(t *testing.T, db string) (snaps []store.Snapshot, changes []diff.Change) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if snaps, err = st.Snapshots(ctx); err != nil {
		t.Fatal(err)
	}
	if changes, _, err = st.Changes(ctx, store.ChangeQuery{}); err != nil {
		t.Fatal(err)
	}
	for i := range snaps {
		s := &snaps[i]
		s.FirstSeen, s.LastSeen, s.SourceURL, s.FileName, s.Capture, s.OriginalURL = time.Time{}, time.Time{}, "", "", "", ""
	}
	for i := range changes {
		changes[i].DetectedAt = time.Time{}
	}
	return snaps, changes
}

// bfEqual compares two databases' histories element by element.
func bfEqual(t *testing.T, got, want string) {
	t.Helper()
	gs, gc := bfState(t, got)
	ws, wc := bfState(t, want)
	if len(gs) == 0 {
		t.Fatal("got no snapshots, want some")
	}
	if len(gs) != len(ws) || len(gc) != len(wc) {
		t.Fatalf("got %d snapshots and %d changes, want %d and %d", len(gs), len(gc), len(ws), len(wc))
	}
	for i := range gs {
		g, _ := json.Marshal(gs[i])
		w, _ := json.Marshal(ws[i])
		if !bytes.Equal(g, w) {
			t.Fatalf("snapshot %d:\ngot  %s\nwant %s", i, g, w)
		}
	}
	for i := range gc {
		g, _ := json.Marshal(gc[i])
		w, _ := json.Marshal(wc[i])
		if !bytes.Equal(g, w) {
			t.Fatalf("change %d:\ngot  %s\nwant %s", i, g, w)
		}
	}
}

func bfRun(t *testing.T, ctx context.Context, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(""), &out, &errb)
	return cliResult{stdout: out.String(), stderr: errb.String(), err: err}
}

// bfConfig has a subscriber and a webhook, so anything announced would
// land in the outbox.
func bfConfig(t *testing.T) string {
	return writeConfig(t, "smtp: {host: 127.0.0.1, port: 1}\nsubscribers:\n  - {email: all@example.org}\nwebhooks:\n  - {url: \"http://127.0.0.1:1/hook\", secret: s}\n")
}

func bfDeliveries(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ds, err := st.Deliveries(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

// TestBackfill: a backfill into an empty store equals an import of the same
// files, counts every fault and archives none, records provenance,
// announces nothing, is polite, and a second run downloads nothing.
func TestBackfill(t *testing.T) {
	sc := newBFScenario(t)
	sc.s.Fault("/cdx/", waybacktest.Fault{Status: 503}, waybacktest.Fault{Status: 429, RetryAfter: "0"})
	sc.s.Fault("/web/", waybacktest.Fault{Drop: true})
	cfg := bfConfig(t)
	db := filepath.Join(t.TempDir(), "b.db")
	out := mustRun(t, "--db", db, "--config", cfg, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
	for _, want := range []string{
		"distinct files: 8", "downloaded 6", "rejected: 2",
		"1 not a workbook (block or error page)", "1 truncated or corrupt workbook", "imported 6 files: 6 new snapshots",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	imp := filepath.Join(t.TempDir(), "i.db")
	mustRun(t, "--db", imp, "import", sc.dir)
	bfEqual(t, db, imp)

	if n := bfDeliveries(t, db); n != 0 {
		t.Errorf("got %d outbox deliveries after a backfill, want none: history is never announced", n)
	}
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := st.Snapshots(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	capture := regexp.MustCompile(`^\d{14}$`)
	for _, s := range snaps {
		if !capture.MatchString(s.Capture) || !strings.HasPrefix(s.OriginalURL, "https://www.ice.gov/") ||
			s.SourceURL != sc.s.URL()+"/web/"+s.Capture+"id_/"+s.OriginalURL {
			t.Errorf("snapshot %d: got capture %q, original %q, source %q, want a capture, ICE's URL and its playback URL", s.ID, s.Capture, s.OriginalURL, s.SourceURL)
		}
		if strings.Contains(s.OriginalURL, sc.decoy) {
			t.Errorf("snapshot %d is the decoy %s", s.ID, s.OriginalURL)
		}
	}
	log := sc.s.Requests()
	for i, r := range log {
		if r.Overlapped {
			t.Errorf("request %d %s overlapped another", i, r.Path)
		}
		if strings.HasSuffix(r.Path, sc.decoy) {
			t.Errorf("request %d fetched the decoy %s", i, r.Path)
		}
	}
	for d, n := range sc.s.Downloads() {
		if n != 1 {
			t.Errorf("digest %s downloaded %d times, want once", d, n)
		}
	}
	if entries, _ := os.ReadDir(db + ".backfill"); len(entries) != 0 {
		t.Errorf("got %d files left in the spool, want none", len(entries))
	}

	// A second run downloads nothing and reads no page again.
	sc.s.ResetRequests()
	out = mustRun(t, "--db", db, "--config", cfg, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
	for _, r := range sc.s.Requests() {
		if strings.HasPrefix(r.Path, "/web/") {
			t.Errorf("second run requested %s, want no playback at all", r.Path)
		}
	}
	if !strings.Contains(out, "downloaded 0") || !strings.Contains(out, "(8 known from earlier runs)") {
		t.Errorf("second run: got\n%s\nwant downloaded 0 and 8 known", out)
	}
	bfEqual(t, db, imp)
	mustRun(t, "--db", db, "verify")

	// --dry-run lists, and changes nothing.
	fresh := filepath.Join(t.TempDir(), "d.db")
	out = mustRun(t, "--db", fresh, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0", "--dry-run")
	if !strings.Contains(out, "would download 8 of 8 distinct files") {
		t.Errorf("dry run: got\n%s\nwant 8 files listed", out)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("dry run created the database (%v)", err)
	}
}

// TestBackfillResume interrupts a backfill in discovery, in the downloads
// and in the commits; run again, it completes, equals an import, and
// verify finds the archive clean.
func TestBackfillResume(t *testing.T) {
	tests := []struct {
		name string
		// stop says, from the request paths so far, when to cancel.
		stop func(n int, path string) bool
	}{
		{"in discovery", func(n int, path string) bool { return n == 3 }},
		{"in downloads", func(n int, path string) bool {
			return strings.HasPrefix(path, "/web/") && !strings.HasSuffix(path, "/287g") && strings.Contains(path, "id_")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := newBFScenario(t)
			db := filepath.Join(t.TempDir(), "b.db")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n, files := 0, 0
			sc.s.OnRequest(func(path string) {
				n++
				if tt.stop(n, path) {
					if files++; files == 2 || tt.name == "in discovery" {
						cancel()
					}
				}
			})
			r := bfRun(t, ctx, "--db", db, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
			if r.err == nil || !strings.Contains(r.err.Error(), "interrupted") {
				t.Fatalf("got %v, want an interruption\n%s", r.err, r.stdout)
			}
			sc.s.OnRequest(nil)
			mustRun(t, "--db", db, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
			imp := filepath.Join(t.TempDir(), "i.db")
			mustRun(t, "--db", imp, "import", sc.dir)
			bfEqual(t, db, imp)
			mustRun(t, "--db", db, "verify")
			// Only the download in flight when the first run stopped may
			// have been made twice.
			again := 0
			for _, n := range sc.s.Downloads() {
				again += n - 1
			}
			if again > 1 {
				t.Errorf("got %d repeated downloads over both runs, want at most the one interrupted", again)
			}
		})
	}
}

// TestBackfillAfterLiveBaseline: when serve has already fetched a newer
// list, the older files are archived and announce nothing.
func TestBackfillAfterLiveBaseline(t *testing.T) {
	sc := newBFScenario(t)
	cfg := bfConfig(t)
	db := filepath.Join(t.TempDir(), "b.db")
	mustRun(t, "--db", db, "--config", cfg, "import", filepath.Join(sc.dir, "2025-07-01pm_participatingAgencies07012025pm.xlsx"))
	before := bfDeliveries(t, db)
	r := bfRun(t, context.Background(), "--db", db, "--config", cfg, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0")
	if r.err != nil && !strings.Contains(r.err.Error(), "quarantined") {
		t.Fatalf("backfill: %v\n%s", r.err, r.stdout)
	}
	if after := bfDeliveries(t, db); after != before {
		t.Errorf("got %d outbox deliveries after the backfill, want %d as before it: history is never announced", after, before)
	}
	snaps, _ := bfState(t, db)
	if len(snaps) != 6 {
		t.Errorf("got %d snapshots, want 6 (every accepted file once)", len(snaps))
	}
}

func TestBackfillUsage(t *testing.T) {
	for _, args := range [][]string{
		{"backfill", "--from", "May 1"},
		{"backfill", "--delay", "-1s"},
		{"backfill", "extra"},
	} {
		if r := runCLI(t, append([]string{"--db", filepath.Join(t.TempDir(), "x.db")}, args...)...); r.err == nil {
			t.Errorf("%v: got no error, want a usage error", args)
		}
	}
}

// bfRaceCorpus is the part of the corpus TestBackfillCorpus uses under
// -race (February and March 2025, 16 files), to keep the package's tests
// within their time budget.
var bfRaceCorpus = regexp.MustCompile(`^2025-0[23]`)

// TestBackfillCorpus backfills the real corpus from the stand-in (its
// first months under -race) and checks the history equals an import of
// the same files. It logs both durations and the requests per file: the
// figures docs/backfill.md quotes (no assertion on time).
func TestBackfillCorpus(t *testing.T) {
	keep := func(name string) bool { return !raceEnabled() || bfRaceCorpus.MatchString(name) }
	s := waybacktest.NewServer(t)
	docs := s.Publish(waybacktest.CorpusDocs(t, keep))
	paths := make([]string, len(docs))
	for i, d := range docs {
		paths[i] = d.Path
	}
	db := filepath.Join(t.TempDir(), "b.db")
	start := time.Now()
	out := mustRun(t, "--db", db, "backfill", "--wayback-url", s.URL(), "--delay", "0")
	backfill := time.Since(start)
	imp := filepath.Join(t.TempDir(), "i.db")
	start = time.Now()
	mustRun(t, append([]string{"--db", imp, "import"}, paths...)...)
	importing := time.Since(start)
	bfEqual(t, db, imp)
	if !strings.Contains(out, fmt.Sprintf("downloaded %d\n", len(docs))) {
		t.Errorf("got\n%s\nwant %d downloads", out, len(docs))
	}
	kinds := map[string]int{}
	for _, r := range s.Requests() {
		switch {
		case r.Path == "/cdx/search/cdx":
			kinds["cdx"]++
		case strings.HasSuffix(r.Path, "/287g"):
			kinds["page"]++
		default:
			kinds["file"]++
		}
	}
	t.Logf("%d files: backfill %v (%d requests, %.2f per file: %v), import %v, ratio %.2f",
		len(docs), backfill.Round(time.Millisecond), len(s.Requests()), float64(len(s.Requests()))/float64(len(docs)), kinds,
		importing.Round(time.Millisecond), backfill.Seconds()/importing.Seconds())
}

// TestBackfillKill kills a real backfill with SIGKILL once it has committed
// its first batch, then runs it again: the database verifies clean, the
// history equals an import of the same files, and nothing already
// downloaded is downloaded again (the spool kept it).
func TestBackfillKill(t *testing.T) {
	bin := buildBinary(t)
	s := waybacktest.NewServer(t)
	var paths []string
	if _, ok := corpustest.Find(); ok {
		for _, d := range s.Publish(waybacktest.CorpusDocs(t, func(n string) bool { return raceCorpusPrefix.MatchString(n) })) {
			paths = append(paths, d.Path)
		}
	} else {
		sc := newBFScenario(t)
		s = sc.s
		paths = []string{sc.dir}
	}
	ctx, cancel := context.WithTimeout(t.Context(), procDeadline)
	defer cancel()
	db := filepath.Join(t.TempDir(), "b.db")
	cmd := exec.CommandContext(ctx, bin, "--db", db, "backfill", "--quiet", "--verbose", "--wayback-url", s.URL(), "--delay", "0")
	cmd.Env = childEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "imported ") {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for sc.Scan() {
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("backfill: got %v, want it killed by SIGKILL after its first commit", err)
	}
	if out := mustRun(t, "--db", db, "verify"); !strings.HasPrefix(out, "ok:") {
		t.Errorf("verify after the kill: got %q, want ok", out)
	}
	mustRun(t, "--db", db, "backfill", "--wayback-url", s.URL(), "--delay", "0")
	if out := mustRun(t, "--db", db, "verify"); !strings.HasPrefix(out, "ok:") {
		t.Errorf("verify after the second run: got %q, want ok", out)
	}
	imp := filepath.Join(t.TempDir(), "i.db")
	mustRun(t, append([]string{"--db", imp, "import"}, paths...)...)
	bfEqual(t, db, imp)
	for d, n := range s.Downloads() {
		if n != 1 {
			t.Errorf("digest %s downloaded %d times over both runs, want once", d, n)
		}
	}
}

// TestBackfillDates: --from and --to bound the captures asked for.
func TestBackfillDates(t *testing.T) {
	sc := newBFScenario(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--to", "2025-03-01"}, "distinct files: 2 "}, // the undated pair of February
		// June's three captures, July's two ids, and February's pending
		// list, which July's page capture still linked.
		{[]string{"--from", "2025-06-01"}, "distinct files: 6 "},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "b.db")
			out := mustRun(t, append([]string{"--db", db, "backfill", "--wayback-url", sc.s.URL(), "--delay", "0"}, tt.args...)...)
			if !strings.Contains(out, tt.want) {
				t.Errorf("got\n%s\nwant %q", out, tt.want)
			}
		})
	}
}

// TestAutoBackfill: on an empty store with backfill: auto, the background
// backfill fails once (the archive down), tries again, and fills the
// store, announcing nothing; with backfill: off, or a store that holds
// snapshots, it does not start.
func TestAutoBackfill(t *testing.T) {
	sc := newBFScenario(t)
	sc.s.Fault("/cdx/", waybacktest.Fault{Status: 503})
	ctx := t.Context()
	open := func(t *testing.T, cfgYAML string) (*app, *writer) {
		t.Helper()
		a := &app{db: filepath.Join(t.TempDir(), "a.db"), configPath: writeConfig(t, cfgYAML),
			stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), now: time.Now, cmd: "serve"}
		w, err := a.openWriter(cmdServe)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.st.Close() })
		return a, w
	}
	tune := func(o *backfillOpts) { o.delay, o.retries = 0, -1 }

	a, w := open(t, fmt.Sprintf("wayback_url: %q\nsmtp: {host: 127.0.0.1, port: 1}\nsubscribers:\n  - {email: all@example.org}\n", sc.s.URL()))
	st, err := a.startAutoBackfill(ctx, w, time.Millisecond, tune)
	if err != nil || st == nil {
		t.Fatalf("got %v, %v, want a running backfill", st, err)
	}
	<-st.Finished()
	done, total, running := st.Progress()
	if done != 8 || total != 8 || running || st.attempts != 2 {
		t.Errorf("got %d of %d files, running %v, after %d attempts; want 8 of 8, finished, after 2 (one failed)", done, total, running, st.attempts)
	}
	snaps, err := w.st.Snapshots(ctx)
	if err != nil || len(snaps) != 6 {
		t.Errorf("got %d snapshots (%v), want 6", len(snaps), err)
	}
	if ds, err := w.st.Deliveries(ctx, ""); err != nil || len(ds) != 0 {
		t.Errorf("got %d deliveries (%v), want none", len(ds), err)
	}
	// Not again on a store that holds snapshots, nor with backfill: off.
	if st, err := a.startAutoBackfill(ctx, w, time.Millisecond, tune); st != nil || err != nil {
		t.Errorf("on a filled store: got %v, %v, want no backfill", st, err)
	}
	a, w = open(t, fmt.Sprintf("wayback_url: %q\nbackfill: \"off\"\n", sc.s.URL()))
	if st, err := a.startAutoBackfill(ctx, w, time.Millisecond, tune); st != nil || err != nil {
		t.Errorf("backfill off: got %v, %v, want no backfill", st, err)
	}
}
