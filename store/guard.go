package store

import (
	"fmt"

	"github.com/watch287g/watch287g/diff"
)

// The guard's decision is diff's (diff.Guard.Check); here the store
// applies it: a held-back snapshot is marked quarantined with the verdict
// kept, and the operator is told in the same transaction.

// quarantine marks snap as held back by verdict v.
func quarantine(snap *Snapshot, v diff.Verdict, prevSnapshot uint64) {
	snap.Status = Quarantined
	snap.Guard = &v
	snap.Reason = v.String()
	if v.Reason == diff.GuardDrops {
		snap.Reason += fmt.Sprintf("; previous snapshot %d", prevSnapshot)
	}
}

// quarantineAlert is the operator alert for a quarantined snapshot: the
// facts, not the words (notify writes those).
func quarantineAlert(snap *Snapshot, prevSnapshot uint64) *Alert {
	a := &Alert{
		Kind: AlertQuarantine, SnapshotID: snap.ID, List: snap.List, FileName: snap.FileName,
		SourceURL: snap.SourceURL, Published: snap.Published, SHA256: snap.SHA256,
		Records: snap.Records, Agreements: snap.Agreements, Detail: snap.Reason,
		Acceptable: snap.Readable(), Reason: ReasonUnreadable,
	}
	if v := snap.Guard; v != nil {
		a.Reason = string(v.Reason)
		a.Dropped, a.Previous, a.PreviousSnapshot = v.Dropped, v.Previous, prevSnapshot
	}
	return a
}
