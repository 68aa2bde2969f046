package sheet

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
)

func TestCorpusCounts(t *testing.T) {
	dir := corpustest.Dir(t)
	for _, e := range corpustest.Manifest(t, dir) {
		t.Run(e.Name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, e.Name))
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			f, err := Parse(b)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(f.Records) != e.Rows {
				t.Errorf("got %d records, want %d", len(f.Records), e.Rows)
			}
			if f.List != List(e.Kind) {
				t.Errorf("got list %s, want %s", f.List, e.Kind)
			}
		})
	}
}
