package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// TestOutboxRetry: a webhook that is down leaves its delivery pending with
// the error; `outbox` shows it, `outbox retry` makes it due now, and the next
// `fetch` delivers it once the endpoint is back.
func TestOutboxRetry(t *testing.T) {
	var up atomic.Bool
	var delivered atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		delivered.Add(1)
	}))
	t.Cleanup(hook.Close)

	ice := scrapertest.NewServer(t)
	cfg := writeConfig(t, fmt.Sprintf(`
page_url: %s
fetch: {delay: 1ms, timeout: 5s, retries: 0}
webhooks:
  - {url: %q, secret: "s3cret"}
`, ice.URL(), hook.URL))
	db := filepath.Join(t.TempDir(), "w.db")
	base := scrapertest.SampleRows(sheet.Participating, 5)
	ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: participating(t, base), LastModified: day1},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: pending(t, rows(sheet.Pending, 1)), LastModified: day1})
	mustRun(t, "--db", db, "--config", cfg, "fetch")
	more := append(base, []string{"TEXAS", "Lubbock County Sheriff's Office", "County", "Jail Enforcement Model", "2025-09-02", "link"})
	ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09032025am.xlsx", Body: participating(t, more), LastModified: day2},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: pending(t, rows(sheet.Pending, 1)), LastModified: day1})
	mustRun(t, "--db", db, "--config", cfg, "fetch")

	out := mustRun(t, "--db", db, "--config", cfg, "outbox", "--format", "json")
	var body struct{ Deliveries []store.Delivery }
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("outbox json: %v\n%s", err, out)
	}
	if len(body.Deliveries) != 1 || body.Deliveries[0].State != store.DeliveryPending || !strings.Contains(body.Deliveries[0].LastError, "503") {
		t.Fatalf("outbox: got %+v, want one pending delivery whose last error names the 503", body.Deliveries)
	}
	if delivered.Load() != 0 {
		t.Fatalf("delivered while the endpoint was down: %d", delivered.Load())
	}

	up.Store(true)
	id := fmt.Sprint(body.Deliveries[0].ID)
	if out := mustRun(t, "--db", db, "--config", cfg, "outbox", "retry", id); !strings.Contains(out, "due now") {
		t.Errorf("outbox retry: %s", out)
	}
	mustRun(t, "--db", db, "--config", cfg, "fetch")
	if got := delivered.Load(); got != 1 {
		t.Fatalf("deliveries after retry: got %d, want 1", got)
	}
	if out := mustRun(t, "--db", db, "--config", cfg, "outbox"); !strings.Contains(out, "no such deliveries") {
		t.Errorf("outbox after delivery should be empty:\n%s", out)
	}
}

// TestOutboxRedacts checks that a webhook recipient's credentials, in its
// URL and in the error that quotes it, never reach outbox's output in any
// format.
func TestOutboxRedacts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "w.db")
	st, err := store.Open(db, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hook := "https://user:hunter2@hooks.example.org/x?token=s3cr3t"
	at := time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC)
	d, err := st.EnqueueAlert(t.Context(), hook, store.Alert{Kind: store.AlertStale, Subject: "stale"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.MarkFailed(t.Context(), d.ID, "post "+hook+": 500 Internal Server Error", at.Add(time.Hour), false); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json", "csv"} {
		out := mustRun(t, "--db", db, "outbox", "--format", format)
		if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cr3t") {
			t.Errorf("outbox --format %s: got credentials in the output:\n%s", format, out)
		}
		if !strings.Contains(out, "hooks.example.org") {
			t.Errorf("outbox --format %s: got\n%s\nwant the recipient's host", format, out)
		}
	}
}
