package tracker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// guard bounds how long a test waits for something that should happen at
// once; reaching it is a failure.
const guard = 10 * time.Second

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// commitChanges commits a baseline and then a file adding n agreements,
// with deliveries for recipients.
func commitChanges(t *testing.T, st *store.Store, n int, recipients []store.Recipient) {
	t.Helper()
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	recs := []sheet.Record{{State: "WY", StateName: "WYOMING", Agency: "Baseline County Sheriff", Type: "County", Model: sheet.JailEnforcement, Signed: "2020-01-01"}}
	for i := range 2 {
		if i == 1 {
			for j := range n {
				recs = append(recs, sheet.Record{State: "TX", StateName: "TEXAS", Agency: fmt.Sprintf("Agency %02d Police Department", j), Type: "Municipal", Model: sheet.TaskForce, Signed: "2026-02-01"})
			}
		}
		file := append([]sheet.Record(nil), recs...)
		for j := range file {
			file[j].Row = j + 2
		}
		in := store.Input{Source: "test", Name: fmt.Sprintf("participatingAgencies%d.xlsx", i), Body: []byte(fmt.Sprint("file ", i)),
			Parsed: &sheet.File{List: sheet.Participating, Records: file}, SeenAt: at}
		if _, err := st.Commit(context.Background(), store.Cycle{At: at, Inputs: []store.Input{in}, Recipients: recipients}); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
}

// holdingReceiver is a webhook endpoint that announces each POST and holds
// it until the test ends.
type holdingReceiver struct {
	arrived chan string
	stop    chan struct{}
}

func newHoldingReceiver(t *testing.T) (*holdingReceiver, *httptest.Server) {
	t.Helper()
	r := &holdingReceiver{arrived: make(chan string, 100), stop: make(chan struct{})}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(r.stop) })
	return r, srv
}

func (r *holdingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.ReadAll(req.Body)
	r.arrived <- req.Header.Get(notify.HeaderDelivery)
	select {
	case <-req.Context().Done():
	case <-r.stop:
	}
}

// noFiles is a fetcher that finds the page and nothing new on it.
var noFiles = fetchFunc(func(context.Context, func(string) (string, string)) (*scraper.Result, error) {
	return &scraper.Result{}, nil
})

// TestSchedulerSignalStopsDrain: a signal during a delivery drain stops it
// at once, whether the drain runs from the delivery ticker or at the end
// of a cycle; the send it interrupted stays pending for the next start.
// Shutdown once waited 66 s behind a drain to a slow receiver.
func TestSchedulerSignalStopsDrain(t *testing.T) {
	for name, tc := range map[string]struct{ fetch bool }{
		"ticker drain": {fetch: false},
		"cycle drain":  {fetch: true},
	} {
		t.Run(name, func(t *testing.T) {
			recv, srv := newHoldingReceiver(t)
			st := openStore(t)
			n, err := notify.New(st, notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL, Secret: "k"}},
				WebhookTimeout: time.Hour, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			commitChanges(t, st, 3, n.Recipients())
			tr := &Tracker{Fetcher: noFiles, Store: st, Notifier: n, Log: quietLogger()}
			sched := &Scheduler{Tracker: tr, Spec: "@every 1h", NoFetch: !tc.fetch, FetchAtStart: tc.fetch,
				DeliverInterval: time.Hour, ShutdownTimeout: time.Hour, Log: quietLogger()}
			if !tc.fetch {
				sched.DeliverInterval = time.Millisecond
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- sched.Run(ctx) }()
			select {
			case <-recv.arrived:
			case <-time.After(guard):
				t.Fatal("no delivery reached the receiver")
			}
			cancel() // SIGTERM while the receiver holds the POST
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(guard):
				t.Fatal("Run did not return after the signal while a delivery was in flight")
			}
			pending, err := st.Deliveries(context.Background(), store.DeliveryPending)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) != 3 {
				t.Fatalf("got %d pending deliveries, want 3 (none sent, none failed)", len(pending))
			}
			for _, d := range pending {
				if d.Attempts != 0 {
					t.Errorf("delivery %d: got %d attempts, want 0: an interrupted send is not a failure", d.ID, d.Attempts)
				}
			}
		})
	}
}

// failingCommits is the real store whose commits fail, as on a full disk.
type failingCommits struct {
	*store.Store
}

func (failingCommits) Commit(context.Context, store.Cycle) (*store.CycleResult, error) {
	return nil, fmt.Errorf("write: %w", syscall.ENOSPC)
}

// alertReceiver records the events of the operator webhook's POSTs.
type alertReceiver struct {
	mu     sync.Mutex
	events []string
}

