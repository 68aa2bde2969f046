package main

import (
	"encoding/csv"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/web"
)

// serve answers the fixture's store over the API, read-only (the CLI's
// local reads share the lock), and returns its URL.
func (fx *fixture) serve(t *testing.T) string {
	t.Helper()
	st, err := store.Open(fx.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.New(web.Options{Store: st, PublicURL: "http://127.0.0.1"}))
	t.Cleanup(func() { ts.Close(); st.Close() })
	return ts.URL
}

// TestAgreementsAtSnapshotOfItsList: --at with a snapshot id shows that
// snapshot's list (a pending one too) unless --list says otherwise, and
// the CSV's list column names it.
func TestAgreementsAtSnapshotOfItsList(t *testing.T) {
	fx := newFixture(t)
	var doc struct{ Snapshots []store.Snapshot }
	decodeJSON(t, fx.mustRun(t, "snapshots", "--format", "json"), &doc)
	var pending uint64
	for _, s := range doc.Snapshots {
		if s.List == "pending" && s.Status == store.Accepted {
			pending = s.ID
		}
	}
	if pending == 0 {
		t.Fatal("the fixture has no accepted pending snapshot")
	}
	id := strconv.FormatUint(pending, 10)
	for _, args := range [][]string{{"agreements", "--at", id, "--format", "csv"}, {"agreements", "--format", "csv"}} {
		rows, err := csv.NewReader(strings.NewReader(fx.mustRun(t, args...))).ReadAll()
		if err != nil || len(rows) < 2 {
			t.Fatalf("%v: got %d rows (%v), want a header and agreements", args, len(rows), err)
		}
		want := "participating"
		if len(args) > 2 && args[1] == "--at" {
			want = "pending"
		}
		for _, r := range rows[1:] {
			if r[0] != want {
				t.Fatalf("%v: got list %q, want %q", args, r[0], want)
			}
		}
	}
	// The same through a server's API: a snapshot id names its list.
	srv := fx.serve(t)
	if local, remote := fx.mustRun(t, "agreements", "--at", id, "--format", "json"), fx.mustRun(t, "agreements", "--at", id, "--format", "json", "--server", srv); local != remote {
		t.Errorf("--at %s through --server: got\n%.300s\nwant the local answer\n%.300s", id, remote, local)
	}
	if r := fx.run(t, "agreements", "--at", id, "--list", "participating"); r.err == nil || !strings.Contains(r.err.Error(), "pending") {
		t.Errorf("--at a pending snapshot with --list participating: got %v, want an error naming the pending list", r.err)
	}
}
