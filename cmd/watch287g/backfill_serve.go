package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/wayback"
)

// backfillRetry is how long an automatic backfill waits after a failure
// (no network, the archive down) before it tries again.
const backfillRetry = time.Hour

// backfillStatus is what an automatic backfill has done, for the overview
// ("loading history: N of M files") and /healthz. Safe for concurrent use.
type backfillStatus struct {
	mu       sync.Mutex
	done     int
	total    int
	running  bool
	attempts int
	lastErr  string
	finished chan struct{}
	// first is closed when the first attempt has ended, whatever its
	// outcome: serve holds its first live fetch until then, so a new
	// install's history goes in published order, older lists first.
	first chan struct{}
}

// FirstAttempt is closed when the first attempt has ended (or ctx ended).
func (s *backfillStatus) FirstAttempt() <-chan struct{} { return s.first }

// Progress returns how many of the archive's distinct files are handled,
// of how many, and whether the backfill is still going.
func (s *backfillStatus) Progress() (done, total int, running bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done, s.total, s.running
}

// Finished is closed when the backfill has completed (or ctx ended).
func (s *backfillStatus) Finished() <-chan struct{} { return s.finished }

// startAutoBackfill backfills an empty store in the background when the
// configuration says backfill: auto, and returns its status (nil when it
// does not run: backfill off, or the store already holds snapshots).
// Failures are logged in one line each and retried every retry, so a
// new install without a network keeps serving and fills itself later.
// It is meant for serve: w's store stays open for serve's own work. tune,
// when set, adjusts the options (tests: no delay, no retries).
func (a *app) startAutoBackfill(ctx context.Context, w *writer, retry time.Duration, tune func(*backfillOpts)) (*backfillStatus, error) {
	if w.cfg.Backfill == config.BackfillOff {
		return nil, nil
	}
	snaps, err := w.st.Snapshots(ctx)
	if err != nil || len(snaps) > 0 {
		return nil, err
	}
	s := &backfillStatus{running: true, finished: make(chan struct{}), first: make(chan struct{})}
	quiet := *a
	quiet.stdout, quiet.stderr = io.Discard, io.Discard
	o := backfillOpts{url: w.cfg.WaybackURL, delay: wayback.DefaultDelay, quiet: true,
		progress: func(done, total int) {
			s.mu.Lock()
			s.done, s.total = done, total
			s.mu.Unlock()
		}}
	if tune != nil {
		tune(&o)
	}
	go func() {
		defer close(s.finished)
		var firstOnce sync.Once
		endFirst := func() { firstOnce.Do(func() { close(s.first) }) }
		defer endFirst()
		defer func() {
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
		}()
		for {
			err := quiet.backfill(ctx, w, o)
			s.mu.Lock()
			s.attempts++
			s.lastErr = ""
			if err != nil {
				s.lastErr = err.Error()
			}
			s.mu.Unlock()
			endFirst()
			if err == nil || errors.Is(err, errQuarantined) {
				a.log.Info("history loaded from the Wayback Machine", slog.Int("files", s.total))
				return
			}
			if ctx.Err() != nil {
				return
			}
			a.log.Warn("backfill from the Wayback Machine failed; serving without history, trying again later",
				slog.String("err", err.Error()), slog.Duration("retry_in", retry))
			t := time.NewTimer(retry)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
	return s, nil
}
