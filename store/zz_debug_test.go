package store

import (
	"log/slog"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestZZDebugSize(t *testing.T) {
	dir := corpusDir(t)
	files := readManifest(t, dir)
	s, err := Open(filepath.Join(t.TempDir(), "c.db"), Options{Parse: standInParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	commitCorpus(t, s, readCorpus(t, dir, files, standInParse))
	_ = s.db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			st := tx.Bucket(b).Stats()
			t.Logf("%-18s keys %6d leafAlloc %9d leafInuse %9d branchAlloc %7d", b, st.KeyN, st.LeafAlloc, st.LeafInuse, st.BranchAlloc)
		}
		t.Logf("tx size %d", tx.Size())
		return nil
	})
	st := s.db.Stats()
	t.Logf("free pages %d pending %d freeAlloc %d freelistInuse %d", st.FreePageN, st.PendingPageN, st.FreeAlloc, st.FreelistInuse)
	sz, _ := s.Size()
	t.Logf("file %d", sz)
}