func (r *alertReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.ReadAll(req.Body)
	r.mu.Lock()
	r.events = append(r.events, req.Header.Get(notify.HeaderEvent))
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *alertReceiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// TestCommitFailuresAlertOperator: a cycle whose commit fails counts in
// the failure streak like a failed fetch, and the operator hears of it
// after FailureAlertAfter cycles.
func TestCommitFailuresAlertOperator(t *testing.T) {
	recv := &alertReceiver{}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	st := openStore(t)
	n, err := notify.New(st, notify.Options{Operator: notify.Operator{Webhook: srv.URL}, FailureAlertAfter: 3, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	tr := &Tracker{Fetcher: noFiles, Store: failingCommits{st}, Notifier: n, Log: quietLogger(),
		Now: func() time.Time { return now }}
	for cycle := 1; cycle <= 4; cycle++ {
		now = now.Add(30 * time.Minute)
		rep, err := tr.Cycle(context.Background())
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("cycle %d: got error %v, want the commit's ENOSPC", cycle, err)
		}
		if rep.Outcome != OutcomeError {
			t.Errorf("cycle %d: got outcome %q, want %q", cycle, rep.Outcome, OutcomeError)
		}
		want := 0
		if cycle >= 3 {
			want = 1
		}
		if got := recv.got(); len(got) != want {
			t.Fatalf("after cycle %d: operator got %v, want %d alert(s)", cycle, got, want)
		}
	}
	if got := recv.got(); got[0] != "alert.fetch_failing" {
		t.Errorf("got event %q, want alert.fetch_failing", got[0])
	}
}

// staleFunc adapts a function to Stale.
type staleFunc func(ctx context.Context, lastSuccess, now time.Time) error

func (f staleFunc) Stale(ctx context.Context, lastSuccess, now time.Time) error {
	return f(ctx, lastSuccess, now)
}

// TestSchedulerTellsStaleTheLastSuccess: each delivery tick passes the
// time of the newest successful check to Stale (failures after it do not
// count as successes).
func TestSchedulerTellsStaleTheLastSuccess(t *testing.T) {
	st := openStore(t)
	ok := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	checks := []store.Check{
		{At: ok.Add(-time.Hour), URL: "https://ice.example/", Outcome: store.CheckDownloaded},
		{At: ok, URL: "https://ice.example/", Outcome: store.CheckNotModified},
		{At: ok.Add(time.Hour), URL: "https://ice.example/", Outcome: store.CheckError, Error: "timeout"},
	}
	if err := st.RecordChecks(context.Background(), checks, nil); err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(st, notify.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan time.Time, 1)
	sched := &Scheduler{
		Tracker: &Tracker{Fetcher: noFiles, Store: st, Notifier: n, Log: quietLogger()},
		Spec:    "@every 1h", NoFetch: true, DeliverInterval: time.Millisecond, Log: quietLogger(),
		Stale: staleFunc(func(_ context.Context, last, _ time.Time) error {
			select {
			case got <- last:
			default:
			}
			return nil
		}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	select {
	case last := <-got:
		if !last.Equal(ok) {
			t.Errorf("got last success %s, want %s", last, ok)
		}
	case <-time.After(guard):
		t.Fatal("Stale was not called")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestCycleRedactsCredentials: a fetch error quoting a URL with
// credentials reaches neither the log nor the stored check.
func TestCycleRedactsCredentials(t *testing.T) {
	const pass, token = "pa55w0rd-xyz", "t0ken-abc"
	st := openStore(t)
	n, err := notify.New(st, notify.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	failing := fetchFunc(func(context.Context, func(string) (string, string)) (*scraper.Result, error) {
		return &scraper.Result{}, fmt.Errorf(`get "https://watch:%s@ice.example/287g?token=%s": %w`, pass, token, io.ErrUnexpectedEOF)
	})
	tr := &Tracker{Fetcher: failing, Store: st, Notifier: n, PageURL: "https://watch:" + pass + "@ice.example/287g",
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := tr.Cycle(context.Background()); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want the fetch error", err)
	}
	checks, err := st.Checks(context.Background(), 1)
	if err != nil || len(checks) != 1 {
		t.Fatalf("got checks %+v (%v), want one", checks, err)
	}
	if !strings.Contains(logs.String(), "***") || checks[0].Error == "" {
		t.Fatalf("got log %q and check error %q, want both to quote the redacted URL", logs.String(), checks[0].Error)
	}
	for _, secret := range []string{pass, token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log holds %q: %s", secret, logs.String())
		}
		if strings.Contains(checks[0].Error, secret) {
			t.Errorf("the stored check holds %q: %s", secret, checks[0].Error)
		}
	}
}
