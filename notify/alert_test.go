package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// TestAlertWords: every kind of alert reads as a sentence with its facts,
// and nothing from ICE's files (a file name) can break the subject.
func TestAlertWords(t *testing.T) {
	now := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	hostileName := "participating\r\nBcc: x@example.org\x1b[31m.xlsx"
	tests := []struct {
		name        string
		alert       store.Alert
		wantKind    store.AlertKind
		wantSubject string
		wantBody    []string
	}{
		{"fetch failing", fetchFailingAlert(3, "2026-02-13T13:00:00Z", errors.New(`GET "https://u:pa55@ice.example/x": EOF`)),
			store.AlertFetchFailing, "fetch cycles failed 3 times in a row",
			[]string{"The last 3 fetch cycles failed (the first at 2026-02-13T13:00:00Z)", `https://***@ice.example/x`, "when a cycle succeeds"}},
		{"recovered", recoveredAlert(4, "2026-02-13T13:00:00Z", now),
			store.AlertRecovered, "fetch cycles work again after 4 failures",
			[]string{"succeeded at 2026-02-13T15:00:00Z after 4 consecutive failures since 2026-02-13T13:00:00Z"}},
		{"stale", staleAlert(now.Add(-27*time.Hour), now, 26*time.Hour),
			store.AlertStale, "no successful fetch for 27h0m0s",
			[]string{"2026-02-12T12:00:00Z", "more than 26h0m0s ago", "/healthz answers 503"}},
		{"dead delivery", deadDeliveryAlert(store.Delivery{ID: 42, Recipient: "webhook:https://u:pa55@hooks.example/x?token=t0k", ChangeID: 7, Attempts: 9, CreatedAt: now}, "status 500"),
			store.AlertDeadDelivery, "delivery 42 is dead after 10 attempts",
			[]string{"Delivery 42 to webhook:https://***@hooks.example/x?token=***", "(change 7)", "Last error: status 500", "watch287g outbox retry 42"}},
		{"quarantine: drops", store.Alert{Kind: store.AlertQuarantine, SnapshotID: 12, List: sheet.Participating, FileName: hostileName,
			SourceURL: "https://www.ice.gov/doclib/x.xlsx", Published: "2026-02-13", SHA256: "abc", Records: 90, Agreements: 88,
			Reason: string(diff.GuardDrops), Detail: "drops 1100 of the 1188 agreements", Dropped: 1100, Previous: 1188, PreviousSnapshot: 11, Acceptable: true},
			store.AlertQuarantine, "held back participating snapshot 12: it drops 1100 of the 1188 agreements (participating Bcc: x@example.org",
			[]string{"Snapshot:    12", "Dropped:     1100 of 1188 (snapshot 11)", "watch287g accept 12", "SHA-256:     abc"}},
		{"quarantine: pending that looks participating", store.Alert{Kind: store.AlertQuarantine, SnapshotID: 13, List: sheet.Pending, FileName: "pendingAgencies.xlsx",
			Reason: string(diff.GuardParticipatingAsPending), Acceptable: true},
			store.AlertQuarantine, "held back pending snapshot 13: read as the pending list, but most of its agreements are participating agreements",
			[]string{"watch287g accept 13"}},
		{"quarantine: unreadable", store.Alert{Kind: store.AlertQuarantine, SnapshotID: 14, FileName: "x.xlsx", Reason: store.ReasonUnreadable,
			Detail: "header not recognised: no header"},
			store.AlertQuarantine, "held back unreadable snapshot 14: its header was not recognised (x.xlsx)",
			[]string{"cannot be accepted", "Reason:      header not recognised: no header"}},
		{"quarantine worded by an older store", store.Alert{Kind: store.AlertQuarantine, Subject: "old subject", Body: "old body"},
			store.AlertQuarantine, "old subject", []string{"old body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.alert.Kind != tc.wantKind {
				t.Errorf("got kind %q, want %q", tc.alert.Kind, tc.wantKind)
			}
			subject, body := alertWords(&tc.alert)
			if !strings.HasPrefix(subject, tc.wantSubject) {
				t.Errorf("got subject %q, want %q…", subject, tc.wantSubject)
			}
			if strings.ContainsAny(subject, "\r\n\x1b") || len(subject) > maxSubject {
				t.Errorf("subject %q has control characters or is over %d bytes", subject, maxSubject)
			}
			for _, want := range tc.wantBody {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			if strings.Contains(subject+body, "pa55") || strings.Contains(subject+body, "t0k") {
				t.Errorf("a credential reached the alert:\n%s\n%s", subject, body)
			}
			// Email and webhook carry the same words.
			d := store.Delivery{ID: 5, Recipient: store.RecipientID(store.RecipientOperatorWebhook, "https://ops.example/h"), Alert: &tc.alert, CreatedAt: now}
			msg := alertMessage(d)
			if msg.Subject != "[watch287g] "+subject || !strings.Contains(msg.Text, strings.TrimSpace(body)) {
				t.Errorf("email: got %q / %q", msg.Subject, msg.Text)
			}
			b, event, err := alertBody(d)
			if err != nil {
				t.Fatal(err)
			}
			var p AlertPayload
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			if event != "alert."+string(tc.wantKind) || p.Alert.Subject != subject || p.Alert.Body != body || p.DeliveryID != 5 {
				t.Errorf("webhook: got event %q, payload %+v", event, p)
			}
		})
	}
}

// brokenOutbox is the real store whose writes fail, as on a full disk.
type brokenOutbox struct{ *store.Store }

var errFull = syscall.ENOSPC

func (brokenOutbox) SetMeta(context.Context, string, string) error { return errFull }
func (brokenOutbox) EnqueueAlert(context.Context, string, store.Alert, time.Time) (store.Delivery, error) {
	return store.Delivery{}, errFull
}

// TestFailingStoreStillAlerts: when the store itself fails, the failure
// streak still counts (in memory) and the alert, which the outbox cannot
// take, goes to the operator at once.
func TestFailingStoreStillAlerts(t *testing.T) {
	hook, srv := newReceiver(t, "", 0)
	n := newTestNotifier(t, brokenOutbox{openStore(t)}, Options{Operator: Operator{Webhook: srv.URL}, FailureAlertAfter: 3})
	ctx := context.Background()
	now := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		err := n.FetchFailed(ctx, errors.New("commit cycle: write: no space left on device"), now)
		if !errors.Is(err, errFull) {
			t.Errorf("failure %d: got %v, want the store's error reported", i, err)
		}
		want := 0
		if i >= 3 {
			want = 1
		}
		hook.mu.Lock()
		got := len(hook.accepted)
		hook.mu.Unlock()
		if got != want {
			t.Fatalf("after failure %d: operator got %d alerts, want %d", i, got, want)
		}
	}
	hook.mu.Lock()
	defer hook.mu.Unlock()
	if ev := hook.headers.Get(HeaderEvent); ev != "alert.fetch_failing" {
		t.Errorf("got event %q, want alert.fetch_failing", ev)
	}
	if id := hook.accepted[0]; !strings.HasPrefix(id, "direct-") {
		t.Errorf("got delivery id %q, want a direct-… id outside the outbox", id)
	}
}
