package main

import (
	"context"
	"fmt"
)

// loadDiffSnapshots reads two archived snapshots' original bytes from the
// store (opened read-only) and parses them as files.
func (a *app) loadDiffSnapshots(ctx context.Context, oldID, newID uint64) (*diffSide, *diffSide, error) {
	st, err := a.openStore(cmdReadLocal)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	var sides [2]*diffSide
	for i, id := range []uint64{oldID, newID} {
		snap, err := st.Snapshot(ctx, id)
		if err != nil {
			return nil, nil, err // the store names the snapshot
		}
		b, err := st.File(ctx, snap.SHA256)
		if err != nil {
			return nil, nil, fmt.Errorf("snapshot %d: %w", id, err)
		}
		side, err := parseDiffSide(fmt.Sprintf("snapshot %d (%s)", id, snap.FileName), b, "", id)
		if err != nil {
			return nil, nil, err
		}
		sides[i] = side
	}
	return sides[0], sides[1], nil
}
