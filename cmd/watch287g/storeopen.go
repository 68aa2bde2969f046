package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/watch287g/watch287g/store"
)

// access is how a command uses the database. It decides how the command
// opens it and what the command can do instead while another process
// (usually serve) holds the file.
type access int

const (
	// cmdReadServable commands read, and can ask a running serve through
	// --server instead: snapshots, changes, agreements, history, diff of
	// snapshot ids.
	cmdReadServable access = iota
	// cmdReadLocal commands read the file itself and have no server route:
	// export, verify, outbox.
	cmdReadLocal
	// cmdWrite commands change the database: import, accept, outbox retry.
	cmdWrite
	// cmdFetch is fetch: a write whose work serve already does on its
	// schedule.
	cmdFetch
	// cmdServe is serve itself.
	cmdServe
)

// lockAdvice says what the command can do while another process holds
// the database, so the message never offers a flag the command lacks.
func (a *app) lockAdvice(how access) string {
	switch how {
	case cmdReadServable:
		return "pass --server URL (or set WATCH287G_SERVER) to ask the running serve instead"
	case cmdReadLocal:
		return fmt.Sprintf("%s reads the database file itself and cannot go through a server: stop serve, run %s, then start serve again (snapshots, changes, agreements, history and diff work through --server URL)", a.cmd, a.cmd)
	case cmdFetch:
		return "serve already fetches on its schedule and delivers the outbox; to fetch by hand, stop serve first"
	case cmdServe:
		return "only one serve (or writing command) can use a database at a time"
	}
	return fmt.Sprintf("%s changes the database and only one process can write it: stop serve, run %s, then start serve again", a.cmd, a.cmd)
}

// openStore opens the database for a command that uses it as how says.
// Readers share the lock with each other; when another process holds the
// file the command fails at once (after the store's short lock timeout)
// with a message that says what this command can do instead, never
// hanging on the lock.
func (a *app) openStore(how access) (*store.Store, error) {
	readOnly := how == cmdReadServable || how == cmdReadLocal
	if readOnly {
		if _, err := os.Stat(a.db); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (run `watch287g fetch` or `watch287g import` first, or pass --db)", a.db)
		}
	}
	st, err := store.Open(a.db, store.Options{ReadOnly: readOnly, Logger: a.log})
	if errors.Is(err, store.ErrLocked) {
		return nil, fmt.Errorf("%s is held by another watch287g process (probably serve): %s", a.db, a.lockAdvice(how))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// noServerFlag registers --server on a command that has no server route,
// so `--server URL` is refused with the reason rather than "flag provided
// but not defined". $WATCH287G_SERVER, set for the commands that can use
// it, is not an error here.
func noServerFlag(fs *flag.FlagSet) *string {
	return fs.String("server", "", "not available: this command reads the database file itself")
}

// openLocal opens the database for a command that has no --server form:
// a --server given is a usage error (refuseServer), not ignored.
func (a *app) openLocal(server string, how access) (*store.Store, error) {
	if err := a.refuseServer(server, how); err != nil {
		return nil, err
	}
	return a.openStore(how)
}

// refuseServer is the error for a --server given to a command that needs
// the database file, saying what it can do instead.
func (a *app) refuseServer(server string, how access) error {
	if server == "" {
		return nil
	}
	return fmt.Errorf("%w: --server is not available for %s: %s", errUsage, a.cmd, a.lockAdvice(how))
}
