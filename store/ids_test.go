package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// byAgency maps each agreement's published agency name to its id.
func byAgency(aggs []diff.Agreement) map[string]string {
	m := map[string]string{}
	for _, a := range aggs {
		m[a.AgencyRaw] = a.ID
	}
	return m
}

// TestOldSnapshotIDsFollowRows: an old snapshot is rebuilt by re-reading
// its archived file. A reader that returns the same rows in another order
// must give every agreement its own id back; one whose rows no longer
// read as recorded must fail with ErrIDMismatch, never relabel.
func TestOldSnapshotIDsFollowRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s, err := Open(path, Options{Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	files := [][]sheet.Record{span(0, 30), append(span(3, 30), rec(300), rec(301)), append(span(5, 30), rec(300), rec(302))}
	var want []map[string]string
	for i, recs := range files {
		if _, err := s.Commit(ctx, Cycle{At: t0, Inputs: []Input{input(t, sheet.Participating, fmt.Sprintf("2025-06-%02d", i+1), recs)}}); err != nil {
			t.Fatal(err)
		}
		_, aggs, err := s.Agreements(ctx, sheet.Participating, 0)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, byAgency(aggs))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	shuffle := func(f *sheet.File) {
		r := rand.New(rand.NewPCG(7, 11))
		r.Shuffle(len(f.Records), func(i, j int) { f.Records[i], f.Records[j] = f.Records[j], f.Records[i] })
	}
	readers := map[string]struct {
		change  func(f *sheet.File)
		wantErr bool
	}{
		"same reader":   {func(*sheet.File) {}, false},
		"rows shuffled": {shuffle, false},
		"rows reversed": {func(f *sheet.File) { slicesReverse(f.Records) }, false},
		"shuffled and renumbered": {func(f *sheet.File) {
			shuffle(f)
			for i := range f.Records {
				f.Records[i].Row = i + 2
			}
		}, true},
		"one agency read differently": {func(f *sheet.File) { f.Records[3].AgencyRaw += " (new reader)" }, true},
		"one row lost":                {func(f *sheet.File) { f.Records = f.Records[1:] }, true},
	}
	for name, rd := range readers {
		t.Run(name, func(t *testing.T) {
			parse := func(b []byte) (*sheet.File, error) {
				f, err := testParse(b)
				if err == nil {
					rd.change(f)
				}
				return f, err
			}
			s, err := Open(path, Options{Parse: parse, ReadOnly: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// Snapshots 1 and 2 are rebuilt from their files; 3 is current.
			for id := uint64(1); id <= 2; id++ {
				_, aggs, err := s.Agreements(ctx, sheet.Participating, id)
				if rd.wantErr {
					if !errors.Is(err, ErrIDMismatch) {
						t.Errorf("snapshot %d: got %v, want ErrIDMismatch", id, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("snapshot %d: %v", id, err)
				}
				got := byAgency(aggs)
				if len(got) != len(want[id-1]) {
					t.Errorf("snapshot %d: got %d agreements, want %d", id, len(got), len(want[id-1]))
				}
				for agency, w := range want[id-1] {
					if got[agency] != w {
						t.Errorf("snapshot %d %s: got id %q, want %q", id, agency, got[agency], w)
					}
				}
			}
		})
	}
}

func slicesReverse(r []sheet.Record) {
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
}

// TestLegacyPositionalIDsStillRead: a store written before ids were keyed
// by row still rebuilds its old snapshots.
func TestLegacyPositionalIDsStillRead(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 10))}})
	_, want, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(1, 11))}})
	// Rewrite snapshot 1's ids as the old positional format did.
	err = s.db.Update(func(tx *bolt.Tx) error {
		v := []byte{idsPacked}
		var prev int64
		for _, a := range want {
			n, _ := strconv.ParseInt(a.ID, 10, 64)
			v = binary.AppendVarint(v, n-prev)
			prev = n
		}
		return tx.Bucket(bucketSnapshotIDs).Put(be64(1), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := s.Agreements(ctx, sheet.Participating, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) {
		t.Errorf("got ids %v, want %v", ids(got), ids(want))
	}
}
