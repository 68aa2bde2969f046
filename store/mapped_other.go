//go:build !linux

package store

// ReleaseMapped is a no-op where the pages read through bbolt's mapping
// are not released (see mapped_linux.go).
func (s *Store) ReleaseMapped() error { return nil }
