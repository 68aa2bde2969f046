package web

import (
	"bytes"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// TestPollKeepsCache: a poll that brought nothing new (a check record and
// validators written, the health loop told) keeps every page but the
// overview cached under the same ETag; a commit with a new list changes
// the ETag and renders again.
func TestPollKeepsCache(t *testing.T) {
	fx := newFixture(t)
	srv, ts := newTestServer(t, fx.st, fx.at)
	var renders atomic.Int64
	srv.onRender = func(string) { renders.Add(1) }

	resp, body := get(t, ts, http.MethodGet, "/changes", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || etag == "" || renders.Load() != 1 {
		t.Fatalf("first request: got status %d, ETag %q, %d renders; want 200, an ETag, 1 render", resp.StatusCode, etag, renders.Load())
	}
	resp, _ = get(t, ts, http.MethodGet, "/", nil)
	overviewETag := resp.Header.Get("ETag")

	at := fx.at.Add(time.Hour)
	srv.health.Attempt(at)
	url := "https://www.ice.gov/identify-and-arrest/287g"
	if err := fx.st.RecordChecks(t.Context(), []store.Check{{At: at, URL: url, Status: http.StatusNotModified, Outcome: store.CheckNotModified}},
		[]store.Validator{{URL: url, ETag: `"same"`}}); err != nil {
		t.Fatal(err)
	}
	srv.health.Success(at)

	before := renders.Load()
	resp, again := get(t, ts, http.MethodGet, "/changes", nil)
	if got := resp.Header.Get("ETag"); got != etag {
		t.Errorf("after a poll that changed nothing: got ETag %q, want %q", got, etag)
	}
	if renders.Load() != before || !bytes.Equal(again, body) {
		t.Errorf("after a poll that changed nothing: got %d renders (want %d) and the same body %v", renders.Load(), before, bytes.Equal(again, body))
	}
	resp, _ = get(t, ts, http.MethodGet, "/changes", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation after the poll: got status %d, want 304", resp.StatusCode)
	}
	resp, _ = get(t, ts, http.MethodGet, "/", nil)
	if resp.Header.Get("ETag") == overviewETag {
		t.Errorf("overview after a poll: got the ETag of before the poll, want a new one (it shows the last check)")
	}

	next := harris
	next.Type = "Municipality"
	fx.commitFile(t, sheet.Participating, "participatingAgencies03012025am.xlsx", "2025-03-01", at.Add(time.Hour), []sheet.Record{next, alachua})
	resp, _ = get(t, ts, http.MethodGet, "/changes", nil)
	if got := resp.Header.Get("ETag"); got == etag || got == "" {
		t.Errorf("after a new list: got ETag %q, want a new one", got)
	}
	if renders.Load() == before {
		t.Errorf("after a new list: got no render, want one")
	}
}
