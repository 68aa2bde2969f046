package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/store"
)

// TestLockMessage holds the database the way serve does (a writer's lock)
// and runs every command that opens it: each fails with advice it can
// follow. Read commands with a server route are told about --server; the
// others are never offered a flag they do not take.
func TestLockMessage(t *testing.T) {
	fx := newFixture(t)
	held, err := store.Open(fx.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	out := filepath.Join(t.TempDir(), "export")
	serverRead := []string{"pass --server URL"}
	localRead := []string{"cannot go through a server", "stop serve"}
	for _, c := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"snapshots"}, serverRead, nil},
		{[]string{"changes"}, serverRead, nil},
		{[]string{"agreements"}, serverRead, nil},
		{[]string{"history", "Sample"}, serverRead, nil},
		{[]string{"export", "--out", out}, localRead, []string{"pass --server"}},
		{[]string{"verify"}, localRead, []string{"pass --server"}},
		{[]string{"outbox"}, localRead, []string{"pass --server"}},
		{[]string{"diff", "1", "3"}, serverRead, nil},
		{[]string{"import", "--quiet", fx.dir}, []string{"stop serve, run import"}, []string{"--server"}},
		{[]string{"accept", "1"}, []string{"stop serve, run accept"}, []string{"--server"}},
		{[]string{"outbox", "retry", "1"}, []string{"stop serve, run outbox retry"}, []string{"--server"}},
		{[]string{"fetch"}, []string{"serve already fetches"}, []string{"--server"}},
		{[]string{"serve", "--no-fetch", "--listen", "127.0.0.1:0"}, []string{"only one serve"}, []string{"--server"}},
	} {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			t.Parallel() // each waits out the store's lock timeout
			r := fx.run(t, c.args...)
			checkBad(t, r, "is held by another watch287g process")
			for _, w := range c.want {
				if !strings.Contains(r.err.Error(), w) {
					t.Errorf("got %q, want it to say %q", r.err, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(r.err.Error(), n) {
					t.Errorf("got %q, want no %q (the command has no such flag)", r.err, n)
				}
			}
		})
	}
}
