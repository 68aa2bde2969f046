package main

import (
	"encoding/binary"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// corruptChange flips one byte of change id's stored record, as a bad
// disk sector would, behind the store's back.
func corruptChange(t *testing.T, db string, id uint64) {
	t.Helper()
	bdb, err := bolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	key := binary.BigEndian.AppendUint64(nil, id)
	err = bdb.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("changes"))
		v := b.Get(key)
		if v == nil {
			t.Fatalf("no change %d to corrupt", id)
		}
		bad := append([]byte(nil), v...)
		bad[len(bad)/2] ^= 0xff
		bad[len(bad)-1] ^= 0xff
		return b.Put(key, bad)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadRecord flips bytes in one stored change: verify finds it and
// exits non-zero; changes and export still give every other change and
// name the bad one on stderr.
func TestBadRecord(t *testing.T) {
	fx := newFixture(t)
	all := fx.changes(t)
	corruptChange(t, fx.db, 2)

	r := fx.run(t, "verify")
	if r.err == nil {
		t.Errorf("verify with a corrupt change: got success, want an error\n%s", r.stdout)
	} else if !strings.Contains(r.stdout, "BAD RECORD changes 2") || !strings.Contains(r.err.Error(), "1 record") {
		t.Errorf("verify: got %q and %v, want a BAD RECORD line for changes 2 and an error counting it", r.stdout, r.err)
	}

	r = fx.run(t, "changes", "--format", "json")
	if r.err != nil {
		t.Fatalf("changes with one corrupt record: %v, want the others", r.err)
	}
	var doc struct{ Changes []struct{ ID uint64 } }
	decodeJSON(t, r.stdout, &doc)
	if len(doc.Changes) != len(all)-1 {
		t.Errorf("changes: got %d, want %d (all but the corrupt one)", len(doc.Changes), len(all)-1)
	}
	if !namesRecord(r.stderr) {
		t.Errorf("changes stderr: got %q, want it to name change 2", r.stderr)
	}

	out := t.TempDir() + "/export"
	r = fx.run(t, "export", "--out", out)
	if r.err != nil {
		t.Fatalf("export with one corrupt record: %v, want the rest exported", r.err)
	}
	if !namesRecord(r.stderr) {
		t.Errorf("export stderr: got %q, want it to name change 2", r.stderr)
	}
}

// namesRecord reports whether a command's stderr (the store's log) names
// the corrupt record: bucket changes, key 2.
func namesRecord(stderr string) bool {
	return strings.Contains(stderr, `"bucket":"changes"`) && strings.Contains(stderr, `"key":"2"`)
}
