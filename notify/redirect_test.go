package notify

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
)

// TestWebhookRedirectNotFollowed: a 3xx answer is a failed delivery; the
// body and its signature are never re-POSTed to the Location, with the
// default client or one the caller supplies.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client *http.Client
		status int
	}{
		{"307 default client", nil, http.StatusTemporaryRedirect},
		{"308 default client", nil, http.StatusPermanentRedirect},
		{"302 default client", nil, http.StatusFound},
		{"307 caller's client", &http.Client{Timeout: time.Minute}, http.StatusTemporaryRedirect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var elsewhere atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				elsewhere.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(other.Close)
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+"/steal", tc.status)
			}))
			t.Cleanup(hook.Close)
			l := newLists(t)
			n := newTestNotifier(t, l.st, Options{HTTPClient: tc.client, Webhooks: []Webhook{{URL: hook.URL, Secret: "k"}}})
			at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
			l.add(t, at, n.Recipients(), agencies("TX", 1)...)
			if err := n.Deliver(context.Background(), at); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if got := elsewhere.Load(); got != 0 {
				t.Errorf("the redirect target got %d requests, want 0", got)
			}
			p := l.deliveries(t, store.DeliveryPending)
			if len(p) != 1 || p[0].Attempts != 1 {
				t.Fatalf("got %+v, want one pending delivery after one failed attempt", p)
			}
			if want := "redirect to \"" + other.URL + "/steal\" not followed"; !strings.Contains(p[0].LastError, want) {
				t.Errorf("got last error %q, want it to say %s", p[0].LastError, want)
			}
			if tc.client != nil && tc.client.CheckRedirect != nil {
				t.Errorf("New changed the caller's client")
			}
		})
	}
}

// TestWebhookCredentialsRedacted: a webhook URL's user:pass@ and secret
// query values never reach a log line, a stored error or an operator
// alert, whether the receiver accepts, refuses, redirects or is down.
func TestWebhookCredentialsRedacted(t *testing.T) {
	const pass, token = "pa55w0rd-xyz", "t0ken-abc123"
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(ok.Close)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(refuse.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://user:"+pass+"@elsewhere.invalid/x?token="+token, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // connection refused: Go's *url.Error quotes the URL
	for _, tc := range []struct {
		name string
		base string
		dead bool
	}{
		{"accepted", ok.URL, false},
		{"refused until dead", refuse.URL, true},
		{"redirected", redirect.URL, false},
		{"unreachable", down.URL, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.base + "/hook?token=" + token + "&event=all")
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword("watch", pass)
			var logs bytes.Buffer
			l := newLists(t)
			opAlerts := &receiver{byID: map[string]int{}, bodies: map[string][]byte{}}
			opSrv := httptest.NewServer(opAlerts)
			t.Cleanup(opSrv.Close)
			n := newTestNotifier(t, l.st, Options{
				Webhooks: []Webhook{{URL: u.String(), Secret: "k"}},
				Operator: Operator{Webhook: opSrv.URL},
				Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
			l.add(t, at, n.Recipients(), agencies("TX", 1)...)
			now := at
			if err := n.Deliver(context.Background(), now); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if tc.dead {
				now = now.Add(DefaultWebhookMaxAge)
				if err := n.Deliver(context.Background(), now); err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				if got := len(l.alerts(t, store.AlertDeadDelivery)); got != 1 {
					t.Fatalf("got %d dead_delivery alerts, want 1", got)
				}
				if err := n.Deliver(context.Background(), now); err != nil { // the alert itself
					t.Fatalf("Deliver: %v", err)
				}
			}
			// The recipient id is the configured URL itself (it keys the
			// delivery in the store); everything said about it is redacted.
			var said strings.Builder
			for _, d := range l.deliveries(t, "") {
				said.WriteString(d.LastError + "\n")
				if d.Alert != nil {
					said.WriteString(d.Alert.Subject + "\n" + d.Alert.Body + "\n")
				}
			}
			opAlerts.mu.Lock()
			for _, b := range opAlerts.bodies {
				said.Write(b)
			}
			opAlerts.mu.Unlock()
			if logs.Len() == 0 {
				t.Fatal("nothing was logged")
			}
			for _, secret := range []string{pass, token} {
				if strings.Contains(logs.String(), secret) {
					t.Errorf("the log holds %q:\n%s", secret, logs.String())
				}
				if strings.Contains(said.String(), secret) {
					t.Errorf("a stored error or alert holds %q:\n%s", secret, said.String())
				}
			}
			if tc.dead && !strings.Contains(logs.String(), "***") {
				t.Errorf("the log does not show the redacted URL:\n%s", logs.String())
			}
		})
	}
}
