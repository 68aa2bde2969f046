package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// lifecycleChanges renders a store's changes for comparison, oldest first.
func lifecycleChanges(t *testing.T, s *Store) []string {
	t.Helper()
	all, _, err := s.Changes(context.Background(), ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(all) - 1; i >= 0; i-- {
		c := all[i]
		out = append(out, fmt.Sprintf("%s %s %s after %s before %s since %s lists %d days %d",
			c.Kind, c.AgreementID, c.Record().Agency, c.AfterPublished, c.BeforePublished, c.AbsentSince, c.AbsentLists, c.AbsentDays))
	}
	return out
}

// storedAbsences reads a list's absences as kept on disk: the missing
// ones' value and the ended ones' bucket.
func storedAbsences(t *testing.T, s *Store, list sheet.List) (missing, ended []absence) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAbsences)
		var err error
		if missing, err = readAbsences(b, list); err != nil {
			return err
		}
		eb := b.Bucket(endedBucket(list))
		if eb == nil {
			return nil
		}
		return eb.ForEach(func(k, v []byte) error {
			var a absence
			if err := decodeJSON(v, &a); err != nil {
				return err
			}
			ended = append(ended, a)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return missing, ended
}

// TestAbsencesAfterAFailedCommit: a batch that fails after its lists moved
// the absences leaves none of it behind, in the store or in the absences
// the Store keeps between commits: the same lists committed again give
// the changes of a store that never saw the failure.
func TestAbsencesAfterAFailedCommit(t *testing.T) {
	ref := openTemp(t)
	commitLifecycle(t, ref, len(lifecycleLists), Cycle{})

	s := openTemp(t)
	commitLifecycle(t, s, 4, Cycle{})
	// The second cycle's check cannot be encoded (a year past 9999): the
	// batch fails after both lists were admitted (East ended, then back).
	_, err := s.CommitBatch(context.Background(), []Cycle{
		{At: t0, Inputs: []Input{lifecycleInput(t, 4)}},
		{At: t0, Inputs: []Input{lifecycleInput(t, 5)}, Checks: []Check{{At: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), URL: "https://www.ice.gov/x"}}},
	})
	if err == nil {
		t.Fatal("the batch with an unwritable check committed")
	}
	for i := 4; i < len(lifecycleLists); i++ {
		commit(t, s, Cycle{Inputs: []Input{lifecycleInput(t, i)}})
	}
	if got, want := lifecycleChanges(t, s), lifecycleChanges(t, ref); !slices.Equal(got, want) {
		t.Errorf("after a failed batch:\n%q\nwant\n%q", got, want)
	}
}

// TestAbsencesOlderValue: absences an older watch287g kept (one value per
// list, ended ones included, no sequence numbers) are read as before: an
// ended agreement that comes back is restored under its old id. The
// first commit moves the ended ones to their bucket, in their order.
func TestAbsencesOlderValue(t *testing.T) {
	s := openTemp(t)
	// Lists 0-4 with one more agreement that leaves at list 1 and stays
	// away: East Donegal and it end at list 4.
	lists := func(i int) Input {
		l := lifecycleLists[i]
		recs := span(0, 20+i)
		if i > 0 {
			recs = slices.Delete(recs, 3, 4)
		}
		return input(t, sheet.Participating, l.published, append(recs, l.recs...))
	}
	for i := range 5 {
		commit(t, s, Cycle{Inputs: []Input{lists(i)}})
	}
	east := agreementByName(t, s, lcEast.Agency)
	missing, ended := storedAbsences(t, s, sheet.Participating)
	if len(missing) != 0 || len(ended) != 2 {
		t.Fatalf("after list 4: %d missing, %d ended absences; want 0 and 2", len(missing), len(ended))
	}
	// Rewrite them as an older watch287g kept them, and forget the
	// Store's own copy (a new process).
	err := s.update("older absences", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAbsences)
		if err := b.DeleteBucket(endedBucket(sheet.Participating)); err != nil {
			return err
		}
		old := slices.Clone(ended)
		for i := range old {
			old[i].Seq = 0
		}
		return putJSON(b, []byte(sheet.Participating), old)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.currents = nil

	commit(t, s, Cycle{Inputs: []Input{lists(5)}})
	_, changes, err := s.Agreement(context.Background(), east.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := changes[len(changes)-1]; last.Kind != diff.Restored || last.AbsentSince != "2025-06-02" {
		t.Errorf("East Donegal: got %s since %s, want restored since 2025-06-02", last.Kind, last.AbsentSince)
	}
	missing, left := storedAbsences(t, s, sheet.Participating)
	if len(missing) != 0 || len(left) != 1 || left[0].ID == east.ID || left[0].Seq == 0 || left[0].Status != diff.StatusEnded {
		t.Errorf("after the return: missing %+v, ended %+v; want only the other agreement, ended, with a sequence number", missing, left)
	}
}
