package store

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// historyStore commits a few weeks of a participating and a pending list,
// with additions, removals and renames spread over the days.
func historyStore(t *testing.T, path string) *Store {
	t.Helper()
	s := openAt(t, path)
	day := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	part, pend := span(0, 30), []sheet.Record{pendingRec(200), pendingRec(201)}
	for i := range 12 {
		pub := day.AddDate(0, 0, 3*i).Format(time.DateOnly)
		if i > 0 {
			part = append(part, rec(40+i))
			if i%3 == 0 {
				part = slices.Delete(part, 2, 3)
			}
			if i%4 == 0 {
				part[5].Type = fmt.Sprintf("Type %d", i)
			}
			pend = append(pend, pendingRec(210+i))
		}
		in := []Input{input(t, sheet.Participating, pub, part), input(t, sheet.Pending, pub, pend)}
		// One file without a date in its name: its changes are filed
		// under the previous file's date.
		if i == 7 {
			in[1].Published = ""
		}
		commit(t, s, Cycle{At: day.AddDate(0, 0, 3*i+1), Inputs: in})
	}
	return s
}

// TestChangesByDayIndex: a query bounded by days, read through the day
// index, returns exactly what filtering every change returns, page by page.
func TestChangesByDayIndex(t *testing.T) {
	ctx := context.Background()
	s := historyStore(t, filepath.Join(t.TempDir(), "w.db"))
	all, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil || len(all) < 20 {
		t.Fatalf("all changes: got %d (%v), want at least 20", len(all), err)
	}
	d := func(s string) time.Time {
		tm, _ := time.Parse(time.DateOnly, s)
		return tm.Add(15 * time.Hour) // the time of day is ignored
	}
	tests := []struct {
		name  string
		q     ChangeQuery
		limit int
	}{
		{"since", ChangeQuery{Since: d("2025-06-20")}, 0},
		{"since paged", ChangeQuery{Since: d("2025-06-10")}, 3},
		{"until", ChangeQuery{Until: d("2025-06-13")}, 0},
		{"one day", ChangeQuery{Since: d("2025-06-13"), Until: d("2025-06-13")}, 0},
		{"window paged", ChangeQuery{Since: d("2025-06-04"), Until: d("2025-06-25")}, 4},
		{"window and filter", ChangeQuery{Since: d("2025-06-04"), Filter: diff.Filter{Kinds: []diff.Kind{diff.Added}}}, 2},
		{"after the last", ChangeQuery{Since: d("2026-01-01")}, 0},
		{"kinds", ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Removed, diff.Changed}}}, 0},
		{"kinds paged", ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Added}}}, 5},
		{"states", ChangeQuery{Filter: diff.Filter{States: []string{"TX", "GA"}}}, 3},
		{"kinds and states", ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Removed}, States: []string{"FL"}}}, 0},
		{"state and list", ChangeQuery{Filter: diff.Filter{States: []string{"AZ"}, Lists: []string{"pending"}}}, 2},
		{"no state", ChangeQuery{Filter: diff.Filter{States: []string{"ZZ"}}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []diff.Change
			for _, ch := range all {
				if tt.q.match(&ch) {
					want = append(want, ch)
				}
			}
			var got []diff.Change
			q := tt.q
			q.Limit = tt.limit
			for range 100 {
				page, next, err := s.Changes(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if next == 0 {
					break
				}
				q.Cursor = next
			}
			if !reflect.DeepEqual(changeIDs(got), changeIDs(want)) {
				t.Errorf("got ids %v, want %v", changeIDs(got), changeIDs(want))
			}
		})
	}
}

func changeIDs(chs []diff.Change) []uint64 {
	out := []uint64{}
	for _, ch := range chs {
		out = append(out, ch.ID)
	}
	return out
}

