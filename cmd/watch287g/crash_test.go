package main

import (
	"github.com/watch287g/watch287g/internal/mailpittest"

	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// procDeadline bounds how long a test waits on a child process before it
// gives up and kills it: a failure, never a synchronisation delay.
const procDeadline = 5 * time.Minute

// built is the real watch287g, built once for every test that runs it:
// a build costs seconds to tens of seconds on a busy machine.
var built struct {
	once      sync.Once
	dir, path string
	err       error
	out       []byte
}

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := mailpittest.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinary builds the real watch287g (without -race, whatever the test
// binary has) into a temporary directory, once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped in -short")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "watch287g-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "watch287g")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

// childEnv is the environment for a child watch287g, without WATCH287G_*
// settings that would point it at another database or server.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WATCH287G_") {
			env = append(env, kv)
		}
	}
	return env
}

// importSource returns a directory of spreadsheets to import and how many
// distinct files it holds: the real corpus when present (under -race the
// raceCorpusPrefix files, linked into a temporary directory: the test's
// in-process reads of a whole-corpus store cost tens of seconds with the
// race detector), otherwise 40 generated files of two evolving lists, so
// the crash test always runs.
func importSource(t *testing.T) (string, int) {
	t.Helper()
	if corpus, ok := corpustest.Find(); ok {
		manifest := readManifest(t, corpus)
		if !raceEnabled() {
			return corpus, len(manifest)
		}
		dir, n := t.TempDir(), 0
		for _, m := range manifest {
			if raceCorpusPrefix.MatchString(m.name) {
				if err := os.Symlink(filepath.Join(corpus, m.name), filepath.Join(dir, m.name)); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		return dir, n
	}
	dir := t.TempDir()
	n := 0
	for day := range 20 {
		date := time.Date(2025, 9, 1+day, 0, 0, 0, 0, time.UTC).Format("01022006")
		part := scrapertest.SampleRows(sheet.Participating, 40+3*day)
		if day%4 == 1 {
			part[day][1] += " (corrected)" // a rename the next files keep
		}
		// A window of pending agencies that moves on and changes width,
		// so every day's file is different: some leave, some arrive.
		first, width := day/2, 3+day%3
		pend := scrapertest.SampleRows(sheet.Pending, first+width)[first:]
		for i := range pend {
			pend[i][1] = fmt.Sprintf("Sample Town %d Police Department", first+i+1)
		}
		for name, body := range map[string][]byte{
			"participatingAgencies" + date + "am.xlsx": scrapertest.Workbook(t, scrapertest.ParticipatingHeader, part),
			"pendingAgencies" + date + "am.xlsx":       scrapertest.Workbook(t, scrapertest.PendingHeader, pend),
		} {
			if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return dir, n
}

// normalSnapshots drops what differs between two imports of the same
// files: the times they were seen.
func normalSnapshots(snaps []store.Snapshot) []store.Snapshot {
	for i := range snaps {
		snaps[i].FirstSeen, snaps[i].LastSeen = time.Time{}, time.Time{}
	}
	return snaps
}

// normalChanges drops the time each change was detected.
func normalChanges(changes []diff.Change) []diff.Change {
	for i := range changes {
		changes[i].DetectedAt = time.Time{}
	}
	return changes
}

// firstDiff describes the first element where got and want differ.
func firstDiff[T any](got, want []T) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d elements, want %d", len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			return fmt.Sprintf("element %d:\ngot  %s\nwant %s", i, g, w)
		}
	}
	return ""
}

// TestImportCrash kills a real import with SIGKILL in the middle, then
// checks that the database is intact, that running the import again
// finishes the job, and that the result is exactly what an uninterrupted
// import produces: same snapshot ids, hashes, statuses and counts, same
// changes with the same agreement ids.
func TestImportCrash(t *testing.T) {
	bin := buildBinary(t)
	src, total := importSource(t)
	ctx, cancel := context.WithTimeout(t.Context(), procDeadline)
	defer cancel()
	tmp := t.TempDir()
	crashDB, refDB := filepath.Join(tmp, "crash.db"), filepath.Join(tmp, "ref.db")

	// The uninterrupted import runs alongside the one we kill.
	refDone := make(chan error, 1)
	var refOut strings.Builder
	go func() {
		cmd := exec.CommandContext(ctx, bin, "--db", refDB, "import", "--quiet", src)
		cmd.Env = childEnv()
		cmd.Stdout = &refOut
		refDone <- cmd.Run()
	}()

	killAfter := total / 3
	cmd := exec.CommandContext(ctx, bin, "--db", crashDB, "import", "--quiet", "--verbose", src)
	cmd.Env = childEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	lines := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "imported ") || !strings.Contains(line, ": snapshot ") {
			continue // the summary, should the import finish first
		}
		lines++
		if lines == killAfter {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("kill: %v", err)
			}
			break
		}
	}
	for sc.Scan() { // drain, so Wait can close the pipe
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !exit.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("import: got %v after %d lines, want it killed by SIGKILL after %d\nstderr:\n%s", err, lines, killAfter, stderr.String())
	}

	// The killed import left a sound database holding at least every file
	// it reported, and not all of them.
	if out := mustRun(t, "--db", crashDB, "verify"); !strings.HasPrefix(out, "ok:") {
		t.Errorf("verify after the crash: got %q, want ok", out)
	}
	got := len(snapshotsOf(t, crashDB))
	if got < killAfter || got >= total {
		t.Fatalf("snapshots after killing the import at line %d: got %d, want %d to %d", killAfter, got, killAfter, total-1)
	}
	t.Logf("killed after %d committed files; %d snapshots survived", killAfter, got)

	// Running it again finishes the job.
	again := exec.CommandContext(ctx, bin, "--db", crashDB, "import", "--quiet", src)
	again.Env = childEnv()
	out, err := again.CombinedOutput()
	if err != nil {
		t.Fatalf("import after the crash: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("imported %d files: %d new snapshots, %d already archived", total, total-got, got); !strings.Contains(string(out), want) {
		t.Errorf("import after the crash: got\n%s\nwant a line %q", out, want)
	}
	if err := <-refDone; err != nil {
		t.Fatalf("uninterrupted import: %v\n%s", err, refOut.String())
	}

	if out := mustRun(t, "--db", crashDB, "verify"); !strings.HasPrefix(out, "ok:") {
		t.Errorf("verify after the second import: got %q, want ok", out)
	}
	wantSnaps, gotSnaps := normalSnapshots(snapshotsOf(t, refDB)), normalSnapshots(snapshotsOf(t, crashDB))
	if len(wantSnaps) != total {
		t.Errorf("uninterrupted import: got %d snapshots, want %d", len(wantSnaps), total)
	}
	if d := firstDiff(gotSnaps, wantSnaps); d != "" {
		t.Errorf("snapshots after crash and re-import differ from an uninterrupted import: %s", d)
	}
	wantChanges, gotChanges := normalChanges(changesOf(t, refDB)), normalChanges(changesOf(t, crashDB))
	if len(wantChanges) == 0 {
		t.Errorf("uninterrupted import: got no changes, want the evolving lists' changes")
	}
	if d := firstDiff(gotChanges, wantChanges); d != "" {
		t.Errorf("changes after crash and re-import differ from an uninterrupted import: %s", d)
	}
}

