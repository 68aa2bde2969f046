//go:build linux

package store

import (
	"fmt"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMapped drops from this process's resident memory the pages of the
// database it has read. bbolt maps the whole file and reads it through the
// mapping, and every page a lookup or a copy-on-write touched stays
// resident (and counted) until the mapping goes: an import of ten years,
// whose archived files land on random leaves, left 200 MB of them. The
// pages are clean copies of the file, shared with the page cache, so
// dropping them loses nothing; a later read faults them back in from the
// cache. The mapping cannot move while a read transaction is open, so the
// advice is given inside one.
func (s *Store) ReleaseMapped() error {
	return s.db.View(func(tx *bolt.Tx) error {
		size := tx.Size()
		if size <= 0 {
			return nil
		}
		data := s.db.Info().Data
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, data, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
			return fmt.Errorf("store: release mapped pages: %w", errno)
		}
		return nil
	})
}