// TestFindAgreementsNameIndex: the name index finds what matching every
// record finds, renamed and removed agreements included.
func TestFindAgreementsNameIndex(t *testing.T) {
	ctx := context.Background()
	s := historyStore(t, filepath.Join(t.TempDir(), "w.db"))
	every, err := s.FindAgreements(ctx, "")
	if err != nil || len(every) < 40 {
		t.Fatalf("all agreements: got %d (%v), want at least 40", len(every), err)
	}
	for _, query := range []string{"county", "SHERIFF", name(3)[:5], name(44), "7", "nowhere"} {
		t.Run(query, func(t *testing.T) {
			q := foldText(query)
			var want []string
			for _, a := range every {
				if a.ID == query || contains(foldText(a.Agency), q) || contains(foldText(a.AgencyRaw), q) {
					want = append(want, a.ID)
				}
			}
			got, err := s.FindAgreements(ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, a := range got {
				gotIDs = append(gotIDs, a.ID)
			}
			if !reflect.DeepEqual(gotIDs, want) {
				t.Errorf("got %v, want %v", gotIDs, want)
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestDataVersion: a poll that brought nothing new (checks, validators, an
// empty cycle) keeps the data version and so the web cache's key; a new
// snapshot, a repeat seen later and an acceptance move it.
func TestDataVersion(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	version := func() (uint64, string) {
		t.Helper()
		n, err := s.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Version(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n, v
	}
	n0, v0 := version()
	base := input(t, sheet.Participating, "2025-06-01", span(0, 30))
	commit(t, s, Cycle{Inputs: []Input{base}})
	n1, v1 := version()
	if n1 <= n0 || v1 == v0 {
		t.Fatalf("after a baseline: got %d %q, want past %d %q", n1, v1, n0, v0)
	}
	check := Check{At: t0.Add(time.Hour), URL: "https://www.ice.gov/x", Status: 304, Outcome: CheckNotModified}
	if err := s.RecordChecks(ctx, []Check{check}, []Validator{{URL: "https://www.ice.gov/x", ETag: `"a"`}}); err != nil {
		t.Fatal(err)
	}
	commit(t, s, Cycle{At: t0.Add(2 * time.Hour), Checks: []Check{check}})
	if err := s.SetMeta(ctx, "streak", "3"); err != nil {
		t.Fatal(err)
	}
	if n, v := version(); n != n1 || v != v1 {
		t.Errorf("after polls that brought nothing: got %d %q, want %d %q", n, v, n1, v1)
	}
	again := base
	again.SeenAt = t0.Add(3 * time.Hour)
	commit(t, s, Cycle{At: again.SeenAt, Inputs: []Input{again}})
	n2, _ := version()
	if n2 <= n1 {
		t.Errorf("after a repeat seen later (last_seen moves): got %d, want past %d", n2, n1)
	}
	res := commit(t, s, Cycle{At: t0.Add(4 * time.Hour), Guard: Guard{MaxDropShare: 0.1, MaxDropRows: 1},
		Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, 10))}})
	n3, _ := version()
	if n3 <= n2 || res.Outcomes[0].Snapshot.Status != Quarantined {
		t.Fatalf("after a quarantined snapshot: got %d (%s), want past %d, quarantined", n3, res.Outcomes[0].Snapshot.Status, n2)
	}
	if _, err := s.Accept(ctx, res.Outcomes[0].Snapshot.ID, nil, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n4, _ := version(); n4 <= n3 {
		t.Errorf("after an acceptance: got %d, want past %d", n4, n3)
	}
}

// TestMigrateToIndexes: a schema-2 store (no indexes, no data version) is
// indexed at Open, and its reads answer as before.
func TestMigrateToIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := historyStore(t, path)
	since := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
	wantChanges, _, err := s.Changes(ctx, ChangeQuery{Since: since})
	if err != nil || len(wantChanges) == 0 {
		t.Fatalf("changes: got %d (%v), want some", len(wantChanges), err)
	}
	wantFound, err := s.FindAgreements(ctx, "county")
	if err != nil || len(wantFound) == 0 {
		t.Fatalf("find: got %d (%v), want some", len(wantFound), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketChangeDays, bucketAgrNames, bucketChangeFacets} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Delete([]byte(metaDataVersion)); err != nil {
			return err
		}
		return m.Put([]byte(metaSchema), []byte("2"))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatalf("make it schema 2: %v, close: %v", err, cerr)
	}

	s2, err := Open(path, Options{Parse: testParse})
	if err != nil {
		t.Fatalf("open a schema-2 store: %v", err)
	}
	defer s2.Close()
	var schema string
	var indexed bool
	_ = s2.db.View(func(tx *bolt.Tx) error {
		schema = string(tx.Bucket(bucketMeta).Get([]byte(metaSchema)))
		indexed = hasIndexes(tx)
		return nil
	})
	if schema != fmt.Sprint(SchemaVersion) || !indexed {
		t.Fatalf("after open: got schema %q, indexes %v, want %d with indexes", schema, indexed, SchemaVersion)
	}
	if n, err := s2.DataVersion(ctx); err != nil || n == 0 {
		t.Errorf("data version: got %d (%v), want non-zero", n, err)
	}
	gotChanges, _, err := s2.Changes(ctx, ChangeQuery{Since: since})
	if err != nil || !reflect.DeepEqual(changeIDs(gotChanges), changeIDs(wantChanges)) {
		t.Errorf("changes since %s: got %v (%v), want %v", since.Format(time.DateOnly), changeIDs(gotChanges), err, changeIDs(wantChanges))
	}
	gotFound, err := s2.FindAgreements(ctx, "county")
	if err != nil || len(gotFound) != len(wantFound) {
		t.Errorf("find county: got %d (%v), want %d", len(gotFound), err, len(wantFound))
	}
}

// TestReadCacheFollowsCommits: the lists' current agreements readers cache
// are replaced by the next commit that changes them, and a caller that
// modifies what Agreements returned does not change what the next reader
// gets.
func TestReadCacheFollowsCommits(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 10))}})
	_, first, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil || len(first) != 10 {
		t.Fatalf("first: got %d (%v), want 10", len(first), err)
	}
	first[0].Agency = "scribbled"
	_, again, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil || again[0].Agency == "scribbled" {
		t.Fatalf("again: got %q (%v), want the stored agency", again[0].Agency, err)
	}
	commit(t, s, Cycle{At: t0.Add(time.Hour), Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, 12))}})
	snap, next, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil || len(next) != 12 || snap.ID != 2 {
		t.Fatalf("after a commit: got snapshot %d with %d (%v), want snapshot 2 with 12", snap.ID, len(next), err)
	}
	found, err := s.FindAgreements(ctx, name(11))
	if err != nil || len(found) != 1 || found[0].LastSnapshot != 2 {
		t.Fatalf("find the new agreement: got %+v (%v), want one, last snapshot 2", found, err)
	}
	latest, err := s.Latest(ctx, sheet.Participating)
	if err != nil || latest.ID != 2 {
		t.Errorf("latest: got %d (%v), want 2", latest.ID, err)
	}
}

