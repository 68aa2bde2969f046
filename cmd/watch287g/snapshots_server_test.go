package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/web"
)

// TestSnapshotsServerPaged: `snapshots --server` reads the API a page at
// a time, following next_cursor, and says what the local store says.
func TestSnapshotsServerPaged(t *testing.T) {
	fx := newFixture(t)
	var doc struct{ Snapshots []store.Snapshot }
	decodeJSON(t, fx.mustRun(t, "snapshots", "--format", "json"), &doc)
	defer func(n int) { snapshotsPage = n }(snapshotsPage)
	snapshotsPage = 2
	if len(doc.Snapshots) <= snapshotsPage {
		t.Fatalf("the fixture has %d snapshots, want more than a page of %d", len(doc.Snapshots), snapshotsPage)
	}
	st, err := store.Open(fx.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var asked []string // the queries of /api/v1/snapshots
	h := web.New(web.Options{Store: st, PublicURL: "http://127.0.0.1"})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/snapshots" {
			mu.Lock()
			asked = append(asked, r.URL.RawQuery)
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { ts.Close(); st.Close() })
	pages := (len(doc.Snapshots) + snapshotsPage - 1) / snapshotsPage
	for _, format := range []string{"json", "csv", "text"} {
		local := fx.mustRun(t, "snapshots", "--format", format)
		mu.Lock()
		asked = nil
		mu.Unlock()
		remote := fx.mustRun(t, "snapshots", "--format", format, "--server", ts.URL)
		if remote != local || strings.TrimSpace(local) == "" {
			t.Errorf("snapshots --format %s --server: got\n%.1500s\nwant the local answer\n%.1500s", format, remote, local)
		}
		mu.Lock()
		if len(asked) < pages || !strings.Contains(asked[0], "limit=2") {
			t.Errorf("snapshots --format %s --server asked %q, want %d or more pages of 2", format, asked, pages)
		}
		mu.Unlock()
	}
}
