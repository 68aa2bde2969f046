package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
)

// guard bounds how long a test waits for something that should happen at
// once; reaching it is a failure, never a pass.
const guard = 10 * time.Second

// gateReceiver is a webhook endpoint that holds every POST until the test
// releases it with a status code, announcing each arrival first.
type gateReceiver struct {
	arrived chan string // X-Watch287g-Delivery of each request, on arrival
	release chan int    // the status code the held request answers
	stop    chan struct{}

	mu   sync.Mutex
	byID map[string]int
}

func newGateReceiver(t *testing.T) (*gateReceiver, *httptest.Server) {
	t.Helper()
	r := &gateReceiver{arrived: make(chan string), release: make(chan int), stop: make(chan struct{}), byID: map[string]int{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(r.stop) }) // runs first: frees held handlers
	return r, srv
}

func (r *gateReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	_, _ = io.ReadAll(req.Body)
	id := req.Header.Get(HeaderDelivery)
	r.mu.Lock()
	r.byID[id]++
	r.mu.Unlock()
	select {
	case r.arrived <- id:
	case <-r.stop:
		return
	}
	select {
	case code := <-r.release:
		w.WriteHeader(code)
	case <-req.Context().Done():
	case <-r.stop:
	}
}

func (r *gateReceiver) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.byID {
		out[k] = v
	}
	return out
}

// TestDeliverConcurrentDrainsSendOnce: serve drains the outbox from its
// ticker while a cycle is still inside Deliver. The second drain must not
// send what the first is sending: every delivery arrives exactly once.
func TestDeliverConcurrentDrainsSendOnce(t *testing.T) {
	recv, srv := newGateReceiver(t)
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Webhooks: []Webhook{{URL: srv.URL + "/hook", Secret: "k"}}})
	waiting := make(chan struct{}, 1)
	n.drainWaiting = func() { waiting <- struct{}{} }
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	const changes = 5
	l.add(t, at, n.Recipients(), agencies("TX", changes)...)

	ctx := context.Background()
	timeout := time.After(guard)
	done := make(chan error, 2)
	go func() { done <- n.Deliver(ctx, at) }()
	held := 0
	select {
	case <-recv.arrived: // the first drain holds its first POST
		held++
	case err := <-done:
		t.Fatalf("Deliver returned %v before posting", err)
	case <-timeout:
		t.Fatal("no POST arrived")
	}
	go func() { done <- n.Deliver(ctx, at) }()
	// Release nothing until the second drain has either waited for the
	// first or posted on its own (the defect).
	select {
	case <-waiting:
	case <-recv.arrived:
		held++
	case <-timeout:
		t.Fatal("the second drain neither waited nor posted")
	}
	for finished := 0; finished < 2; {
		var release chan int
		if held > 0 {
			release = recv.release
		}
		select {
		case release <- http.StatusNoContent:
			held--
		case <-recv.arrived:
			held++
		case err := <-done:
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			finished++
		case <-timeout:
			t.Fatalf("drains did not finish; %d POSTs held", held)
		}
	}
	got := recv.counts()
	sent := l.deliveries(t, store.DeliverySent)
	if len(sent) != changes {
		t.Errorf("got %d sent deliveries, want %d", len(sent), changes)
	}
	posts := 0
	for _, c := range got {
		posts += c
	}
	if posts != changes {
		t.Errorf("got %d POSTs for %d deliveries, want %d", posts, changes, changes)
	}
	for _, d := range sent {
		if c := got[strconv.FormatUint(d.ID, 10)]; c != 1 {
			t.Errorf("delivery %d arrived %d times, want 1", d.ID, c)
		}
	}
}
