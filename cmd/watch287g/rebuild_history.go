package main

import (
	"context"
	"fmt"
	"time"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/store"
)

// rebuildHistory puts the history in published order once the last batch
// of an import or a backfill is in, when a file older than the store's
// latest came (store.Cycle.HoldRebuild): one replay, not one per batch.
// Nothing it records is announced. A cancelled rebuild leaves the history
// as it was and stays pending for the next run or commit.
func rebuildHistory(ctx context.Context, st *store.Store, cfg *config.Config, now time.Time) error {
	pending, err := st.RebuildPending(ctx)
	if err != nil || !pending {
		return err
	}
	if _, err := st.Rebuild(ctx, store.RebuildOptions{Guard: cfg.Guard, Lifecycle: cfg.Lifecycle.Rule(), At: now.UTC()}); err != nil {
		return fmt.Errorf("put the history in published order (run the command again to finish): %w", err)
	}
	return nil
}
