package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
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

// fullScan is what the aggregates must answer, computed the way the
// readers computed it before there were aggregates: from every snapshot
// and agreement record.
type fullScan struct {
	series []Series
	states map[sheet.List][]string
	infos  []AgreementInfo
}

func scanAll(t *testing.T, s *Store) fullScan {
	t.Helper()
	var f fullScan
	ever := map[sheet.List]map[string]bool{}
	err := s.db.View(func(tx *bolt.Tx) error {
		for _, snap := range s.allSnapshots(tx) {
			if snap.Status != Accepted {
				continue
			}
			f.series = append(f.series, Series{SnapshotID: snap.ID, List: snap.List, Published: snap.Published,
				Agreements: snap.Agreements, ByModel: snap.ByModel, ByState: snap.ByState})
			if ever[snap.List] == nil {
				ever[snap.List] = map[string]bool{}
			}
			for code := range snap.ByState {
				ever[snap.List][code] = true
			}
		}
		f.infos = s.allInfos(tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.states = map[sheet.List][]string{}
	for l, codes := range ever {
		f.states[l] = slices.Sorted(maps.Keys(codes))
	}
	return f
}

// formerOf is FormerAgreements' answer filtered from every record.
func (f fullScan) formerOf(list sheet.List, since string) []AgreementInfo {
	out := []AgreementInfo{}
	for _, info := range f.infos {
		if !info.Active && info.Status != diff.StatusMerged && info.List == list &&
			(since == "" || info.AbsentSince == "" || info.AbsentSince >= since) {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b AgreementInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// aggregateBuckets are the buckets the aggregates keep.
var aggregateBuckets = [][]byte{bucketSeries, bucketSeriesStates, bucketFormer, bucketCurrentSums, bucketStateDeltas}

func bucketContents(tx *bolt.Tx) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, name := range aggregateBuckets {
		m := map[string]string{}
		if b := tx.Bucket(name); b != nil {
			_ = b.ForEach(func(k, v []byte) error { m[string(k)] = string(v); return nil })
		}
		out[string(name)] = m
	}
	return out
}

var errRollback = errors.New("rolled back")

// checkAggregates asserts that what the writes kept equals what the
// migration builds from the records, and that the readers answer what a
// full scan of the records computes.
func checkAggregates(t *testing.T, s *Store, step string) {
	t.Helper()
	ctx := context.Background()
	var kept, built map[string]map[string]string
	err := s.db.Update(func(tx *bolt.Tx) error {
		kept = bucketContents(tx)
		if err := buildAggregates(tx); err != nil {
			return err
		}
		built = bucketContents(tx)
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("%s: build aggregates: %v", step, err)
	}
	for _, name := range aggregateBuckets {
		if !reflect.DeepEqual(kept[string(name)], built[string(name)]) {
			t.Errorf("%s: bucket %s: kept %d keys, built from the records %d, and they differ", step, name, len(kept[string(name)]), len(built[string(name)]))
		}
	}

	want := scanAll(t, s)
	series, err := s.Series(ctx)
	if err != nil || !reflect.DeepEqual(series, want.series) {
		t.Errorf("%s: series: got %d points (%v), want the %d accepted snapshots:\n got %+v\nwant %+v", step, len(series), err, len(want.series), series, want.series)
	}
	byModel, err := s.SeriesByModel(ctx)
	wantByModel := slices.Clone(want.series)
	for i := range wantByModel {
		wantByModel[i].ByState = nil
	}
	if err != nil || !reflect.DeepEqual(byModel, wantByModel) {
		t.Errorf("%s: series by model: got %+v (%v), want %+v", step, byModel, err, wantByModel)
	}
	for _, code := range []string{"TX", "FL", "ZZ"} {
		wantOf := slices.Clone(want.series)
		for i := range wantOf {
			wantOf[i].ByState = nil
			if n := want.series[i].ByState[code]; n > 0 {
				wantOf[i].ByState = map[string]int{code: n}
			}
		}
		got, err := s.SeriesOfState(ctx, code)
		if err != nil || !reflect.DeepEqual(got, wantOf) {
			t.Errorf("%s: series of %s: got %+v (%v), want %+v", step, code, got, err, wantOf)
		}
	}
	checkStateDeltas(t, s, step)
	checkSnapshotChanges(t, s, step)
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		for _, in := range [][]string{{"TX"}, {"FL", "GA"}, {"ZZ"}} {
			wantIn := []AgreementInfo{}
			for _, a := range want.formerOf(list, "") {
				if slices.Contains(in, a.State) {
					wantIn = append(wantIn, a)
				}
			}
			got, err := s.FormerAgreementsIn(ctx, list, in, "")
			if err != nil || !reflect.DeepEqual(got, wantIn) {
				t.Errorf("%s: former agreements of %s in %v: got %v (%v), want %v", step, list, in, agreementIDs(got), err, agreementIDs(wantIn))
			}
		}
		checkCurrentSum(t, s, list, step)
		checkSignedInState(t, s, list, step)
		checkAgreementsAt(t, s, list, want.series, step)
		states, err := s.StatesEver(ctx, list)
		if want := want.states[list]; err != nil || !reflect.DeepEqual(states, append([]string{}, want...)) {
			t.Errorf("%s: states ever of %s: got %v (%v), want %v", step, list, states, err, want)
		}
		for _, since := range []string{"", "2025-06-03", "2025-06-09", "2030-01-01"} {
			wantFormer := want.formerOf(list, since)
			got, err := s.FormerAgreements(ctx, list, since)
			if err != nil || !reflect.DeepEqual(got, wantFormer) {
				t.Errorf("%s: former agreements of %s since %q: got %v (%v), want %v", step, list, since, agreementIDs(got), err, agreementIDs(wantFormer))
			}
			sums, err := s.FormerSummaries(ctx, list, since)
			wantSums := []FormerSummary{}
			for _, a := range wantFormer {
				wantSums = append(wantSums, FormerSummary{ID: a.ID, List: a.List, State: a.State, Signed: a.Signed, Status: a.Status, AbsentSince: a.AbsentSince})
			}
			if err != nil || !reflect.DeepEqual(append([]FormerSummary{}, sums...), wantSums) {
				t.Errorf("%s: former summaries of %s since %q: got %+v (%v), want %+v", step, list, since, sums, err, wantSums)
			}
		}
	}
}

// checkAgreementsAt asserts that AgreementsAt finds, for a few dates, the
// snapshot a scan of every snapshot record finds: the last accepted one
// in the timeline published by then.
func checkAgreementsAt(t *testing.T, s *Store, list sheet.List, series []Series, step string) {
	t.Helper()
	dates := []string{"2000-01-01", "2030-01-01"}
	if len(series) > 0 {
		dates = append(dates, series[0].Published, series[len(series)/2].Published)
	}
	var snaps []Snapshot
	var inTimeline map[uint64]bool
	if err := s.db.View(func(tx *bolt.Tx) error {
		snaps, inTimeline = s.allSnapshots(tx), map[uint64]bool{}
		for _, snap := range snaps {
			inTimeline[snap.ID] = tx.Bucket(bucketSnapshotIDs).Get(be64(snap.ID)) != nil
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, date := range dates {
		var want Snapshot
		for _, snap := range snaps {
			if snap.List != list || snap.Status != Accepted || snap.Published == "" || snap.Published > date || !inTimeline[snap.ID] {
				continue
			}
			if want.ID == 0 || snap.Published > want.Published || (snap.Published == want.Published && snap.ID > want.ID) {
				want = snap
			}
		}
		got, _, err := s.AgreementsAt(context.Background(), list, date)
		if want.ID == 0 {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: agreements of %s at %s: got snapshot %d (%v), want ErrNotFound", step, list, date, got.ID, err)
			}
			continue
		}
		if err != nil || got.ID != want.ID {
			t.Errorf("%s: agreements of %s at %s: got snapshot %d (%v), want %d", step, list, date, got.ID, err, want.ID)
		}
	}
}

// checkSnapshotChanges asserts that each snapshot's changes, read
// through the index of changes by day, are those of a scan of every
// change.
func checkSnapshotChanges(t *testing.T, s *Store, step string) {
	t.Helper()
	var snaps []Snapshot
	want := map[uint64][]uint64{}
	if err := s.db.View(func(tx *bolt.Tx) error {
		snaps = s.allSnapshots(tx)
		return tx.Bucket(bucketChanges).ForEach(func(k, v []byte) error {
			var ch diff.Change
			if err := decodeJSON(v, &ch); err != nil {
				return err
			}
			want[ch.AfterSnapshot] = append(want[ch.AfterSnapshot], ch.ID)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	for _, snap := range snaps {
		got, err := s.SnapshotChanges(context.Background(), snap.ID)
		ids := []uint64{}
		for _, ch := range got {
			ids = append(ids, ch.ID)
		}
		if err != nil || !slices.Equal(ids, append([]uint64{}, want[snap.ID]...)) {
			t.Errorf("%s: changes of snapshot %d: got %v (%v), want %v", step, snap.ID, ids, err, want[snap.ID])
		}
	}
}

// checkStateDeltas asserts that StateModelDeltas nets what the state's
// participating changes did at each snapshot, read from every change.
func checkStateDeltas(t *testing.T, s *Store, step string) {
	t.Helper()
	ctx := context.Background()
	all, _, err := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Lists: []string{string(sheet.Participating)}}})
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{"ZZ"}
	for _, c := range all { // every state a participating change was in
		for _, r := range []*sheet.Record{c.Before, c.After} {
			if r != nil && !slices.Contains(codes, r.State) {
				codes = append(codes, r.State)
			}
		}
	}
	for _, code := range codes {
		changes, _, err := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{States: []string{code}, Lists: []string{string(sheet.Participating)}}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[uint64]map[string]int{}
		for _, c := range changes {
			m := want[c.AfterSnapshot]
			if m == nil {
				m = map[string]int{}
				want[c.AfterSnapshot] = m
			}
			if (c.Kind == diff.Removed || c.Kind == diff.Changed) && c.Before != nil && c.Before.State == code {
				m[c.Before.Model]--
			}
			if (c.Kind == diff.Added || c.Kind == diff.Restored || c.Kind == diff.Changed) && c.After != nil && c.After.State == code {
				m[c.After.Model]++
			}
			maps.DeleteFunc(m, func(_ string, n int) bool { return n == 0 })
		}
		maps.DeleteFunc(want, func(_ uint64, m map[string]int) bool { return len(m) == 0 })
		got, ok, err := s.StateModelDeltas(ctx, code)
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: model deltas of %s: got %v (kept %v, %v), want %v", step, code, got, ok, err, want)
		}
	}
}

// checkSignedInState asserts that SignedInState counts what
// FindAgreements' records of the list say.
func checkSignedInState(t *testing.T, s *Store, list sheet.List, step string) {
	t.Helper()
	ctx := context.Background()
	all, err := s.FindAgreements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	codes := []string{"TX", "FL", "GA", "ZZ"}
	for _, a := range all {
		if a.Status == diff.StatusMerged { // the states of merged rows too
			codes = append(codes, a.State)
		}
	}
	for _, code := range codes {
		want := map[string]int{}
		for _, a := range all {
			if a.List == list && a.State == code {
				want[a.Signed]++
			}
		}
		got, ok, err := s.SignedInState(ctx, list, code)
		if !ok || err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: signed in %s of %s: got %v (kept %v, %v), want %v", step, code, list, got, ok, err, want)
		}
	}
}

// checkCurrentSum asserts that CurrentSummary counts what the list's
// current agreements (bucketCurrent's record, decoded) hold.
func checkCurrentSum(t *testing.T, s *Store, list sheet.List, step string) {
	t.Helper()
	var cur *current
	if err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		cur, err = readCurrent(tx, list)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.CurrentSummary(context.Background(), list)
	if !ok {
		t.Fatalf("%s: current summary of %s not kept (%v)", step, list, err)
	}
	if cur == nil {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: current summary of %s without a current list: %+v, %v; want ErrNotFound", step, list, got, err)
		}
		return
	}
	want := CurrentSummary{SnapshotID: cur.SnapshotID, Published: cur.Published, Agreements: len(cur.Agreements),
		ByStateModel: map[string]map[string]int{}, Signed: map[string]map[string]int{}}
	for _, a := range cur.Agreements {
		if want.ByStateModel[a.State] == nil {
			want.ByStateModel[a.State], want.Signed[a.State] = map[string]int{}, map[string]int{}
		}
		want.ByStateModel[a.State][a.Model]++
		want.Signed[a.State][a.Signed]++
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s: current summary of %s: got %+v (%v), want %+v", step, list, got, err, want)
	}
}

func agreementIDs(infos []AgreementInfo) []string {
	out := []string{}
	for _, a := range infos {
		out = append(out, a.ID+"/"+string(a.Status)+"/"+a.AbsentSince)
	}
	return out
}

// TestAggregatesFollowCommits: after every kind of write (new lists with
// agreements leaving, coming back, ended by the lifecycle, a duplicate row
// merged; a re-seen file; a quarantined list and its acceptance) the
// aggregates equal what the records say.
func TestAggregatesFollowCommits(t *testing.T) {
	s := openTemp(t)
	rule := diff.ConfirmRule{MinDays: 1, MinLists: 1}
	for i := range lifecycleLists {
		in := lifecycleInput(t, i)
		c := Cycle{Lifecycle: rule, At: t0.Add(time.Duration(i) * time.Hour), Inputs: []Input{in}}
		if i%2 == 0 {
			c.Inputs = append(c.Inputs, input(t, sheet.Pending, lifecycleLists[i].published, []sheet.Record{pendingRec(100 + i), pendingRec(101 + i)}))
		}
		commit(t, s, c)
		checkAggregates(t, s, "list "+lifecycleLists[i].published)
	}
	// The same file again: re-seen, its record rewritten, no new point.
	commit(t, s, Cycle{Lifecycle: rule, At: t0.Add(48 * time.Hour), Inputs: []Input{lifecycleInput(t, len(lifecycleLists)-1)}})
	checkAggregates(t, s, "re-seen")

	// A list that drops most agreements is quarantined (no point), then
	// accepted (a point, and its agreements former).
	last := lifecycleLists[len(lifecycleLists)-1]
	res := commit(t, s, Cycle{Lifecycle: rule, At: t0.Add(72 * time.Hour), Guard: Guard{MaxDropShare: 0.1, MaxDropRows: 5},
		Inputs: []Input{input(t, sheet.Participating, "2025-06-20", append(span(0, 3), last.recs...))}})
	o := res.Outcomes[0]
	if o.Snapshot.Status != Quarantined {
		t.Fatalf("the list dropping most agreements: got %s, want quarantined", o.Snapshot.Status)
	}
	checkAggregates(t, s, "quarantined")
	if _, err := s.Accept(context.Background(), o.Snapshot.ID, nil, t0.Add(73*time.Hour)); err != nil {
		t.Fatalf("accept: %v", err)
	}
	checkAggregates(t, s, "accepted")
	former, err := s.FormerAgreements(context.Background(), sheet.Participating, "2025-06-20")
	if err != nil || len(former) < 20 {
		t.Errorf("former since the accepted list: got %d (%v), want the 20 or more it dropped", len(former), err)
	}
}

// TestAggregatesAfterRebuild: files arriving out of published order are
// put in their place by a rebuild, which rewrites every record; the
// aggregates come out as a fresh import's in published order.
func TestAggregatesAfterRebuild(t *testing.T) {
	files := historyFiles(t)
	ref := openTemp(t)
	for _, in := range files {
		commit(t, ref, Cycle{Inputs: []Input{in}})
	}
	checkAggregates(t, ref, "in order")
	want := scanAll(t, ref)
	for seed := range uint64(2) {
		t.Run(fmt.Sprint("permutation ", seed), func(t *testing.T) {
			s := openTemp(t)
			for _, i := range rand.New(rand.NewPCG(seed, 12)).Perm(len(files)) {
				commit(t, s, Cycle{Inputs: []Input{files[i]}})
			}
			checkAggregates(t, s, "rebuilt")
			got := scanAll(t, s)
			if !reflect.DeepEqual(got.states, want.states) {
				t.Errorf("states ever: got %v, want %v", got.states, want.states)
			}
			if len(got.series) != len(want.series) {
				t.Errorf("series: got %d points, want %d", len(got.series), len(want.series))
			}
		})
	}
	// A backfill: the live part first, the older files held, one rebuild.
	s := openTemp(t)
	liveThenBackfill(t, s, files, len(files)/2, context.Background())
	checkAggregates(t, s, "backfill held")
	if _, err := s.Rebuild(context.Background(), RebuildOptions{}); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	checkAggregates(t, s, "backfill rebuilt")
}

// TestAggregatesMigrateFromSchema3: a store written before the aggregates
// (schema 3) is refused read-only with the usual message, and gets them,
// equal to what the records say, when opened to write.
func TestAggregatesMigrateFromSchema3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	rule := diff.ConfirmRule{MinDays: 1, MinLists: 1}
	for i := range 5 { // East ended, not yet back
		commit(t, s, Cycle{Lifecycle: rule, At: t0.Add(time.Duration(i) * time.Hour), Inputs: []Input{lifecycleInput(t, i)}})
	}
	wantFormer, err := s.FormerAgreements(ctx, sheet.Participating, "")
	if err != nil || len(wantFormer) == 0 {
		t.Fatalf("former agreements: got %d (%v), want some", len(wantFormer), err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range aggregateBuckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Delete(fmt.Appendf(nil, "%s%04d", metaMigration, 4)); err != nil {
			return err
		}
		return m.Put([]byte(metaSchema), []byte("3"))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatalf("make it schema 3: %v, close: %v", err, cerr)
	}

	if ro, err := Open(path, Options{ReadOnly: true, Parse: testParse}); err == nil || !strings.Contains(err.Error(), "needs migrating") {
		if err == nil {
			_ = ro.Close()
		}
		t.Fatalf("read-only open of a schema-3 store: got %v, want the \"needs migrating\" refusal", err)
	}
	s2, err := Open(path, Options{Parse: testParse})
	if err != nil {
		t.Fatalf("open a schema-3 store: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	var schema string
	_ = s2.db.View(func(tx *bolt.Tx) error {
		schema = string(tx.Bucket(bucketMeta).Get([]byte(metaSchema)))
		return nil
	})
	if schema != fmt.Sprint(SchemaVersion) {
		t.Fatalf("after open: got schema %q, want %d", schema, SchemaVersion)
	}
	checkAggregates(t, s2, "migrated")
	got, err := s2.FormerAgreements(ctx, sheet.Participating, "")
	if err != nil || !reflect.DeepEqual(got, wantFormer) {
		t.Errorf("former agreements after the migration: got %v (%v), want %v", agreementIDs(got), err, agreementIDs(wantFormer))
	}
	// The next commit keeps them up to date from there.
	commit(t, s2, Cycle{Lifecycle: rule, At: t0.Add(24 * time.Hour),
		Inputs: []Input{input(t, sheet.Participating, "2025-06-16", span(0, 25))}})
	checkAggregates(t, s2, "after the migration, a commit")
}

// TestSeriesValueRoundTrip: a point decodes to what was encoded, a
// malformed value is refused rather than misread, and points whose counts
// repeat share their maps.
func TestSeriesValueRoundTrip(t *testing.T) {
	snap := Snapshot{ID: 7, List: sheet.Participating, Published: "2025-06-01", Status: Accepted, Agreements: 5,
		ByModel: map[string]int{sheet.JailEnforcement: 3, sheet.TaskForce: 2}, ByState: map[string]int{"TX": 4, "FL": 1}}
	v := appendSeriesValue(nil, &snap)
	d := newSeriesDecoder()
	p, err := d.decode(7, v)
	want := Series{SnapshotID: 7, List: snap.List, Published: snap.Published, Agreements: 5, ByModel: snap.ByModel, ByState: snap.ByState}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Fatalf("decode: got %+v (%v), want %+v", p, err, want)
	}
	q, err := d.decode(8, v)
	if err != nil || reflect.ValueOf(q.ByState).UnsafePointer() != reflect.ValueOf(p.ByState).UnsafePointer() {
		t.Errorf("a point repeating the previous counts: got a new map (%v), want the previous one shared", err)
	}
	for i := range len(v) {
		if _, err := newSeriesDecoder().decode(7, v[:i]); err == nil {
			t.Errorf("decode of the first %d of %d bytes: got no error", i, len(v))
		}
	}
	if _, err := newSeriesDecoder().decode(7, append(bytes.Clone(v), 0)); err == nil {
		t.Errorf("decode with a trailing byte: got no error")
	}
	empty := appendSeriesValue(nil, &Snapshot{ID: 9, List: sheet.Pending, Status: Accepted})
	if p, err := newSeriesDecoder().decode(9, empty); err != nil || p.ByModel != nil || p.ByState != nil {
		t.Errorf("a point without counts: got %+v (%v), want nil maps as the record decodes", p, err)
	}
}

// TestCurrentSumsKeptAfterMissing: a store whose current sums are missing
// (migrated to schema 4 before they were kept) answers ok=false, so pages
// count the lists themselves, and its next commit makes them whole.
func TestCurrentSumsKeptAfterMissing(t *testing.T) {
	s := openTemp(t)
	rule := diff.ConfirmRule{MinDays: 1, MinLists: 1}
	commit(t, s, Cycle{Lifecycle: rule, At: t0, Inputs: []Input{lifecycleInput(t, 0),
		input(t, sheet.Pending, lifecycleLists[0].published, []sheet.Record{pendingRec(100)})}})
	if err := s.db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketCurrentSums) }); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.CurrentSummary(context.Background(), sheet.Participating); ok || err != nil {
		t.Fatalf("current summary without its bucket: ok %v, %v; want not kept", ok, err)
	}
	commit(t, s, Cycle{Lifecycle: rule, At: t0.Add(time.Hour), Inputs: []Input{lifecycleInput(t, 1)}})
	checkAggregates(t, s, "after the bucket was missing")
}
