package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/watch287g/watch287g/moafetch"
	"github.com/watch287g/watch287g/tracker"
	"github.com/watch287g/watch287g/wayback"
	"github.com/watch287g/watch287g/web"
)

// runServe is the main job: the fetch schedule, the outbox sender and the
// HTTP server in one process.
// warmWait bounds how long serve waits for the overview's first render
// before it accepts connections.
const warmWait = 2 * time.Second

func runServe(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("serve", "")
	listen := fs.String("listen", "", "`address` to serve HTTP on (default from config: 127.0.0.1:8287)")
	pageURL := fs.String("page-url", "", "the `URL` of ICE's 287(g) page (default from config)")
	noFetch := fs.Bool("no-fetch", false, "serve and deliver only; never fetch (for a read-only mirror or benchmarks)")
	fetchAtStart := fs.Bool("fetch-at-start", true, "run one fetch cycle as soon as serve starts")
	backfillDelay := fs.Duration("backfill-delay", wayback.DefaultDelay, "pause between two requests of the automatic backfill from the Wayback Machine (backfill: auto, on an empty store)")
	docsEvery := fs.Duration("documents-every", moafetch.DefaultEvery, "run a round of MOA document fetches at least this often, and within a minute of a list bringing new links (0: never)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	w, err := a.openWriter(cmdServe)
	if err != nil {
		return err
	}
	defer w.st.Close()
	cfg, st, n := w.cfg, w.st, w.n
	if *listen != "" {
		// An unset public_url follows the flag as it follows the key;
		// the notifier was built with the old one, so build it again.
		cfg.SetListen(*listen)
		if cfg.PublicURLDerived() {
			if n, err = a.notifier(cfg, st); err != nil {
				return err
			}
		}
	}
	if *pageURL != "" {
		cfg.PageURL = *pageURL
	}
	for _, warning := range cfg.Warnings() {
		a.log.Warn("config", slog.String("warning", warning))
	}
	// A bad schedule is an error at start, never a panic later.
	if _, err := tracker.ParseSchedule(cfg.Schedule); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	metrics, err := web.NewMetrics(reg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	health := web.NewHealth(a.now())
	// The backfill starts after the server does; the overview reads its
	// progress through this pointer.
	var history atomic.Pointer[backfillStatus]
	srv := web.New(web.Options{
		History: func() (int, int, bool) {
			if bf := history.Load(); bf != nil {
				return bf.Progress()
			}
			return 0, 0, false
		},
		Store:      st,
		PublicURL:  cfg.PublicURL,
		StaleAfter: time.Duration(cfg.StaleAfter),
		Logger:     a.log,
		Now:        a.now,
		Health:     health,
		Registry:   reg,
	})
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// The overview is rendered before the first connection is accepted
	// (they wait in the listen queue meanwhile), so the first visitor
	// after a restart is answered from memory (issue 12): its first render
	// also reads the atlas, tens of milliseconds. A render that takes
	// longer than warmWait goes on in the background.
	warmCtx, warmDone := context.WithTimeout(ctx, warmWait)
	srv.Warm(warmCtx, "/")
	warmDone()
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    web.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("serving", slog.String("listen", ln.Addr().String()), slog.String("db", a.db), slog.String("schedule", cfg.Schedule), slog.Bool("fetch", !*noFetch))
	fmt.Fprintf(a.stdout, "watch287g serving on http://%s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpSrv.Serve(ln) }()

	sched := &tracker.Scheduler{
		Tracker:      a.newTracker(cfg, st, n, cycleObserver{metrics, health}),
		Spec:         cfg.Schedule,
		NoFetch:      *noFetch,
		FetchAtStart: *fetchAtStart,
		Stale:        n,
		Log:          a.log.With(slog.String("component", "scheduler")),
	}
	schedCtx, stopSched := context.WithCancel(ctx)
	defer stopSched()
	// A new install fills itself from the Wayback Machine (backfill: auto)
	// while it serves. --no-fetch never fetches, so it never backfills
	// either. The first live fetch waits for the backfill's first attempt,
	// so the archived lists go in before today's, in published order.
	var bf *backfillStatus
	if !*noFetch {
		tune := func(o *backfillOpts) { o.delay = *backfillDelay }
		if bf, err = a.startAutoBackfill(schedCtx, w, backfillRetry, tune); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
		history.Store(bf)
	}
	schedDone := make(chan error, 1)
	go func() {
		if bf != nil {
			select {
			case <-bf.FirstAttempt():
			case <-schedCtx.Done():
			}
		}
		schedDone <- sched.Run(schedCtx)
	}()
	docsDone := a.startDocumentRounds(schedCtx, cfg, st, n, *docsEvery, *noFetch)

	var runErr error
	schedRunning := true
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		runErr = fmt.Errorf("http: %w", err)
	case err := <-schedDone:
		runErr, schedRunning = err, false
	}
	// Stop taking requests, then let the scheduler finish a running cycle
	// (it cancels the cycle itself after its shutdown deadline).
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracker.DefaultShutdownTimeout)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Warn("http shutdown", slog.Any("error", err))
	}
	stopSched()
	<-docsDone
	if bf != nil {
		<-bf.Finished()
	}
	if schedRunning {
		if err := <-schedDone; err != nil && runErr == nil {
			runErr = err
		}
	}
	a.log.Info("stopped")
	return runErr
}

// cycleObserver feeds each cycle into /metrics and /healthz.
type cycleObserver struct {
	metrics *web.Metrics
	health  *web.Health
}

func (o cycleObserver) CycleDone(at time.Time, d time.Duration, outcome string, err error) {
	o.metrics.ObserveFetch(d, outcome)
	o.health.Attempt(at)
	if err != nil {
		o.health.Failure(at, err)
		return
	}
	o.health.Success(at)
}
