package main

import (
	"context"
	"errors"
	"os"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// source is what the read commands need. The store answers it locally; with
// --server, a running `watch287g serve` answers it over its HTTP API, so the
// commands work while serve holds the database.
type source interface {
	Snapshots(ctx context.Context) ([]store.Snapshot, error)
	Changes(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error)
	// AgreementsAt answers `agreements --at`: at is "" (now), a date
	// (YYYY-MM-DD) or a snapshot id.
	AgreementsAt(ctx context.Context, list sheet.List, at string) (store.Snapshot, []diff.Agreement, error)
	FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error)
	Agreement(ctx context.Context, id string) (store.AgreementInfo, []diff.Change, error)
	Close() error
}

// serverFlag registers --server on a read command.
func serverFlag(fs interface {
	StringVar(p *string, name, value, usage string)
}, a *app) {
	fs.StringVar(&a.server, "server", os.Getenv("WATCH287G_SERVER"), "ask a running watch287g serve at this `URL` instead of opening the database")
}

// openSource returns the server's API when --server is set, else the store.
func (a *app) openSource() (source, error) {
	if a.server != "" {
		return newRemote(a.server), nil
	}
	st, err := a.openStore(cmdReadServable)
	if err != nil {
		return nil, err
	}
	return localSource{st}, nil
}

// localSource adapts *store.Store to source.
type localSource struct{ *store.Store }

func (l localSource) AgreementsAt(ctx context.Context, list sheet.List, at string) (store.Snapshot, []diff.Agreement, error) {
	return l.Store.AgreementsAsOf(ctx, list, at)
}

// notFound reports whether err means "no such thing", locally or remotely.
func notFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
