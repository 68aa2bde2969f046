package moafetch

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// DefaultEvery is how often serve runs a round: new links are fetched
// within this long of the list that introduced them, and each round
// revalidates only what its weekly rest has made due.
const DefaultEvery = time.Hour

// Run runs a round every `every` (the first after one interval, so a
// starting serve fetches its lists first) until ctx is done, then returns
// nil. A failed or blocked round is logged and the next one tried: the
// documents must never stop serve or the list's fetching. The outbox
// (changes, alerts) is delivered by serve's scheduler, once a minute.
func (f *Fetcher) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
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
	}
}
