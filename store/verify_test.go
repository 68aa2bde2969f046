package store

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/sheet"
)

// TestBadRecordsAreReportedAndSkipped: a record that no longer decodes is
// listed by Verify (bucket, key, error), and costs readers that record
// only: Changes, Agreement and Snapshots still answer with the rest.
func TestBadRecordsAreReportedAndSkipped(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 10))}})
	all := Recipient{ID: "email:all@example.org"}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, 14))}, Recipients: []Recipient{all}})
	changes, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil || len(changes) != 4 {
		t.Fatalf("changes: got %d (%v), want 4", len(changes), err)
	}
	victim := changes[1]
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Damage one change (a flipped bit in its compressed or plain JSON),
	// one snapshot and one delivery.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		flip := func(bucket []byte, key []byte) error {
			b := tx.Bucket(bucket)
			v := bytes.Clone(b.Get(key))
			if v[0] == compressed {
				v = v[:len(v)/2] // a flip may still inflate; a cut never does
			} else {
				v[0] ^= 0x40 // '{' becomes ';'
			}
			return b.Put(key, v)
		}
		if err := flip(bucketChanges, be64(victim.ID)); err != nil {
			return err
		}
		if err := flip(bucketSnapshots, be64(1)); err != nil {
			return err
		}
		return flip(bucketOutbox, be64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	rep, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range rep.Records {
		got[r.Bucket+" "+r.Key] = true
		if r.Error == "" {
			t.Errorf("bad record %s %s: no error given", r.Bucket, r.Key)
		}
	}
	for _, want := range []string{"changes " + itoa(victim.ID), "snapshots 1", "outbox 2"} {
		if !got[want] {
			t.Errorf("verify: got %v, want %q reported", rep.Records, want)
		}
	}
	if rep.OK() || len(rep.Files) != 0 {
		t.Errorf("verify: got OK %v and %d file mismatches, want not OK and none", rep.OK(), len(rep.Files))
	}
	if rep.Checked["changes"] != 4 || rep.Checked["snapshots"] != 2 {
		t.Errorf("checked: got %v, want 4 changes and 2 snapshots", rep.Checked)
	}

	if ch, _, err := s.Changes(ctx, ChangeQuery{}); err != nil || len(ch) != 3 {
		t.Errorf("changes: got %d (%v), want the 3 that read", len(ch), err)
	}
	if _, hist, err := s.Agreement(ctx, victim.AgreementID); err != nil || len(hist) != 0 {
		t.Errorf("agreement %s: got %d changes (%v), want its history without the bad one", victim.AgreementID, len(hist), err)
	}
	if snaps, err := s.Snapshots(ctx); err != nil || len(snaps) != 1 || snaps[0].ID != 2 {
		t.Errorf("snapshots: got %d (%v), want snapshot 2 alone", len(snaps), err)
	}
	if ds, err := s.Deliveries(ctx, ""); err != nil || len(ds) != 3 {
		t.Errorf("deliveries: got %d (%v), want the 3 that read", len(ds), err)
	}
	if ds, err := s.Due(ctx, t0.Add(time.Hour), 0); err != nil || len(ds) != 3 {
		t.Errorf("due: got %d (%v), want the 3 that read", len(ds), err)
	}
}

func itoa(n uint64) string { return string(seqKey(be64(n))) }
