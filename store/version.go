package store

import (
	"context"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Version returns a value that changes with every committed write to the
// store: bbolt's transaction id. It costs one read transaction and decodes
// nothing, so the web server can read it on every request to key its
// response cache and ETags.
func (s *Store) Version(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("store: version: %w", err)
	}
	var id int
	if err := s.db.View(func(tx *bolt.Tx) error {
		id = tx.ID()
		return nil
	}); err != nil {
		return "", fmt.Errorf("store: version: %w", err)
	}
	return "t" + strconv.Itoa(id), nil
}
