package sheet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
)

// manifestEntry is one line of the corpus manifest.
type manifestEntry struct {
	name string
	kind List
	rows int
}

// readManifest reads the corpus manifest into the fields these tests use.
func readManifest(t testing.TB, dir string) []manifestEntry {
	t.Helper()
	var out []manifestEntry
	for _, f := range corpustest.Manifest(t, dir) {
		out = append(out, manifestEntry{name: f.Name, kind: List(f.Kind), rows: f.Rows})
	}
	return out
}

func TestCorpusCounts(t *testing.T) {
	dir := corpustest.Dir(t)
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
