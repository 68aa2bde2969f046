package moafetch

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// DefaultEvery is how often serve runs a round in any case: each round
// revalidates only what its weekly rest has made due.
const DefaultEvery = time.Hour

// DefaultPoll is how often Run asks the store whether a list brought new
// data, to fetch the links it introduced soon after it.
const DefaultPoll = time.Minute

// versioner is the store's data version (store.DataVersion): it moves
// when a commit changes what readers see, such as a new list.
type versioner interface {
	DataVersion(ctx context.Context) (uint64, error)
}

// Run runs a round every `every`, and sooner (within Options.Poll) after
// the store's data changed, such as a list fetch that introduced new
// links, until ctx is done; then it returns nil. The first round waits for
// one of those, so a starting serve fetches its lists first. A failed or
// blocked round is logged and the next one tried: the documents must
// never stop serve or the list's fetching. The outbox (changes, alerts)
// is delivered by serve's scheduler, once a minute.
func (f *Fetcher) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	vs, _ := f.st.(versioner)
	var poll <-chan time.Time
	var seen uint64
	if vs != nil {
		p := time.NewTicker(f.opt.Poll)
		defer p.Stop()
		poll = p.C
		seen, _ = vs.DataVersion(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-poll:
			v, err := vs.DataVersion(ctx)
			if err != nil || v == seen {
				continue
			}
		}
		sum, err := f.Round(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrBlocked):
			f.log.Warn("document round blocked", slog.Int("status", sum.BlockedStatus), slog.String("url", sum.BlockedURL))
		case err != nil:
			f.log.Error("document round failed", slog.Any("error", err))
		}
		if vs != nil {
			// The round's own writes moved the version: only a later
			// change starts the next round early.
			seen, _ = vs.DataVersion(ctx)
		}
	}
}