// TestSnapshotsPage: pages of snapshots, newest first, together hold every
// snapshot once.
func TestSnapshotsPage(t *testing.T) {
	ctx := context.Background()
	s := historyStore(t, filepath.Join(t.TempDir(), "w.db"))
	all, err := s.Snapshots(ctx)
	if err != nil || len(all) != 24 {
		t.Fatalf("snapshots: got %d (%v), want 24", len(all), err)
	}
	for _, limit := range []int{0, 1, 5, 24, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var got []uint64
			var before uint64
			for range 100 {
				page, next, err := s.SnapshotsPage(ctx, before, limit)
				if err != nil {
					t.Fatal(err)
				}
				if limit > 0 && len(page) > limit {
					t.Fatalf("got a page of %d, want at most %d", len(page), limit)
				}
				for _, snap := range page {
					got = append(got, snap.ID)
				}
				if next == 0 {
					break
				}
				before = next
			}
			var want []uint64
			for i := len(all) - 1; i >= 0; i-- {
				want = append(want, all[i].ID)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

// TestMemoFollowsCommits: the memoised snapshots and agreement records,
// patched by each commit, always equal what decoding every record gives.
func TestMemoFollowsCommits(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	decoded := func() ([]Snapshot, map[string]AgreementInfo) {
		t.Helper()
		var snaps []Snapshot
		infos := map[string]AgreementInfo{}
		err := s.db.View(func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketSnapshots).ForEach(func(_, v []byte) error {
				var snap Snapshot
				err := decodeJSON(v, &snap)
				snaps = append(snaps, snap)
				return err
			}); err != nil {
				return err
			}
			return tx.Bucket(bucketAgreements).ForEach(func(_, v []byte) error {
				var info AgreementInfo
				err := decodeJSON(v, &info)
				infos[info.ID] = info
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return snaps, infos
	}
	check := func(step string) {
		t.Helper()
		wantSnaps, _ := decoded()
		gotSnaps, err := s.Snapshots(ctx)
		if err != nil || !reflect.DeepEqual(gotSnaps, wantSnaps) {
			t.Errorf("%s: snapshots: got %d (%v), want the %d stored", step, len(gotSnaps), err, len(wantSnaps))
		}
		every, err := s.FindAgreements(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		// Every test agency is a county's: the query path, which
		// memoises nothing, must agree with the memoised answer.
		counties, err := s.FindAgreements(ctx, "county")
		memoised, _ := s.FindAgreements(ctx, "")
		if err != nil || !reflect.DeepEqual(every, counties) || !reflect.DeepEqual(memoised, counties) {
			t.Errorf("%s: FindAgreements(\"\") and FindAgreements(\"county\") differ: %d vs %d (%v)", step, len(every), len(counties), err)
		}
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 10))}})
	check("baseline")
	check("loaded")
	next := span(1, 12)
	next[3].Type = "Municipality"
	commit(t, s, Cycle{At: t0.Add(time.Hour), Inputs: []Input{input(t, sheet.Participating, "2025-06-02", next), input(t, sheet.Pending, "2025-06-02", []sheet.Record{pendingRec(50)})}})
	check("after changes")
	again := input(t, sheet.Participating, "2025-06-02", next)
	again.SeenAt = t0.Add(3 * time.Hour)
	commit(t, s, Cycle{At: again.SeenAt, Inputs: []Input{again}})
	check("after a repeat")
	res := commit(t, s, Cycle{At: t0.Add(4 * time.Hour), Guard: Guard{MaxDropShare: 0.1, MaxDropRows: 1},
		Inputs: []Input{input(t, sheet.Participating, "2025-06-03", span(1, 3))}})
	check("after a quarantine")
	if _, err := s.Accept(ctx, res.Outcomes[0].Snapshot.ID, nil, t0.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("after an acceptance")
	all, err := s.FindAgreements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, a := range all {
		if a.Active {
			active++
		}
	}
	if active != 3 || len(all) != 13 {
		t.Errorf("agreements: got %d, %d active, want 13 (12 participating, 1 pending), 3 active", len(all), active)
	}
}
