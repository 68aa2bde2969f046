package moafetch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSharedSampleArchive archives every shared MOA through one round on
// loopback and checks the database stays within 1.5× the PDFs' bytes (the
// store's budget for archived files), each PDF once. It logs the figures.
func TestSharedSampleArchive(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "moa")
	names, _ := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if len(names) == 0 {
		t.Skipf("shared MOA sample not found at %s", dir)
	}
	srv := newServer(t)
	st := openStore(t)
	var urls []string
	var total int64
	distinct := map[string]bool{}
	for i, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("/doclib/287gMOA/%d.pdf", i)
		srv.set(p, &doc{body: b, modTime: t0})
		urls = append(urls, srv.URL+p)
		if !distinct[string(b)] {
			distinct[string(b)] = true
			total += int64(len(b))
		}
	}
	commitList(t, st, "2025-06-30", urls)
	before, err := st.Size()
	if err != nil {
		t.Fatal(err)
	}
	f := newFetcher(st, &clock{t: t0}, Options{})
	start := time.Now()
	sum, err := f.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	after, _ := st.Size()
	files, _ := st.DocumentFiles(context.Background())
	t.Logf("%d PDFs (%d distinct, %d bytes): %d archived, %d failed in %v (reading included); db grew %d bytes = %.2f× the PDFs",
		len(names), len(distinct), total, sum.Archived, sum.Failed, took.Round(time.Millisecond), after-before, float64(after-before)/float64(total))
	if len(files) != len(distinct) || sum.Failed != 0 {
		t.Errorf("got %d archived (%d failed), want %d, none failed", len(files), sum.Failed, len(distinct))
	}
	if growth := after - before; float64(growth) > 1.5*float64(total) {
		t.Errorf("db grew %d bytes, want at most 1.5 × %d", growth, total)
	}
}
