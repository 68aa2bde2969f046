package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
)

// TestServeAutoBackfill runs serve on an empty store with backfill: auto
// against the stand-in Wayback Machine: it serves at once, fills itself
// with the archived lists in the background, announces none of them, and
// stops cleanly. The live schedule is an hour away, so nothing else is
// fetched (and nothing but loopback is reached).
func TestServeAutoBackfill(t *testing.T) {
	sc := newBFScenario(t)
	db := t.TempDir() + "/serve.db"
	cfg := writeConfig(t, fmt.Sprintf("wayback_url: %q\nschedule: \"@every 1h\"\nwebhooks:\n  - {url: \"http://127.0.0.1:1/hook\", secret: s3cret}\n", sc.s.URL()))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout := newLineWriter()
	defer stdout.pw.Close()
	stderr := &lockedWriter{w: &strings.Builder{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--db", db, "--config", cfg, "serve", "--listen", "127.0.0.1:0",
			"--fetch-at-start=false", "--backfill-delay", "0", "--documents-every", "0"}, strings.NewReader(""), stdout, stderr)
	}()
	var base string
	select {
	case line := <-stdout.lines:
		var ok bool
		if base, ok = strings.CutPrefix(line, "watch287g serving on "); !ok {
			t.Fatalf("serve: first line %q, want \"watch287g serving on URL\"", line)
		}
	case err := <-done:
		t.Fatalf("serve returned before serving: %v\nstderr:\n%s", err, stderr.String())
	}
	snapshots := func() int {
		resp, err := http.Get(base + "/api/v1/snapshots")
		if err != nil {
			t.Fatalf("GET /api/v1/snapshots: %v", err)
		}
		defer resp.Body.Close()
		var doc struct{ Snapshots []store.Snapshot }
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("/api/v1/snapshots: %v: %.200s", err, b)
		}
		return len(doc.Snapshots)
	}
	// Wait for the condition, with a deadline that only guards a hang.
	deadline := time.Now().Add(90 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for n := snapshots(); n < 6; n = snapshots() {
		if time.Now().After(deadline) {
			t.Fatalf("after 90 s: %d snapshots, want the 6 archived lists\nstderr:\n%s", n, stderr.String())
		}
		select {
		case <-tick.C:
		case err := <-done:
			t.Fatalf("serve stopped during the backfill: %v\nstderr:\n%s", err, stderr.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after its context ended: got %v, want nil\nstderr:\n%s", err, stderr.String())
	}
	// History is recorded, never announced: no delivery for the webhook.
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ds, err := st.Deliveries(t.Context(), ""); err != nil || len(ds) != 0 {
		t.Errorf("got %d deliveries (%v), want none: backfilled history is never announced", len(ds), err)
	}
}
