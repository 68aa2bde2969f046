package store

import (
	"context"
	"strconv"
)

// Version returns a value that changes whenever what the store's readers
// return changes: "d" and the data version (see DataVersion). A poll that
// brought nothing new writes a check but leaves it, so the web server,
// which reads it on every request to key its response cache and ETags,
// keeps its cached responses across the schedule's polls. It costs one
// read transaction and decodes nothing.
func (s *Store) Version(ctx context.Context) (string, error) {
	n, err := s.DataVersion(ctx)
	if err != nil {
		return "", err
	}
	return "d" + strconv.FormatUint(n, 10), nil
}
