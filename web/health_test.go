package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// clock is an injected clock tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestHealthz(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		// stored is the store's last success (from before a restart).
		stored  time.Time
		success time.Duration // since t0; 0: never
		failure bool
		at      time.Duration // clock, since t0
		status  int
		state   string
	}{
		"fresh success":                {success: time.Hour, at: 2 * time.Hour, status: 200, state: "ok"},
		"stale success":                {success: time.Hour, at: 28 * time.Hour, status: 503, state: "stale"},
		"never, within grace":          {at: time.Hour, status: 200, state: "starting"},
		"never, after grace":           {at: 27 * time.Hour, status: 503, state: "stale"},
		"failing after a success":      {success: time.Hour, failure: true, at: 3 * time.Hour, status: 200, state: "ok"},
		"store success before restart": {stored: t0.Add(-3 * time.Hour), at: 20 * time.Hour, status: 200, state: "ok"},
		"store success too old":        {stored: t0.Add(-30 * time.Hour), at: time.Hour, status: 503, state: "stale"},
		"process newer than store":     {stored: t0.Add(-3 * time.Hour), success: time.Hour, at: 2 * time.Hour, status: 200, state: "ok"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &clock{t: t0}
			h := NewHealth(t0)
			fake := &fakeStore{lastSuccess: func(context.Context) (time.Time, error) { return tc.stored, nil }}
			srv := New(Options{Store: fake, PublicURL: testPublicURL, StaleAfter: 26 * time.Hour, Now: c.now, Health: h})
			if tc.success != 0 {
				h.Attempt(t0.Add(tc.success))
				h.Success(t0.Add(tc.success))
			}
			if tc.failure {
				h.Attempt(t0.Add(tc.at - time.Minute))
				h.Failure(t0.Add(tc.at-time.Minute), errors.New("ice.gov: 503"))
			}
			c.t = t0.Add(tc.at)
			rec := recorder(t, srv, "/healthz")
			if rec.Code != tc.status {
				t.Fatalf("got status %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			var st HealthStatus
			if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if st.Status != tc.state {
				t.Errorf("got status %q, want %q", st.Status, tc.state)
			}
			if tc.failure && st.LastError != "ice.gov: 503" {
				t.Errorf("got last_error %q, want ice.gov: 503", st.LastError)
			}
			if tc.success != 0 && (st.LastSuccess == nil || !st.LastSuccess.Equal(t0.Add(tc.success))) {
				t.Errorf("got last_success %v, want %v", st.LastSuccess, t0.Add(tc.success))
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	fx := newFixture(t)
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatalf("new metrics: %v", err)
	}
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Registry: reg, Now: func() time.Time { return fx.at }})
	m.ObserveFetch(1500*time.Millisecond, "ok")
	m.ObserveFetch(3*time.Second, "error")
	m.ObserveFetch(time.Second, "ok")
	if _, err := fx.st.EnqueueAlert(context.Background(), "email:ops@example.org",
		store.Alert{Kind: store.AlertStale, Subject: "s", Body: "b"}, fx.at); err != nil {
		t.Fatalf("enqueue alert: %v", err)
	}

	rec := recorder(t, srv, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("parse metrics: %v\n%s", err, rec.Body)
	}
	value := func(name, label, want string) float64 {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Fatalf("no metric %s in\n%s", name, rec.Body)
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == want {
					switch {
					case m.GetGauge() != nil:
						return m.GetGauge().GetValue()
					case m.GetCounter() != nil:
						return m.GetCounter().GetValue()
					}
				}
			}
			if label == "" {
				if m.GetHistogram() != nil {
					return float64(m.GetHistogram().GetSampleCount())
				}
				return m.GetGauge().GetValue()
			}
		}
		t.Fatalf("no %s{%s=%q}", name, label, want)
		return 0
	}
	checks := []struct {
		name, label, value string
		want               float64
	}{
		{"watch287g_agreements", "list", string(sheet.Participating), 4},
		{"watch287g_agreements", "list", string(sheet.Pending), 1},
		{"watch287g_deliveries", "state", store.DeliveryPending, 1},
		{"watch287g_deliveries", "state", store.DeliverySent, 0},
		{"watch287g_fetches_total", "outcome", "ok", 2},
		{"watch287g_fetches_total", "outcome", "error", 1},
		{"watch287g_fetch_duration_seconds", "", "", 3},
		{"watch287g_last_success_timestamp_seconds", "", "", float64(fx.at.Unix())},
		{"watch287g_store_up", "", "", 1},
	}
	for _, c := range checks {
		if got := value(c.name, c.label, c.value); got != c.want {
			t.Errorf("%s{%s=%q}: got %v, want %v", c.name, c.label, c.value, got, c.want)
		}
	}
}

// TestHealthzAfterRestart: a server started on a store that fetched
// successfully before, then failed more than 50 times, still reports the
// success the store recorded (not "starting" with last_success null), and
// the store's last error.
func TestHealthzAfterRestart(t *testing.T) {
	fx := newFixture(t)
	success := fx.at
	ctx := context.Background()
	var at time.Time
	for i := range 60 {
		at = success.Add(time.Duration(i+1) * time.Minute)
		err := fx.st.RecordChecks(ctx, []store.Check{{At: at, URL: "https://www.ice.gov/identify-and-arrest/287g",
			Status: 503, Outcome: store.CheckError, Error: "ice.gov answered 503"}}, nil)
		if err != nil {
			t.Fatalf("record check: %v", err)
		}
	}
	restart := at.Add(time.Minute)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, StaleAfter: 26 * time.Hour, Now: func() time.Time { return restart },
		Health: NewHealth(restart)})
	rec := recorder(t, srv, "/healthz")
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200 (%s)", rec.Code, rec.Body)
	}
	var st HealthStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if st.Status != "ok" {
		t.Errorf("got status %q, want ok", st.Status)
	}
	if st.LastSuccess == nil || !st.LastSuccess.Equal(success) {
		t.Errorf("got last_success %v, want %v", st.LastSuccess, success)
	}
	if st.LastError != "ice.gov answered 503" || st.LastErrorAt == nil || !st.LastErrorAt.Equal(at) {
		t.Errorf("got last_error %q at %v, want the store's %q at %v", st.LastError, st.LastErrorAt, "ice.gov answered 503", at)
	}
}
