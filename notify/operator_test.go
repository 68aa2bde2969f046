package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// TestOperatorChannelsRetriedApart: an operator alert goes by email and by
// webhook; while the webhook answers 503 its retries must not repeat the
// email. Four alerts once became ten emails.
func TestOperatorChannelsRetriedApart(t *testing.T) {
	mp := startMailpit(t)
	hook, srv := newReceiver(t, "", 1<<30) // always 503
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{SMTP: mp.smtp(), Operator: Operator{Email: []string{"ops@example.org"}, Webhook: srv.URL}})
	ctx := context.Background()
	now := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)

	// Five alerts: a failure streak, its recovery, stale data, a
	// quarantine the store raises in its commit, and one an older store
	// queued for the operator as a whole (split on the drain).
	for range 3 {
		if err := n.FetchFailed(ctx, errors.New("connection refused"), now); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.FetchSucceeded(ctx, now); err != nil {
		t.Fatal(err)
	}
	if err := n.Stale(ctx, now.Add(-30*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	in := store.Input{Source: "test", Name: "participatingAgencies.xlsx", Body: []byte("not a workbook"),
		ParseErr: sheet.ErrNoHeader, SeenAt: now}
	if _, err := l.st.Commit(ctx, store.Cycle{At: now, Inputs: []store.Input{in}, Operators: n.Operators()}); err != nil {
		t.Fatal(err)
	}
	legacy := store.Alert{Kind: store.AlertQuarantine, Subject: "legacy alert", Body: "queued by an older store"}
	if _, err := l.st.EnqueueAlert(ctx, string(store.RecipientOperator), legacy, now); err != nil {
		t.Fatal(err)
	}

	for i := 0; i < 100; i++ {
		if err := n.Deliver(ctx, now); err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		p := l.deliveries(t, store.DeliveryPending)
		if len(p) == 0 {
			break
		}
		now = p[0].NextAttempt
	}
	if p := l.deliveries(t, store.DeliveryPending); len(p) != 0 {
		t.Fatalf("got %d deliveries still pending after 100 drains", len(p))
	}
	mp.waitCount(t, 5)
	msgs := mp.byRecipient(t, "ops@example.org")
	if len(msgs) != 5 {
		t.Fatalf("got %d emails to the operator, want 5 (one per alert)", len(msgs))
	}
	kinds := map[string]int{}
	for _, m := range msgs {
		for _, k := range []string{"failed 3 times", "work again", "no successful fetch", "held back", "legacy alert"} {
			if strings.Contains(m.Subject, k) {
				kinds[k]++
			}
		}
	}
	if len(kinds) != 5 {
		t.Errorf("got subjects %v, want one of each alert", kinds)
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if hook.requests < 10 {
		t.Errorf("the failing webhook got %d requests, want retries of all 5 alerts", hook.requests)
	}
}
