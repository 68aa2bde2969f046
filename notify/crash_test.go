package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Environment of the crash child (the test binary re-executed).
const (
	envCrashDB   = "WATCH287G_CRASH_DB"
	envCrashSMTP = "WATCH287G_CRASH_SMTP_PORT"
	envCrashHook = "WATCH287G_CRASH_HOOK"
)

var crashNow = time.Date(2026, 2, 13, 16, 0, 0, 0, time.UTC)

func crashOptions(smtpPort int, hook string) Options {
	return Options{
		SMTP: SMTP{Host: "127.0.0.1", Port: smtpPort, TLS: TLSNone, From: "watch <alerts@example.org>"},
		// The webhook sits between subscribers, so the kill lands after one
		// email was sent and before two others.
		Subscribers: []Subscriber{{Email: "first@example.org"}},
		Webhooks:    []Webhook{{URL: hook, Secret: "crash"}},
		Logger:      quietLogger(),
		PublicURL:   "https://watch.example.org",
	}
}

func crashRecipients(opt Options) []store.Recipient {
	return []store.Recipient{
		{ID: opt.Subscribers[0].ID()},
		{ID: opt.Webhooks[0].ID()},
		{ID: "email:second@example.org"},
		{ID: "email:third@example.org", Filter: diff.Filter{States: []string{"TX"}}},
	}
}

func withAllSubscribers(opt Options) Options {
	opt.Subscribers = append(opt.Subscribers,
		Subscriber{Email: "second@example.org"},
		Subscriber{Email: "third@example.org", Filter: diff.Filter{States: []string{"TX"}}})
	return opt
}