// TestServeHoldsDB checks that while `serve` holds the database another
// command fails at once with a message pointing at --server, and works
// through the server when given it; serve then stops cleanly on SIGTERM.
func TestServeHoldsDB(t *testing.T) {
	bin := buildBinary(t)
	db := filepath.Join(t.TempDir(), "w.db")
	dir := t.TempDir()
	for name, body := range map[string][]byte{
		"participatingAgencies09022025am.xlsx": scrapertest.Sample(t, sheet.Participating, 20),
		"pendingAgencies09022025am.xlsx":       scrapertest.Sample(t, sheet.Pending, 4),
		"participatingAgencies09032025am.xlsx": scrapertest.Sample(t, sheet.Participating, 22),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "--db", db, "import", "--quiet", dir)
	want := snapshotsOf(t, db)

	ctx, cancel := context.WithTimeout(t.Context(), procDeadline)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "--db", db, "serve", "--no-fetch", "--listen", "127.0.0.1:0")
	serve.Env = childEnv()
	var stderr strings.Builder
	serve.Stderr = &stderr
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "watch287g serving on "); ok {
				addr <- u
			}
		}
	}()
	var base string
	select {
	case base = <-addr:
	case <-drained:
		serve.Wait()
		t.Fatalf("serve exited before it was ready\nstderr:\n%s", stderr.String())
	case <-ctx.Done():
		t.Fatalf("serve did not print its address\nstderr:\n%s", stderr.String())
	}

	// A second process on the same file fails, pointing at --server. It
	// waits only the store's lock timeout, never on the lock itself: were
	// it to hang, the test's deadline below would fail it (no wall-clock
	// assertion, which a busy machine would break).
	done := make(chan cliResult, 1)
	go func() { done <- runCLI(t, "--db", db, "snapshots") }()
	select {
	case r := <-done:
		if r.err == nil {
			t.Errorf("snapshots while serve holds the database: got success, want a failure\n%s", r.stdout)
		} else if !strings.Contains(r.err.Error(), "--server") {
			t.Errorf("snapshots while serve holds the database: got %q, want a message naming --server", r.err)
		}
	case <-ctx.Done():
		t.Fatalf("snapshots while serve holds the database: still waiting after %v, want an immediate failure", procDeadline)
	}

	// Through the server it works and sees the same snapshots.
	var body struct{ Snapshots []store.Snapshot }
	decodeJSON(t, mustRun(t, "--db", db, "snapshots", "--server", base, "--format", "json"), &body)
	if d := firstDiff(body.Snapshots, want); d != "" {
		t.Errorf("snapshots --server: %s", d)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	<-drained
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: got %v, want exit status 0\nstderr:\n%s", err, stderr.String())
	}
}
