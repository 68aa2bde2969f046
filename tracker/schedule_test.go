package tracker

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// webhookReceiver records each delivered change and signals it.
type webhookReceiver struct {
	got chan diff.Change
}

func (r *webhookReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var c diff.Change
	if err := json.Unmarshal(body, &c); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.got <- c
}

func newTestTracker(t *testing.T, ice *scrapertest.Server, hookURL string) *Tracker {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n, err := notify.New(st, notify.Options{Webhooks: []notify.Webhook{{URL: hookURL, Secret: "s3cret"}}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &Tracker{
		Fetcher:  scraper.New(scraper.Options{PageURL: ice.URL(), Delay: -1, Retries: -1, Timeout: 5 * time.Second}),
		Store:    st,
		Notifier: n,
		PageURL:  ice.URL(),
		Log:      log,
	}
}

// TestSchedulerTwoTicks runs the real scheduler with a fast spec against a
// loopback ICE: the first tick records a baseline, the second finds one
// signing, which reaches the webhook once; then the scheduler stops cleanly.
func TestSchedulerTwoTicks(t *testing.T) {
	ice := scrapertest.NewServer(t)
	rows := scrapertest.SampleRows(sheet.Participating, 12)
	ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: scrapertest.Workbook(t, scrapertest.ParticipatingHeader, rows)},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Pending, 2)})
	recv := &webhookReceiver{got: make(chan diff.Change, 10)}
	hook := httptest.NewServer(recv)
	t.Cleanup(hook.Close)

	tr := newTestTracker(t, ice, hook.URL)
	cycles := make(chan *Report)
	sched := &Scheduler{
		Tracker:         tr,
		Spec:            "@every 1s",
		CycleTimeout:    10 * time.Second,
		DeliverInterval: time.Hour, // deliveries come from the cycles here
		Cycles:          cycles,
		Log:             tr.Log,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()

	deadline := time.After(30 * time.Second)
	next := func() *Report {
		t.Helper()
		select {
		case r := <-cycles:
			return r
		case <-deadline:
			t.Fatal("no cycle within 30s")
		}
		return nil
	}
	first := next()
	if first.Outcome != OutcomeNew || first.Commit == nil || len(first.Commit.Changes) != 0 {
		t.Fatalf("first tick: outcome %q, want a baseline with no changes", first.Outcome)
	}

	signed := append(rows, []string{"OKLAHOMA", "Tulsa County Sheriff's Office", "County", "Task Force Model", "2025-09-01", "link"})
	ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09032025am.xlsx", Body: scrapertest.Workbook(t, scrapertest.ParticipatingHeader, signed),
			LastModified: time.Date(2025, 9, 3, 12, 0, 0, 0, time.UTC)},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Pending, 2)})
	var second *Report
	for second == nil || second.Outcome == OutcomeUnchanged {
		second = next()
	}
	if second.Commit == nil || len(second.Commit.Changes) != 1 || second.Commit.Changes[0].Kind != diff.Added {
		t.Fatalf("second tick: got %+v, want one added change", second.Commit)
	}
	select {
	case c := <-recv.got:
		if c.After == nil || c.After.Agency != "Tulsa County Sheriff's Office" {
			t.Fatalf("webhook: got %+v, want the Tulsa signing", c)
		}
	case <-deadline:
		t.Fatal("webhook not delivered within 30s")
	}

	cancel()
	// A cycle may be waiting to report; drain until Run returns.
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			select {
			case c := <-recv.got:
				t.Fatalf("a second delivery arrived: %+v", c)
			default:
			}
			return
		case <-cycles:
		case <-deadline:
			t.Fatal("scheduler did not stop within 30s")
		}
	}
}

// TestParseSchedule: a bad spec is an error at start, never a panic.
func TestParseSchedule(t *testing.T) {
	tests := map[string]struct {
		spec string
		ok   bool
	}{
		"five fields with zone": {"CRON_TZ=America/New_York */30 6-22 * * *", true},
		"descriptor":            {"@hourly", true},
		"every":                 {"@every 10m", true},
		"six fields":            {"0 */30 6-22 * * *", false},
		"bad zone":              {"CRON_TZ=Mars/Olympus */30 * * * *", false},
		"garbage":               {"sometimes", false},
		"empty":                 {"", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseSchedule(tc.spec)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseSchedule(%q): got error %v, want ok=%v", tc.spec, err, tc.ok)
			}
		})
	}
}

// fetchFunc adapts a function to Fetcher.
type fetchFunc func(ctx context.Context, v func(string) (string, string)) (*scraper.Result, error)

func (f fetchFunc) Fetch(ctx context.Context, v func(string) (string, string)) (*scraper.Result, error) {
	return f(ctx, v)
}

// TestSchedulerRecoversPanic: a panic in a cycle (a bug in our code) is
// recovered by the cron chain and the next tick runs.
func TestSchedulerRecoversPanic(t *testing.T) {
	ice := scrapertest.NewServer(t)
	ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Participating, 3)},
		scrapertest.Doc{Name: "pendingAgencies09022025am.xlsx", Body: scrapertest.Sample(t, sheet.Pending, 1)})
	tr := newTestTracker(t, ice, "http://127.0.0.1:1/unused")
	real := tr.Fetcher
	calls := 0
	tr.Fetcher = fetchFunc(func(ctx context.Context, v func(string) (string, string)) (*scraper.Result, error) {
		calls++
		if calls == 1 {
			panic("bug in a cycle")
		}
		return real.Fetch(ctx, v)
	})
	cycles := make(chan *Report)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sched := &Scheduler{Tracker: tr, Spec: "@every 1s", DeliverInterval: time.Hour, Cycles: cycles, Log: tr.Log}
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	select {
	case r := <-cycles:
		if r.Outcome != OutcomeNew {
			t.Fatalf("cycle after the panic: outcome %q, want new", r.Outcome)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no cycle ran after the panicking one")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
