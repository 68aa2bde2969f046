package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkImportCorpus imports the whole shared corpus into a fresh
// database, as `watch287g import DIR` does: parse, diff, lifecycle and
// store, the figure issue 12 compares with the time to inflate the files
// (scripts/bench-replay.sh prints that floor). Profile it with
// -cpuprofile to see where an import's time goes. WATCH287G_BENCH_IMPORT
// names another directory of lists to import instead (a replay of
// internal/replaygen, or part of one).
func BenchmarkImportCorpus(b *testing.B) {
	dir := os.Getenv("WATCH287G_BENCH_IMPORT")
	if dir == "" {
		dir = corpusDir(b)
	}
	for b.Loop() {
		b.StopTimer()
		db := filepath.Join(b.TempDir(), "bench.db")
		var out, errb bytes.Buffer
		b.StartTimer()
		err := run(context.Background(), []string{"--db", db, "import", "--quiet", dir}, strings.NewReader(""), &out, &errb)
		if err != nil {
			b.Fatalf("import: %v\n%s", err, errb.String())
		}
	}
}
