package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// receiver is a webhook endpoint that verifies signatures, fails the first
// failFirst requests, and counts requests per delivery id.
type receiver struct {
	secret    string
	failFirst int

	mu       sync.Mutex
	requests int
	byID     map[string]int
	bodies   map[string][]byte
	badSig   int
	headers  http.Header
	accepted []string
}

func newReceiver(t *testing.T, secret string, failFirst int) (*receiver, *httptest.Server) {
	r := &receiver{secret: secret, failFirst: failFirst, byID: map[string]int{}, bodies: map[string][]byte{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.secret != "" && req.Header.Get(HeaderSignature) != Signature(r.secret, body) {
		r.badSig++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if r.requests <= r.failFirst {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	id := req.Header.Get(HeaderDelivery)
	r.byID[id]++
	r.bodies[id] = body
	r.headers = req.Header.Clone()
	r.accepted = append(r.accepted, id)
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	r, srv := newReceiver(t, "s3cret", 3)
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Webhooks: []Webhook{
		{URL: srv.URL + "/hook", Secret: "s3cret", Filter: diff.Filter{Kinds: []diff.Kind{diff.Added}}},
	}})
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	base := *rec("WY", "Baseline County Sheriff", sheet.JailEnforcement, "2020-01-01")
	gone := *rec("MT", "Gone County Sheriff", sheet.JailEnforcement, "2020-01-01")
	l.publish(t, at.Add(-time.Hour), sheet.Participating, []sheet.Record{base, gone}, nil)
	// Harris is added and Gone removed; the filter (kinds: added) takes
	// only Harris.
	changes := l.publish(t, at, sheet.Participating, []sheet.Record{base, *rec("TX", "Harris", sheet.TaskForce, "2026-02-10")}, n.Recipients())
	if len(changes) != 2 {
		t.Fatalf("got %d changes, want Harris added and Gone removed", len(changes))
	}
	var ch diff.Change
	for _, c := range changes {
		if c.Kind == diff.Added {
			ch = c
		}
	}

	ctx := context.Background()
	now := at
	// Backoff 1m, 2m, 4m: the fourth attempt succeeds.
	wantNext := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, d := range wantNext {
		if err := n.Deliver(ctx, now); err != nil {
			t.Fatalf("attempt %d: Deliver: %v", i+1, err)
		}
		p := l.deliveries(t, store.DeliveryPending)
		if len(p) != 1 || !p[0].NextAttempt.Equal(now.Add(d)) {
			t.Fatalf("attempt %d: got %+v, want one pending delivery due at +%s", i+1, p, d)
		}
		// Not due yet: nothing is posted.
		if err := n.Deliver(ctx, now.Add(d-time.Second)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(d)
	}
	if err := n.Deliver(ctx, now); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	sent := l.deliveries(t, store.DeliverySent)
	if len(sent) != 1 {
		t.Fatalf("got %d sent, want 1", len(sent))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.requests != 4 || r.badSig != 0 {
		t.Fatalf("got %d requests (%d bad signatures), want 4 (0)", r.requests, r.badSig)
	}
	id := strconv.FormatUint(sent[0].ID, 10)
	if r.byID[id] != 1 || len(r.byID) != 1 {
		t.Fatalf("got deliveries %v, want exactly one of id %s", r.byID, id)
	}
	if got := r.headers.Get(HeaderEvent); got != "change.added" {
		t.Errorf("got event %q, want change.added", got)
	}
	if got := r.headers.Get("Content-Type"); got != "application/json" {
		t.Errorf("got Content-Type %q", got)
	}
	if r.headers.Get("User-Agent") == "" {
		t.Errorf("no User-Agent")
	}
	var p ChangePayload
	if err := json.Unmarshal(r.bodies[id], &p); err != nil {
		t.Fatal(err)
	}
	if p.DeliveryID != sent[0].ID || p.Event != "change.added" || p.ID != ch.ID || p.Kind != diff.Added || p.After == nil || p.After.Agency != "Harris" {
		t.Errorf("got payload %+v, want delivery %d, change %d added Harris", p, sent[0].ID, ch.ID)
	}
}

func TestWebhookDeadAfterMaxAgeTellsOperator(t *testing.T) {
	_, bad := newReceiver(t, "k", 1<<30) // always 503
	op, opSrv := newReceiver(t, "", 0)
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{
		Webhooks: []Webhook{{URL: bad.URL, Secret: "k"}},
		Operator: Operator{Webhook: opSrv.URL},
	})
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	l.add(t, at, n.Recipients(), *rec("TX", "Harris", sheet.TaskForce, "2026-02-10"))
	ctx := context.Background()
	now := at
	for i := 0; i < 100 && len(l.deliveries(t, store.DeliveryDead)) == 0; i++ {
		if err := n.Deliver(ctx, now); err != nil {
			t.Fatal(err)
		}
		p := l.deliveries(t, store.DeliveryPending)
		if len(p) == 0 {
			break
		}
		now = p[0].NextAttempt
	}
	dead := l.deliveries(t, store.DeliveryDead)
	if len(dead) != 1 {
		t.Fatalf("got %d dead deliveries, want 1", len(dead))
	}
	if age := now.Sub(at); age < DefaultWebhookMaxAge || age > DefaultWebhookMaxAge+DefaultRetryCap {
		t.Errorf("died after %s, want about %s", age, DefaultWebhookMaxAge)
	}
	alerts := l.alerts(t, store.AlertDeadDelivery)
	if len(alerts) != 1 {
		t.Fatalf("got %d dead_delivery alerts, want 1", len(alerts))
	}
	// The alert goes out on the next drain, to the operator's webhook.
	if err := n.Deliver(ctx, now); err != nil {
		t.Fatal(err)
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	if len(op.accepted) != 1 || op.headers.Get(HeaderEvent) != "alert.dead_delivery" {
		t.Fatalf("operator got %v (event %q), want one alert.dead_delivery", op.accepted, op.headers.Get(HeaderEvent))
	}
}

func TestSignature(t *testing.T) {
	// The HMAC-SHA256 example from RFC 4231's companion (Wikipedia).
	got := Signature("key", []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFetchFailureAlerts(t *testing.T) {
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Operator: Operator{Email: []string{"ops@example.org"}}})
	ctx := context.Background()
	now := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	steps := []struct {
		ok            bool
		wantFailing   int
		wantRecovered int
	}{
		{false, 0, 0}, {false, 0, 0}, {false, 1, 0}, {false, 1, 0}, // alert on the third
		{true, 1, 1}, {true, 1, 1}, // one recovery
		{false, 1, 1}, {true, 1, 1}, // a short streak: no alert, no recovery
	}
	for i, s := range steps {
		now = now.Add(30 * time.Minute)
		var err error
		if s.ok {
			err = n.FetchSucceeded(ctx, now)
		} else {
			err = n.FetchFailed(ctx, errors.New("dial tcp: connection refused"), now)
		}
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := len(l.alerts(t, store.AlertFetchFailing)); got != s.wantFailing {
			t.Fatalf("step %d: got %d fetch_failing alerts, want %d", i, got, s.wantFailing)
		}
		if got := len(l.alerts(t, store.AlertRecovered)); got != s.wantRecovered {
			t.Fatalf("step %d: got %d recovered alerts, want %d", i, got, s.wantRecovered)
		}
	}
}

func TestStaleAlertOncePerPeriod(t *testing.T) {
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Operator: Operator{Email: []string{"ops@example.org"}}, StaleAfter: 26 * time.Hour})
	ctx := context.Background()
	last := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	steps := []struct {
		after time.Duration
		want  int
	}{{25 * time.Hour, 0}, {27 * time.Hour, 1}, {30 * time.Hour, 1}, {54 * time.Hour, 2}}
	for _, s := range steps {
		if err := n.Stale(ctx, last, last.Add(s.after)); err != nil {
			t.Fatal(err)
		}
		if got := len(l.alerts(t, store.AlertStale)); got != s.want {
			t.Fatalf("after %s: got %d stale alerts, want %d", s.after, got, s.want)
		}
	}
}
