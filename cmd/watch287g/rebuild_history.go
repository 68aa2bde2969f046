package main

import (
	"context"
	"fmt"
	"time"

	"github.com/watch287g/watch287g/config"
	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// lastChangeID is the newest change id before an import or a backfill (0
// for none), so the summary can count what it added once the history is
// rebuilt.
func lastChangeID(ctx context.Context, st *store.Store) uint64 {
	chs, _, err := st.Changes(ctx, store.ChangeQuery{Limit: 1})
	if err != nil || len(chs) == 0 {
		return 0
	}
	return chs[0].ID
}

// rebuildHistory puts the history in published order once the last batch
// of an import or a backfill is in, when a file older than the store's
// latest came (store.Cycle.HoldRebuild): one replay, not one per batch.
// Nothing it records is announced. A cancelled rebuild leaves the history
// as it was and stays pending for the next run or commit. After a rebuild
// the summary's change counts are those of the changes the history gained
// (ids above since): the per-file comparisons of the older files were
// against the newer lists and are replaced.
func rebuildHistory(ctx context.Context, st *store.Store, cfg *config.Config, now time.Time, sum *importSummary, since uint64) error {
	pending, err := st.RebuildPending(ctx)
	if err != nil || !pending {
		return err
	}
	if _, err := st.Rebuild(ctx, store.RebuildOptions{Guard: cfg.Guard, Lifecycle: cfg.Lifecycle.Rule(), At: now.UTC()}); err != nil {
		return fmt.Errorf("put the history in published order (run the command again to finish): %w", err)
	}
	sum.added, sum.removed, sum.changed, sum.ended, sum.restored = 0, 0, 0, 0, 0
	for cursor := uint64(0); ; {
		chs, next, err := st.Changes(ctx, store.ChangeQuery{Cursor: cursor, Limit: 500})
		if err != nil {
			return err
		}
		for _, c := range chs {
			if c.ID <= since {
				return nil
			}
			switch c.Kind {
			case diff.Added:
				sum.added++
			case diff.Removed:
				sum.removed++
			case diff.Changed:
				sum.changed++
			case diff.Ended:
				sum.ended++
			case diff.Restored:
				sum.restored++
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}
