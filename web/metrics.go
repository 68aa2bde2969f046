package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Metrics is what the fetch loop reports to Prometheus.
type Metrics struct {
	duration prometheus.Histogram
	outcomes *prometheus.CounterVec
}

// NewMetrics registers the fetch metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "watch287g_fetch_duration_seconds",
			Help:    "Duration of fetch cycles.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300},
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "watch287g_fetches_total",
			Help: "Fetch cycles by outcome.",
		}, []string{"outcome"}),
	}
	for _, c := range []prometheus.Collector{m.duration, m.outcomes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// ObserveFetch records one fetch cycle that took d and ended with outcome
// (for example "ok", "error", "quarantined").
func (m *Metrics) ObserveFetch(d time.Duration, outcome string) {
	m.duration.Observe(d.Seconds())
	m.outcomes.WithLabelValues(outcome).Inc()
}

// storeCollector reads the store at scrape time, so the figures are never
// out of date and nothing has to remember to update them.
type storeCollector struct {
	s           *Server
	agreements  *prometheus.Desc
	deliveries  *prometheus.Desc
	lastSuccess *prometheus.Desc
	up          *prometheus.Desc
}

func (s *Server) newStoreCollector() *storeCollector {
	return &storeCollector{
		s: s,
		agreements: prometheus.NewDesc("watch287g_agreements", "Agreements in the latest accepted snapshot of each list.",
			[]string{"list"}, nil),
		deliveries: prometheus.NewDesc("watch287g_deliveries", "Outbox deliveries by state.",
			[]string{"state"}, nil),
		lastSuccess: prometheus.NewDesc("watch287g_last_success_timestamp_seconds",
			"Unix time of the last successful fetch (0: never).", nil, nil),
		up: prometheus.NewDesc("watch287g_store_up", "1 when the store could be read at scrape time.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.agreements
	ch <- c.deliveries
	ch <- c.lastSuccess
	ch <- c.up
}

// Collect implements prometheus.Collector.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up := 1.0
	for _, l := range []sheet.List{sheet.Participating, sheet.Pending} {
		snap, err := c.s.store.Latest(ctx, l)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			c.s.log.Error("metrics: latest snapshot", slog.String("list", string(l)), slog.Any("error", err))
			up = 0
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.agreements, prometheus.GaugeValue, float64(snap.Agreements), string(l))
	}
	counts := map[string]int{store.DeliveryPending: 0, store.DeliverySent: 0, store.DeliveryDead: 0}
	ds, err := c.s.store.Deliveries(ctx, "")
	if err != nil {
		c.s.log.Error("metrics: deliveries", slog.Any("error", err))
		up = 0
	}
	for _, d := range ds {
		counts[d.State]++
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.deliveries, prometheus.GaugeValue, float64(n), state)
	}
	var last float64
	if t := c.s.lastSuccessCtx(ctx); !t.IsZero() {
		last = float64(t.UnixNano()) / 1e9
	}
	ch <- prometheus.MustNewConstMetric(c.lastSuccess, prometheus.GaugeValue, last)
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}

func (s *Server) registerMetrics() {
	if err := s.registry.Register(s.newStoreCollector()); err != nil {
		s.log.Error("register store metrics", slog.Any("error", err))
	}
}

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{ErrorLog: slogPrinter{s.log}})
}

// slogPrinter adapts promhttp's error log to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.log.Error("metrics", slog.Any("error", v))
}
