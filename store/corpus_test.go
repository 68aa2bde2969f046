package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

type corpusFile struct {
	name, sha, kind string
	size            int64
	rows            int
	committed       time.Time
}

func readManifest(t testing.TB, dir string) []corpusFile {
	t.Helper()
	var out []corpusFile
	for _, f := range corpustest.Manifest(t, dir) {
		out = append(out, corpusFile{name: f.Name, sha: f.SHA256, size: f.Size, committed: f.Committed, kind: f.Kind, rows: f.Rows})
	}
	return out
}

// readCorpus reads and parses every corpus file in manifest order, one
// cycle each, so the store's own cost can be measured apart from parsing.
func readCorpus(t testing.TB, dir string, files []corpusFile) []Cycle {
	t.Helper()
	var cycles []Cycle
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		in := Input{Source: filepath.Join(dir, f.name), Name: f.name, Body: body, Published: f.name[:10], SeenAt: f.committed}
		in.Parsed, in.ParseErr = sheet.Parse(body)
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

// raceCorpusFiles is how much of the corpus TestCorpus reads under -race.
const raceCorpusFiles = 40

func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the corpus import takes seconds")
	}
	ctx := context.Background()
	dir := corpustest.Dir(t)
	files := readManifest(t, dir)
	if raceEnabled && len(files) > raceCorpusFiles {
		// The first months exercise every path (baselines, changes,
		// promotions, rebuilds) at a tenth of the cost; the whole corpus
		// runs without -race.
		files = files[:raceCorpusFiles]
	}
	path := filepath.Join(t.TempDir(), "corpus.db")
	s, err := Open(path, Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	start := time.Now()
	cycles := readCorpus(t, dir, files)
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
	if err != nil || !mism.OK() {
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
	// A file Open would refuse: growth steps must be whole pages.
	if size%int64(os.Getpagesize()) != 0 {
		t.Errorf("db size %d is not a whole number of %d-byte pages", size, os.Getpagesize())
	}
	// The budget holds for the whole corpus; a slice of it is too small
	// for the file's growth steps.
	if !raceEnabled && float64(size) > 1.5*float64(total) {
		t.Errorf("db size: got %d bytes, want at most 1.5 × %d", size, total)
	}

	// Committing the corpus again is a no-op: every file is a repeat.
	commitCorpus(t, s, cycles[:20])
	if again, _ := s.Snapshots(ctx); len(again) != len(files) {
		t.Errorf("re-import: got %d snapshots, want %d", len(again), len(files))
	}
}

func BenchmarkCommitCorpus(b *testing.B) {
	dir := corpustest.Dir(b)
	files := readManifest(b, dir)
	cycles := readCorpus(b, dir, files)
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
