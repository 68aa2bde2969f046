package sheet

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// manifestEntry is one line of the corpus manifest.
type manifestEntry struct {
	name string
	kind List
	rows int
}

// corpusDir finds ../shared/corpus next to the module root, or skips.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
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

// readManifest reads manifest.tsv.
func readManifest(t testing.TB, dir string) []manifestEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatalf("open manifest: %v", err)
	}
	defer f.Close()
	var out []manifestEntry
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) < 8 {
			t.Fatalf("manifest line %q: got %d fields, want 8", sc.Text(), len(fields))
		}
		n, err := strconv.Atoi(fields[7])
		if err != nil {
			t.Fatalf("manifest rows %q: %v", fields[7], err)
		}
		out = append(out, manifestEntry{name: fields[0], kind: List(fields[6]), rows: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("manifest lists no files")
	}
	return out
}

func TestCorpusCounts(t *testing.T) {
	dir := corpusDir(t)
	for _, e := range readManifest(t, dir) {
		t.Run(e.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, e.name))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			f, err := Parse(b)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(f.Records) != e.rows {
				t.Errorf("got %d records, want %d", len(f.Records), e.rows)
			}
			if f.List != e.kind {
				t.Errorf("got list %s, want %s", f.List, e.kind)
			}
		})
	}
}