// TestCrashChild is the child process of TestCrashMidDelivery; it does
// nothing in a normal run.
func TestCrashChild(t *testing.T) {
	db := os.Getenv(envCrashDB)
	if db == "" {
		t.Skip("run by TestCrashMidDelivery only")
	}
	port, _ := strconv.Atoi(os.Getenv(envCrashSMTP))
	st, err := store.Open(db, store.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(st, withAllSubscribers(crashOptions(port, os.Getenv(envCrashHook))))
	if err != nil {
		t.Fatal(err)
	}
	// The parent kills this process while Deliver is blocked on a webhook.
	if err := n.Deliver(context.Background(), crashNow); err != nil {
		t.Fatal(err)
	}
	t.Fatal("Deliver returned: the parent should have killed the child mid-delivery")
}

// blockingReceiver records every request as it arrives, then blocks the
// k-th one until released.
type blockingReceiver struct {
	k        int
	arrived  chan string // the blocked request's delivery id
	release  chan struct{}
	mu       sync.Mutex
	n        int
	byID     map[string]int
	badSig   int
	blockOne sync.Once
}

func (r *blockingReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get(HeaderDelivery)
	r.mu.Lock()
	r.n++
	n := r.n
	r.byID[id]++
	if req.Header.Get(HeaderSignature) != Signature("crash", body) {
		r.badSig++
	}
	r.mu.Unlock()
	if n == r.k {
		r.arrived <- id
		<-r.release
		return
	}
	w.WriteHeader(http.StatusOK)
}

func TestCrashMidDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	mp := startMailpit(t)
	const changes, k = 20, 7
	recv := &blockingReceiver{k: k, arrived: make(chan string, 1), release: make(chan struct{}), byID: map[string]int{}}
	srv := httptest.NewServer(recv)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-recv.release:
		default:
			close(recv.release)
		}
	})
	opt := crashOptions(mp.SMTPPort, srv.URL+"/hook")
	db := filepath.Join(t.TempDir(), "w.db")
	ctx := context.Background()

	// A baseline, then a file with `changes` new agreements: 4 deliveries
	// each (3 subscribers, the TX one matching half, and the webhook).
	st, err := store.Open(db, store.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	base := []sheet.Record{*rec("TX", "Base County Sheriff", sheet.JailEnforcement, "2020-01-01")}
	more := append([]sheet.Record(nil), base...)
	for i := range changes {
		state := []string{"TX", "CA"}[i%2]
		more = append(more, *rec(state, fmt.Sprintf("Agency %02d Police Department", i), sheet.TaskForce, "2026-02-01"))
	}
	for i, recs := range [][]sheet.Record{base, more} {
		for j := range recs {
			recs[j].Row = j + 2
		}
		in := store.Input{Source: "test", Name: fmt.Sprintf("participatingAgencies0%d1326.xlsx", i+1), Body: []byte(fmt.Sprintf("file %d", i)),
			Parsed: &sheet.File{List: sheet.Participating, Records: recs}, Published: fmt.Sprintf("2026-02-1%d", i+2), SeenAt: crashNow.Add(-time.Hour)}
		if _, err := st.Commit(ctx, store.Cycle{At: crashNow.Add(-time.Hour), Inputs: []store.Input{in}, Recipients: crashRecipients(opt)}); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	pending, err := st.Deliveries(ctx, store.DeliveryPending)
	if err != nil {
		t.Fatal(err)
	}
	wantDeliveries := changes*3 + changes/2
	if len(pending) != wantDeliveries {
		t.Fatalf("got %d pending deliveries, want %d", len(pending), wantDeliveries)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// The child delivers until the k-th webhook blocks; then it is killed.
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envCrashDB+"="+db, envCrashSMTP+"="+strconv.Itoa(mp.SMTPPort), envCrashHook+"="+srv.URL+"/hook")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var inFlight string
	select {
	case inFlight = <-recv.arrived:
	case err := <-exited:
		t.Fatalf("child exited before the %d-th webhook: %v", k, err)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the %d-th webhook never arrived", k)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	<-exited
	close(recv.release)
	if got := len(mp.messages(t)); got != 1 {
		t.Fatalf("got %d emails before the crash, want 1 (first@ only)", got)
	}

	// Restart over the same file and drain.
	st, err = store.Open(db, store.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := New(st, withAllSubscribers(crashOptions(mp.SMTPPort, srv.URL+"/hook")))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Deliver(ctx, crashNow.Add(time.Minute)); err != nil {
		t.Fatalf("Deliver after restart: %v", err)
	}
	left, err := st.Due(ctx, crashNow.Add(24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("got %d deliveries still pending after the restart, want 0: %+v", len(left), left[0])
	}
	sent, err := st.Deliveries(ctx, store.DeliverySent)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != wantDeliveries {
		t.Fatalf("got %d sent deliveries, want %d", len(sent), wantDeliveries)
	}

	// Every webhook delivery arrived; only the one in flight twice.
	recv.mu.Lock()
	defer recv.mu.Unlock()
	if recv.badSig != 0 {
		t.Errorf("got %d bad signatures", recv.badSig)
	}
	for _, d := range sent {
		if d.Recipient != opt.Webhooks[0].ID() {
			continue
		}
		id := strconv.FormatUint(d.ID, 10)
		want := 1
		if id == inFlight {
			want = 2
		}
		if recv.byID[id] != want {
			t.Errorf("webhook delivery %s arrived %d times, want %d", id, recv.byID[id], want)
		}
	}
	if len(recv.byID) != changes {
		t.Errorf("got %d distinct webhook deliveries, want %d", len(recv.byID), changes)
	}

	// Each subscriber got exactly one email; first@'s was not repeated.
	mp.waitCount(t, 3)
	for addr, wantNew := range map[string]int{"first@example.org": changes, "second@example.org": changes, "third@example.org": changes / 2} {
		msgs := mp.byRecipient(t, addr)
		if len(msgs) != 1 {
			t.Errorf("%s got %d emails, want 1", addr, len(msgs))
			continue
		}
		want := fmt.Sprintf("287(g): %d new, 0 ended, 0 changed", wantNew)
		if len(msgs[0].Subject) < len(want) || msgs[0].Subject[:len(want)] != want {
			t.Errorf("%s: got subject %q, want %q…", addr, msgs[0].Subject, want)
		}
	}
}
