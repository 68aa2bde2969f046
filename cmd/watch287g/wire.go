package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/tracker"
)

// loadConfig reads --config (optional) with WATCH287G_* overrides.
func (a *app) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(a.configPath, os.Getenv)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// writer is what the commands that change the store need: the
// configuration, the store opened for writing and the notifier over its
// outbox.
type writer struct {
	cfg *config.Config
	st  *store.Store
	n   *notify.Notifier
}

// openWriter loads the configuration, opens the store for writing and
// builds the notifier. The caller closes the store.
func (a *app) openWriter(how access) (*writer, error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	st, err := a.openStore(how)
	if err != nil {
		return nil, err
	}
	n, err := a.notifier(cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &writer{cfg: cfg, st: st, n: n}, nil
}

// notifier builds the notifier over the store's outbox.
func (a *app) notifier(cfg *config.Config, st *store.Store) (*notify.Notifier, error) {
	opt := cfg.NotifyOptions()
	opt.Logger = a.log
	n, err := notify.New(st, opt)
	if err != nil {
		return nil, fmt.Errorf("notifier: %w", err)
	}
	return n, nil
}

// newTracker wires the fetch cycle.
func (a *app) newTracker(cfg *config.Config, st *store.Store, n *notify.Notifier, obs tracker.Observer) *tracker.Tracker {
	sopt := cfg.ScraperOptions()
	sopt.Logger = a.log // the scraper names its own component
	return &tracker.Tracker{
		Fetcher:   scraper.New(sopt),
		Store:     st,
		Notifier:  n,
		Observer:  obs,
		Guard:     cfg.Guard,
		Lifecycle: cfg.Lifecycle.Rule(),
		Operators: n.Operators(),
		PageURL:   cfg.PageURL,
		Log:       a.log.With(slog.String("component", "tracker")),
		Now:       a.now,
	}
}

// isQuarantinable reports whether a read error still leaves a workbook worth
// archiving (and quarantining) rather than a file to refuse.
func isQuarantinable(err error) bool {
	return errors.Is(err, sheet.ErrNoHeader)
}
