// Package corpustest finds the shared corpus of real ICE spreadsheets
// (../shared/corpus beside the repository) for tests and reads its
// manifest. The corpus stays outside the repository; tests that need it
// skip, with a message saying so, where it is absent.
package corpustest

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// File is one row of manifest.tsv.
type File struct {
	Name   string
	SHA256 string
	Size   int64
	// Kind is the list the file holds, from its columns: "participating"
	// or "pending".
	Kind string
	// Rows is the independently counted number of data rows.
	Rows int
	// Committed is when the bytes were first committed to a public archive.
	Committed time.Time
}

// Find returns the corpus directory and whether it exists, looking beside
// the module that contains the working directory.
func Find() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
	corpus := filepath.Join(filepath.Dir(dir), "shared", "corpus")
	if _, err := os.Stat(filepath.Join(corpus, "manifest.tsv")); err != nil {
		return corpus, false
	}
	return corpus, true
}

// Dir returns the corpus directory, or skips the test when it is absent.
func Dir(t testing.TB) string {
	t.Helper()
	dir, ok := Find()
	if !ok {
		t.Skipf("corpus not found at %q: tests that need the real ICE files are skipped", dir)
	}
	return dir
}

// Manifest reads dir/manifest.tsv in its order (chronological).
func Manifest(t testing.TB, dir string) []File {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("corpus manifest: %v", err)
	}
	defer f.Close()
	var out []File
	sc := bufio.NewScanner(f)
	for line := 0; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 0 || len(cols) < 8 {
			continue
		}
		size, err := strconv.ParseInt(cols[2], 10, 64)
		if err != nil {
			t.Fatalf("manifest line %d: size %q: %v", line+1, cols[2], err)
		}
		rows, err := strconv.Atoi(cols[7])
		if err != nil {
			t.Fatalf("manifest line %d: rows %q: %v", line+1, cols[7], err)
		}
		committed, err := time.Parse(time.RFC3339, cols[5])
		if err != nil {
			t.Fatalf("manifest line %d: commit_date %q: %v", line+1, cols[5], err)
		}
		out = append(out, File{Name: cols[0], SHA256: cols[1], Size: size, Kind: cols[6], Rows: rows, Committed: committed})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("corpus manifest: %v", err)
	}
	return out
}
