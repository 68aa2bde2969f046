package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/watch287g/watch287g/store"
)

// openStore opens the database. Read-only commands share the lock with each
// other; when `serve` holds the file they fail at once with a message that
// says how to go through the server instead of hanging on the lock.
func (a *app) openStore(readOnly bool) (*store.Store, error) {
	if readOnly {
		if _, err := os.Stat(a.db); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (run `watch287g fetch` or `watch287g import` first, or pass --db)", a.db)
		}
	}
	st, err := store.Open(a.db, store.Options{ReadOnly: readOnly, Logger: a.log})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%s is held by another watch287g process (probably serve): pass --server URL or set WATCH287G_SERVER to ask it instead: %w", a.db, err)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}
