package main

import (
	"context"
	"fmt"

	"github.com/watch287g/watch287g/store"
)

// snapshotFiles is what diff of two snapshot ids reads: the store, or a
// running serve through --server.
type snapshotFiles interface {
	Snapshot(ctx context.Context, id uint64) (store.Snapshot, error)
	SnapshotFile(ctx context.Context, snap store.Snapshot) ([]byte, error)
	Close() error
}

// localFiles adapts *store.Store to snapshotFiles.
type localFiles struct{ *store.Store }

func (l localFiles) SnapshotFile(ctx context.Context, snap store.Snapshot) ([]byte, error) {
	b, err := l.File(ctx, snap.SHA256)
	if err != nil {
		return nil, fmt.Errorf("snapshot %d: %w", snap.ID, err)
	}
	return b, nil
}

// loadDiffSnapshots reads two archived snapshots' original bytes, from
// the store (opened read-only) or through --server, and parses them as
// files.
func (a *app) loadDiffSnapshots(ctx context.Context, oldID, newID uint64) (*diffSide, *diffSide, error) {
	var src snapshotFiles
	if a.server != "" {
		src = newRemote(a.server)
	} else {
		st, err := a.openStore(cmdReadServable)
		if err != nil {
			return nil, nil, err
		}
		src = localFiles{st}
	}
	defer src.Close()
	var sides [2]*diffSide
	for i, id := range []uint64{oldID, newID} {
		snap, err := src.Snapshot(ctx, id)
		if err != nil {
			return nil, nil, err // the store (or server) names the snapshot
		}
		b, err := src.SnapshotFile(ctx, snap)
		if err != nil {
			return nil, nil, err
		}
		side, err := parseDiffSide(fmt.Sprintf("snapshot %d (%s)", id, snap.FileName), b, "", id)
		if err != nil {
			return nil, nil, err
		}
		sides[i] = side
	}
	return sides[0], sides[1], nil
}
