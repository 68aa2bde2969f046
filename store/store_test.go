package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// testParse stands in for sheet.Parse: test bodies are JSON sheet.Files,
// and a body starting with "<html" has no recognisable header.
func testParse(b []byte) (*sheet.File, error) {
	if bytes.HasPrefix(b, []byte("<html")) {
		return nil, fmt.Errorf("test reader: %w", sheet.ErrNoHeader)
	}
	var f sheet.File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("test reader: %w", sheet.ErrNotXLSX)
	}
	return &f, nil
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "w.db"))
}

var states = []string{"TX", "FL", "GA", "AZ", "OK", "NC", "TN", "AL"}

// name returns a made-up agency name, distinct enough from every other
// that identity resolution never mistakes one for another.
func name(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 287))
	b := make([]byte, 9)
	for k := range b {
		b[k] = byte('a' + r.IntN(26))
	}
	b[0] -= 'a' - 'A'
	return string(b) + " County Sheriff's Office"
}

func rec(i int) sheet.Record {
	return sheet.Record{
		State: states[i%len(states)], StateName: "STATE " + states[i%len(states)],
		Agency: name(i), AgencyRaw: name(i), Type: "County",
		Model: sheet.JailEnforcement, ModelRaw: "Jail Enforcement Model", Signed: "2025-01-15",
	}
}

// records numbers recs' rows as a spreadsheet would (header on row 1).
func records(recs ...sheet.Record) []sheet.Record {
	out := make([]sheet.Record, len(recs))
	for i, r := range recs {
		r.Row = i + 2
		out[i] = r
	}
	return out
}

func span(from, to int) []sheet.Record {
	var out []sheet.Record
	for i := from; i < to; i++ {
		out = append(out, rec(i))
	}
	return out
}

func pendingRec(i int) sheet.Record {
	r := rec(i)
	r.Signed = ""
	return r
}

// input makes a file of list whose body the test reader reads back.
func input(t *testing.T, list sheet.List, published string, recs []sheet.Record) Input {
	t.Helper()
	f := &sheet.File{List: list, Records: records(recs...), Warnings: []sheet.Warning{}}
	body, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Source: "https://www.ice.gov/doclib/" + string(list) + published + ".xlsx",
		Name:   string(list) + published + ".xlsx", Body: body, Published: published,
		LastModified: "Mon, 02 Jun 2025 10:00:00 GMT",
	}
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func commit(t *testing.T, s *Store, c Cycle) *CycleResult {
	t.Helper()
	if c.At.IsZero() {
		c.At = t0
	}
	res, err := s.Commit(context.Background(), c)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return res
}

func ids(aggs []diff.Agreement) []string {
	var out []string
	for _, a := range aggs {
		out = append(out, a.ID)
	}
	return out
}

func TestOpenCloseReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s, err := Open(path, Options{Parse: testParse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 30))},
		Checks: []Check{{At: t0, URL: "https://www.ice.gov/287g", Status: 200, Outcome: "new"}}})
	commit(t, s, Cycle{At: t0.Add(time.Hour), Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, 31))}})
	if err := s.SetMeta(ctx, "fail_streak", "3"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openAt(t, path)
	snaps, err := s.Snapshots(ctx)
	if err != nil || len(snaps) != 2 {
		t.Fatalf("snapshots: got %d (%v), want 2", len(snaps), err)
	}
	changes, _, err := s.Changes(ctx, ChangeQuery{})
	if err != nil || len(changes) != 1 || changes[0].Kind != diff.Added {
		t.Fatalf("changes: got %+v (%v), want one added", changes, err)
	}
	_, aggs, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil || len(aggs) != 31 {
		t.Fatalf("agreements: got %d (%v), want 31", len(aggs), err)
	}
	if v, _ := s.Meta(ctx, "fail_streak"); v != "3" {
		t.Errorf("meta: got %q, want 3", v)
	}
	if checks, _ := s.Checks(ctx, 0); len(checks) != 1 {
		t.Errorf("checks: got %d, want 1", len(checks))
	}
	v, err := s.Validator(ctx, snaps[1].SourceURL)
	if err != nil || v.LastModified != "Mon, 02 Jun 2025 10:00:00 GMT" {
		t.Errorf("validator: got %+v (%v), want the input's Last-Modified", v, err)
	}
	var version string
	err = s.db.View(func(tx *bolt.Tx) error {
		version = string(tx.Bucket(bucketMeta).Get([]byte(metaSchema)))
		return nil
	})
	if err != nil || version != fmt.Sprint(SchemaVersion) {
		t.Errorf("schema version: got %q, want %d", version, SchemaVersion)
	}
}

func TestSecondOpenFailsWithErrLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	openAt(t, path)
	for _, ro := range []bool{false, true} {
		t.Run(fmt.Sprintf("readonly=%v", ro), func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				s, err := Open(path, Options{Timeout: 50 * time.Millisecond, ReadOnly: ro, Logger: slog.New(slog.DiscardHandler)})
				if err == nil {
					_ = s.Close()
				}
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("second Open hung behind the file lock")
			}
			if !errors.Is(err, ErrLocked) {
				t.Fatalf("got %v, want ErrLocked", err)
			}
			if !strings.Contains(err.Error(), "--server") || !strings.Contains(err.Error(), "serve") {
				t.Errorf("got %q, want a message pointing at serve and --server", err)
			}
		})
	}
}

func TestReadOnlyOpensTogether(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Pending, "2025-06-01", span(0, 3))}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var readers []*Store
	for range 2 {
		r, err := Open(path, Options{ReadOnly: true, Timeout: 50 * time.Millisecond, Parse: testParse})
		if err != nil {
			t.Fatalf("read-only open: got %v, want two shared readers", err)
		}
		readers = append(readers, r)
	}
	for _, r := range readers {
		if snaps, err := r.Snapshots(context.Background()); err != nil || len(snaps) != 1 {
			t.Errorf("snapshots: got %d (%v), want 1", len(snaps), err)
		}
		_ = r.Close()
	}
}

func TestSameBytesOnlyUpdateLastSeen(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	in := input(t, sheet.Participating, "2025-06-01", span(0, 10))
	first := commit(t, s, Cycle{Inputs: []Input{in}})
	later := t0.Add(30 * time.Minute)
	second := commit(t, s, Cycle{At: later, Inputs: []Input{in}})
	o := second.Outcomes[0]
	if o.New {
		t.Errorf("New: got true, want false for the same bytes")
	}
	if o.Snapshot.ID != first.Outcomes[0].Snapshot.ID {
		t.Errorf("snapshot id: got %d, want %d", o.Snapshot.ID, first.Outcomes[0].Snapshot.ID)
	}
	if !o.Snapshot.LastSeen.Equal(later) || !o.Snapshot.FirstSeen.Equal(t0) {
		t.Errorf("seen: got first %v last %v, want %v and %v", o.Snapshot.FirstSeen, o.Snapshot.LastSeen, t0, later)
	}
	snaps, _ := s.Snapshots(ctx)
	if len(snaps) != 1 || !snaps[0].LastSeen.Equal(later) {
		t.Errorf("stored: got %+v, want one snapshot last seen %v", snaps, later)
	}
	var files int
	err := s.db.View(func(tx *bolt.Tx) error {
		return forEachFile(tx.Bucket(bucketFiles), func(string, []byte) error { files++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 1 {
		t.Errorf("archived files: got %d, want 1", files)
	}
}

func TestBaselineHasNoChangesNorDeliveries(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	res := commit(t, s, Cycle{
		Inputs:     []Input{input(t, sheet.Participating, "2025-06-01", span(0, 25))},
		Recipients: []Recipient{{ID: "email:all@example.org"}},
	})
	o := res.Outcomes[0]
	if !o.New || !o.Snapshot.Baseline || o.Snapshot.Status != Accepted || o.Result != nil {
		t.Errorf("outcome: got %+v, want a new accepted baseline without a diff", o)
	}
	if len(res.Changes) != 0 {
		t.Errorf("changes: got %d, want 0", len(res.Changes))
	}
	if d, _ := s.Deliveries(ctx, ""); len(d) != 0 {
		t.Errorf("deliveries: got %d, want 0", len(d))
	}
	_, aggs, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(aggs); len(got) != 25 || got[0] != "1" || got[24] != "25" {
		t.Errorf("ids: got %v, want 1…25", got)
	}
	if aggs[3].Since != "2025-06-01" {
		t.Errorf("since: got %q, want 2025-06-01", aggs[3].Since)
	}
	if o.Snapshot.ByModel[sheet.JailEnforcement] != 25 || o.Snapshot.ByState["TX"] != 4 {
		t.Errorf("counts: got %v %v, want 25 jail enforcement, 4 in TX", o.Snapshot.ByModel, o.Snapshot.ByState)
	}
}

func TestChangesRecorded(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 30))}})
	next := span(0, 30)
	next = append(next[:5], next[6:]...) // agreement "6" (rec 5) leaves
	next[6].Type = "Municipality"        // agreement "8" (rec 7) changes
	added := rec(100)
	added.State = "WY" // a state no one else is in: it cannot be a rename
	next = append(next, added)
	at := t0.Add(24 * time.Hour)
	res := commit(t, s, Cycle{At: at, Inputs: []Input{input(t, sheet.Participating, "2025-06-02", next)}})

	want := map[diff.Kind]string{diff.Added: "31", diff.Removed: "6", diff.Changed: "8"}
	if len(res.Changes) != len(want) {
		t.Fatalf("changes: got %d %+v, want %d", len(res.Changes), res.Changes, len(want))
	}
	seenIDs := map[uint64]bool{}
	for _, c := range res.Changes {
		t.Run(string(c.Kind), func(t *testing.T) {
			if c.AgreementID != want[c.Kind] {
				t.Errorf("agreement: got %q, want %q", c.AgreementID, want[c.Kind])
			}
			if c.ID == 0 || seenIDs[c.ID] {
				t.Errorf("id: got %d, want a fresh non-zero id", c.ID)
			}
			seenIDs[c.ID] = true
			if c.BeforeSnapshot != 1 || c.AfterSnapshot != 2 || c.BeforePublished != "2025-06-01" || c.AfterPublished != "2025-06-02" {
				t.Errorf("snapshots: got %d/%s → %d/%s, want 1/2025-06-01 → 2/2025-06-02", c.BeforeSnapshot, c.BeforePublished, c.AfterSnapshot, c.AfterPublished)
			}
			if !c.DetectedAt.Equal(at) || c.List != sheet.Participating {
				t.Errorf("detected/list: got %v %s, want %v participating", c.DetectedAt, c.List, at)
			}
			stored, err := s.Change(ctx, c.ID)
			if err != nil || stored.AgreementID != c.AgreementID {
				t.Errorf("stored change: got %+v (%v), want agreement %s", stored, err, c.AgreementID)
			}
		})
	}
	snap := res.Outcomes[0].Snapshot
	if snap.Added != 1 || snap.Removed != 1 || snap.Changed != 1 || snap.Agreements != 30 {
		t.Errorf("snapshot counts: got +%d -%d ~%d =%d, want +1 -1 ~1 =30", snap.Added, snap.Removed, snap.Changed, snap.Agreements)
	}
	info, hist, err := s.Agreement(ctx, "6")
	if err != nil || info.Active || info.LastSnapshot != 1 || len(hist) != 1 || hist[0].Kind != diff.Removed {
		t.Errorf("removed agreement: got %+v %+v (%v), want inactive, last in snapshot 1, one removal", info, hist, err)
	}
	info, _, err = s.Agreement(ctx, "8")
	if err != nil || !info.Active || info.Type != "Municipality" || info.LastSnapshot != 2 || info.FirstSnapshot != 1 {
		t.Errorf("changed agreement: got %+v (%v), want active Municipality, snapshots 1…2", info, err)
	}
	info, _, err = s.Agreement(ctx, "31")
	if err != nil || info.Since != "2025-06-02" || info.State != "WY" {
		t.Errorf("added agreement: got %+v (%v), want WY since 2025-06-02", info, err)
	}
}

func TestGuard(t *testing.T) {
	tests := []struct {
		name       string
		prev, next int
		guard      Guard
		want       string
	}{
		{"half the rows gone", 60, 30, Guard{}, Quarantined},
		{"8 percent gone", 300, 275, Guard{}, Accepted},
		{"15 percent but only 15 rows", 100, 85, Guard{}, Accepted},
		{"stricter configured share", 300, 275, Guard{MaxDropShare: 0.05, MaxDropRows: 10}, Quarantined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, tt.prev))}})
			res := commit(t, s, Cycle{Guard: tt.guard, Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, tt.next))}})
			if got := res.Outcomes[0].Snapshot.Status; got != tt.want {
				t.Errorf("status: got %s, want %s", got, tt.want)
			}
			if got := res.Quarantined(); got != (tt.want == Quarantined) {
				t.Errorf("Quarantined(): got %v, want %v", got, tt.want == Quarantined)
			}
		})
	}
}

func TestQuarantineAndAccept(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	all := Recipient{ID: "email:all@example.org"}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 60))}})
	res := commit(t, s, Cycle{
		Inputs:     []Input{input(t, sheet.Participating, "2025-06-02", span(0, 30))},
		Recipients: []Recipient{all}, Operators: []string{"email:ops@example.org"},
	})
	o := res.Outcomes[0]
	if o.Snapshot.Status != Quarantined || o.Dropped != 30 || !strings.Contains(o.Snapshot.Reason, "30 of the 60") {
		t.Fatalf("outcome: got %s dropped %d reason %q, want quarantined, 30 dropped", o.Snapshot.Status, o.Dropped, o.Snapshot.Reason)
	}
	if len(res.Changes) != 0 {
		t.Errorf("changes: got %d, want none recorded", len(res.Changes))
	}
	if ch, _, _ := s.Changes(ctx, ChangeQuery{}); len(ch) != 0 {
		t.Errorf("stored changes: got %d, want 0", len(ch))
	}
	latest, _, err := s.Agreements(ctx, sheet.Participating, 0)
	if err != nil || latest.ID != 1 || latest.Agreements != 60 {
		t.Errorf("current: got snapshot %d with %d (%v), want snapshot 1 with 60", latest.ID, latest.Agreements, err)
	}
	ds, _ := s.Deliveries(ctx, "")
	if len(ds) != 1 || ds[0].Recipient != "email:ops@example.org" || ds[0].Alert == nil {
		t.Fatalf("outbox: got %+v, want one alert to the operator", ds)
	}
	// The alert is data; notify writes its words.
	a := *ds[0].Alert
	want := Alert{Kind: AlertQuarantine, SnapshotID: 2, List: sheet.Participating, FileName: o.Snapshot.FileName,
		SourceURL: o.Snapshot.SourceURL, Published: "2025-06-02", SHA256: o.Snapshot.SHA256, Records: 30, Agreements: 30,
		Reason: string(diff.GuardDrops), Detail: o.Snapshot.Reason, Dropped: 30, Previous: 60, PreviousSnapshot: 1, Acceptable: true}
	if a != want {
		t.Errorf("alert: got %+v, want %+v", a, want)
	}
	if v := o.Snapshot.Guard; v == nil || v.Reason != diff.GuardDrops || v.Dropped != 30 || v.Previous != 60 {
		t.Errorf("snapshot verdict: got %+v, want drops 30 of 60", v)
	}

	out, err := s.Accept(ctx, 2, []Recipient{all}, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("accept: %v", err)
	}
	if out.Snapshot.Status != Accepted || out.Snapshot.Removed != 30 {
		t.Errorf("accepted: got %s with %d removed, want accepted with 30", out.Snapshot.Status, out.Snapshot.Removed)
	}
	ch, _, _ := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Removed}}})
	if len(ch) != 30 {
		t.Errorf("removed changes: got %d, want 30", len(ch))
	}
	if latest, _ := s.Latest(ctx, sheet.Participating); latest.ID != 2 {
		t.Errorf("latest: got %d, want 2", latest.ID)
	}
	if ds, _ := s.Deliveries(ctx, DeliveryPending); len(ds) != 31 {
		t.Errorf("deliveries: got %d, want 30 changes + 1 alert", len(ds))
	}
	if _, err := s.Accept(ctx, 2, nil, t0); !errors.Is(err, ErrNotQuarantined) {
		t.Errorf("second accept: got %v, want ErrNotQuarantined", err)
	}
}

// An old quarantined snapshot accepted after a later one takes its place
// in the history (the history is a function of the archived files), and
// nothing is announced: the history equals accepting it before the later
// list came, and the later list's change keeps its id.
func TestAcceptAfterALaterSnapshotTakesItsPlace(t *testing.T) {
	ctx := context.Background()
	files := []Input{
		input(t, sheet.Participating, "2025-06-01", span(0, 60)),
		input(t, sheet.Participating, "2025-06-02", span(0, 30)),
		input(t, sheet.Participating, "2025-06-03", span(0, 61)),
	}
	ref := openTemp(t)
	commit(t, ref, Cycle{Inputs: files[:1]})
	commit(t, ref, Cycle{Inputs: files[1:2]})
	if _, err := ref.Accept(ctx, 2, nil, t0); err != nil {
		t.Fatal(err)
	}
	commit(t, ref, Cycle{Inputs: files[2:]})

	s := openTemp(t)
	rcpt := []Recipient{{ID: "email:metro@example.org"}}
	for _, in := range files {
		commit(t, s, Cycle{Inputs: []Input{in}, Recipients: rcpt})
	}
	ch, _, _ := s.Changes(ctx, ChangeQuery{})
	if len(ch) != 1 || ch[0].Kind != diff.Added {
		t.Fatalf("changes before the accept: got %+v, want only snapshot 3's one addition", ch)
	}
	handed := ch[0].ID
	deliveries, _ := s.Deliveries(ctx, "")
	out, err := s.Accept(ctx, 2, rcpt, t0)
	if err != nil {
		t.Fatal(err)
	}
	if out.Snapshot.Status != Accepted || out.Snapshot.Removed != 30 {
		t.Errorf("accept: got %s with %d removed, want accepted with 30 removed", out.Snapshot.Status, out.Snapshot.Removed)
	}
	sameHistory(t, readHistory(t, s), readHistory(t, ref))
	if got, err := s.Change(ctx, handed); err != nil || got.Kind != diff.Added {
		t.Errorf("change %d handed out before the accept: got %+v, %v, want the addition", handed, got, err)
	}
	if after, _ := s.Deliveries(ctx, ""); len(after) != len(deliveries) {
		t.Errorf("deliveries: got %d, want the %d of before (history is never announced)", len(after), len(deliveries))
	}
	if latest, _ := s.Latest(ctx, sheet.Participating); latest.ID != 3 {
		t.Errorf("latest: got %d, want 3", latest.ID)
	}
}

func TestPendingPromotionIsNotDropped(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var pend []sheet.Record
	for i := 1000; i < 1054; i++ {
		pend = append(pend, pendingRec(i))
	}
	commit(t, s, Cycle{Inputs: []Input{
		input(t, sheet.Pending, "2025-11-03", pend),
		input(t, sheet.Participating, "2025-11-03", span(0, 100)),
	}})
	// 36 pending agencies sign; the pending list keeps 16 of the other 18.
	part := span(0, 100)
	for i := 1000; i < 1036; i++ {
		part = append(part, rec(i))
	}
	var still []sheet.Record
	for i := 1036; i < 1052; i++ {
		still = append(still, pendingRec(i))
	}
	// Pending comes first in the cycle: Commit must still diff participating first.
	res := commit(t, s, Cycle{Guard: Guard{MaxDropShare: 0.10, MaxDropRows: 20}, Inputs: []Input{
		input(t, sheet.Pending, "2025-11-04", still),
		input(t, sheet.Participating, "2025-11-04", part),
	}})
	p := res.Outcomes[0]
	if p.Snapshot.Status != Accepted || p.Dropped != 2 || p.Snapshot.Removed != 38 {
		t.Fatalf("pending: got %s, dropped %d, removed %d (%s), want accepted, 2 dropped of 38 removed", p.Snapshot.Status, p.Dropped, p.Snapshot.Removed, p.Snapshot.Reason)
	}
	promoted := 0
	for _, c := range res.Changes {
		if c.List == sheet.Pending && c.PromotedTo != "" {
			promoted++
		}
	}
	if promoted != 36 {
		t.Errorf("promoted: got %d, want 36", promoted)
	}
	ch, _, _ := s.Changes(ctx, ChangeQuery{Filter: diff.Filter{Lists: []string{"participating"}}})
	if len(ch) != 36 || ch[0].WasPendingSince != "2025-11-03" {
		t.Errorf("participating added: got %d (first %+v), want 36 with was_pending_since 2025-11-03", len(ch), ch)
	}
}

func TestHeaderOnlyPendingIsAccepted(t *testing.T) {
	tests := []struct {
		name   string
		before int // pending rows before; -1: none (the header-only file is the baseline)
	}{
		{"as baseline", -1},
		{"after three rows", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			if tt.before >= 0 {
				var pend []sheet.Record
				for i := range tt.before {
					pend = append(pend, pendingRec(i))
				}
				commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Pending, "2025-06-01", pend)}})
			}
			res := commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Pending, "2025-06-02", nil)}})
			o := res.Outcomes[0]
			if o.Snapshot.Status != Accepted || o.Snapshot.Agreements != 0 || o.Snapshot.Removed != max(tt.before, 0) {
				t.Errorf("got %s with %d agreements, %d removed, want accepted, 0, %d", o.Snapshot.Status, o.Snapshot.Agreements, o.Snapshot.Removed, max(tt.before, 0))
			}
		})
	}
}

func TestUnrecognisedHeaderIsQuarantined(t *testing.T) {
	tests := []struct {
		name string
		in   Input
	}{
		{"parsed by the store", Input{Name: "block.xlsx", Body: []byte("<html>blocked</html>")}},
		{"caller's parse error", Input{Name: "odd.xlsx", Body: []byte("PK odd"), ParseErr: fmt.Errorf("parse odd.xlsx: %w", sheet.ErrNoHeader)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTemp(t)
			res := commit(t, s, Cycle{Inputs: []Input{tt.in}, Operators: []string{"email:ops@example.org"}})
			snap := res.Outcomes[0].Snapshot
			if snap.Status != Quarantined || snap.Readable() || !strings.Contains(snap.Reason, "header") {
				t.Errorf("snapshot: got %+v, want quarantined, unreadable, reason about the header", snap)
			}
			body, err := s.File(ctx, snap.SHA256)
			if err != nil || !bytes.Equal(body, tt.in.Body) {
				t.Errorf("archive: got %q (%v), want the original bytes", body, err)
			}
			if ds, _ := s.Deliveries(ctx, ""); len(ds) != 1 || ds[0].Alert == nil {
				t.Errorf("alerts: got %+v, want one", ds)
			}
			_, err = s.Accept(ctx, snap.ID, nil, t0)
			if err == nil || errors.Is(err, ErrNotQuarantined) || !strings.Contains(err.Error(), "header") {
				t.Errorf("accept: got %v, want a clear refusal about the header", err)
			}
		})
	}
}

func TestAgreementsAtOldSnapshot(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	var then [][]diff.Agreement
	files := [][]sheet.Record{span(0, 20), append(span(1, 20), rec(200)), append(span(2, 20), rec(200), rec(201))}
	for i, recs := range files {
		commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, fmt.Sprintf("2025-06-%02d", i+1), recs)}})
		_, aggs, err := s.Agreements(ctx, sheet.Participating, 0)
		if err != nil {
			t.Fatal(err)
		}
		then = append(then, aggs)
	}
	for i, want := range then {
		t.Run(fmt.Sprintf("snapshot %d", i+1), func(t *testing.T) {
			snap, got, err := s.Agreements(ctx, sheet.Participating, uint64(i+1))
			if err != nil {
				t.Fatal(err)
			}
			if snap.ID != uint64(i+1) || !reflect.DeepEqual(got, want) {
				t.Errorf("got snapshot %d ids %v, want %d ids %v", snap.ID, ids(got), i+1, ids(want))
			}
		})
	}
	snap, got, err := s.AgreementsAt(ctx, sheet.Participating, "2025-06-02")
	if err != nil || snap.ID != 2 || !reflect.DeepEqual(got, then[1]) {
		t.Errorf("at 2025-06-02: got snapshot %d (%v), want 2", snap.ID, err)
	}
	if _, _, err := s.AgreementsAt(ctx, sheet.Participating, "2025-05-31"); !errors.Is(err, ErrNotFound) {
		t.Errorf("before the baseline: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.Agreements(ctx, sheet.Pending, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("wrong list: got %v, want ErrNotFound", err)
	}
}

func TestChangesQuery(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 40))}})
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(0, 48))}}) // +8
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-20", span(4, 48))}}) // -4

	all, next, err := s.Changes(ctx, ChangeQuery{})
	if err != nil || len(all) != 12 || next != 0 {
		t.Fatalf("all: got %d next %d (%v), want 12 and 0", len(all), next, err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("order: got id %d after %d, want newest first", all[i].ID, all[i-1].ID)
		}
	}
	var paged []diff.Change
	q := ChangeQuery{Limit: 5}
	for range 10 {
		page, next, err := s.Changes(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if next == 0 {
			break
		}
		q.Cursor = next
	}
	if !reflect.DeepEqual(paged, all) {
		t.Errorf("pages: got %d changes, want the same %d as one query", len(paged), len(all))
	}

	tests := []struct {
		name string
		q    ChangeQuery
		want int
	}{
		{"texas", ChangeQuery{Filter: diff.Filter{States: []string{"TX"}}}, 2},
		{"removed", ChangeQuery{Filter: diff.Filter{Kinds: []diff.Kind{diff.Removed}}}, 4},
		{"pending list", ChangeQuery{Filter: diff.Filter{Lists: []string{"pending"}}}, 0},
		{"since june 15", ChangeQuery{Since: time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)}, 4},
		{"until june 15", ChangeQuery{Until: time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)}, 8},
		{"june 10 to 11", ChangeQuery{Since: time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 6, 11, 0, 0, 0, 0, time.UTC)}, 8},
		// Until is inclusive: since D until D is day D.
		{"since and until june 10", ChangeQuery{Since: time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)}, 8},
		{"since and until june 20", ChangeQuery{Since: time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC), Until: time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)}, 4},
		{"until june 20", ChangeQuery{Until: time.Date(2025, 6, 20, 0, 0, 0, 0, time.UTC)}, 12},
		{"until june 9", ChangeQuery{Until: time.Date(2025, 6, 9, 0, 0, 0, 0, time.UTC)}, 0},
		{"until june 10, time of day ignored", ChangeQuery{Until: time.Date(2025, 6, 10, 7, 30, 0, 0, time.UTC)}, 8},
		{"since june 10, time of day ignored", ChangeQuery{Since: time.Date(2025, 6, 10, 23, 0, 0, 0, time.UTC)}, 12},
		{"one agreement", ChangeQuery{AgreementID: "1"}, 1},
		{"cursor", ChangeQuery{Cursor: all[2].ID}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := s.Changes(ctx, tt.q)
			if err != nil || len(got) != tt.want {
				t.Errorf("got %d (%v), want %d", len(got), err, tt.want)
			}
		})
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	recipients := []Recipient{
		{ID: "email:all@example.org"},
		{ID: "email:tx@example.org", Filter: diff.Filter{States: []string{"TX"}}},
		{ID: "webhook:https://example.org/h", Filter: diff.Filter{Kinds: []diff.Kind{diff.Removed}}},
	}
	commit(t, s, Cycle{Recipients: recipients, Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 40))}})
	// +8 (rec 40…47: one in TX), then −4 (rec 0…3: one in TX)
	commit(t, s, Cycle{Recipients: recipients, Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(0, 48))}})
	at := t0.Add(time.Hour)
	commit(t, s, Cycle{At: at, Recipients: recipients, Inputs: []Input{input(t, sheet.Participating, "2025-06-20", span(4, 48))}})

	ds, err := s.Deliveries(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, d := range ds {
		per[d.Recipient]++
		if d.State != DeliveryPending || d.ChangeID == 0 {
			t.Errorf("delivery %d: got %s change %d, want pending with a change", d.ID, d.State, d.ChangeID)
		}
	}
	want := map[string]int{"email:all@example.org": 12, "email:tx@example.org": 2, "webhook:https://example.org/h": 4}
	if !reflect.DeepEqual(per, want) {
		t.Errorf("per recipient: got %v, want %v", per, want)
	}

	// The cycle at t0 brought 8 additions (one in TX) and no removal.
	if due, _ := s.Due(ctx, t0, 0); len(due) != 9 {
		t.Errorf("due at t0: got %d, want the 9 deliveries of the cycle at t0", len(due))
	}
	if due, _ := s.Due(ctx, at, 0); len(due) != 18 {
		t.Errorf("due at %v: got %d, want 18", at, len(due))
	}
	if due, _ := s.Due(ctx, at, 3); len(due) != 3 || due[0].ID != ds[0].ID {
		t.Errorf("due limit: got %d starting %d, want 3 starting %d", len(due), due[0].ID, ds[0].ID)
	}

	if err := s.MarkSent(ctx, []uint64{ds[0].ID, ds[1].ID}, at); err != nil {
		t.Fatal(err)
	}
	later := at.Add(time.Hour)
	if err := s.MarkFailed(ctx, ds[2].ID, "connection refused", later, false); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, ds[3].ID, "410 gone", time.Time{}, true); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(ctx, at, 0); len(due) != 14 {
		t.Errorf("due after sent/failed: got %d, want 14", len(due))
	}
	if due, _ := s.Due(ctx, later, 0); len(due) != 15 {
		t.Errorf("due at the retry time: got %d, want 15", len(due))
	}
	d, _ := s.Delivery(ctx, ds[2].ID)
	if d.Attempts != 1 || d.LastError != "connection refused" || !d.NextAttempt.Equal(later) {
		t.Errorf("failed delivery: got %+v, want 1 attempt, its error, next %v", d, later)
	}
	if dead, _ := s.Deliveries(ctx, DeliveryDead); len(dead) != 1 || dead[0].ID != ds[3].ID {
		t.Errorf("dead: got %+v, want delivery %d", dead, ds[3].ID)
	}
	if sent, _ := s.Deliveries(ctx, DeliverySent); len(sent) != 2 || sent[0].SentAt.IsZero() {
		t.Errorf("sent: got %+v, want 2 with SentAt", sent)
	}
	if err := s.Retry(ctx, ds[3].ID, at); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.Due(ctx, at, 0); len(due) != 15 {
		t.Errorf("due after retry: got %d, want 15", len(due))
	}
	if err := s.Retry(ctx, ds[0].ID, at); err == nil {
		t.Errorf("retry of a sent delivery: got nil, want an error")
	}
	if _, err := s.Delivery(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown delivery: got %v, want ErrNotFound", err)
	}
	a, err := s.EnqueueAlert(ctx, "email:ops@example.org", Alert{Kind: "stale", Subject: "stale"}, later)
	if err != nil || a.ID == 0 || a.State != DeliveryPending {
		t.Fatalf("alert: got %+v (%v), want a pending delivery", a, err)
	}
	if due, _ := s.Due(ctx, later, 0); len(due) != 17 || due[len(due)-1].ID != a.ID {
		t.Errorf("due with the alert: got %d, want 17 ending with the alert", len(due))
	}
}

func TestVerifyDetectsCorruption(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.db")
	s := openAt(t, path)
	res := commit(t, s, Cycle{Inputs: []Input{
		input(t, sheet.Participating, "2025-06-01", span(0, 5)),
		input(t, sheet.Pending, "2025-06-01", span(10, 12)),
	}})
	if m, err := s.Verify(ctx); err != nil || !m.OK() {
		t.Fatalf("clean verify: got %+v (%v), want none", m, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	sha := res.Outcomes[1].Snapshot.SHA256
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		k := chunkKey(sha, 0)
		v := bytes.Clone(b.Get(k))
		v[len(v)/2] ^= 0x01
		return b.Put(k, v)
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
	if m := rep.Files; len(m) != 1 || m[0].SHA256 != sha || m[0].Got == sha || len(rep.Records) != 0 {
		t.Errorf("verify: got %+v, want one file mismatch for %s", rep, sha)
	}
}

func TestFindAgreements(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	dona := rec(1)
	dona.Agency, dona.AgencyRaw, dona.State = "Doña Ana County Sheriff’s Office", "Doña Ana County Sheriff’s Office ", "NM"
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", append(span(2, 10), dona))}})
	tests := []struct {
		query string
		want  int
	}{
		{"dona ana", 1},
		{"DOÑA", 1},
		{"sheriff", 9},
		{"3", 1}, // the id
		{"nowhere", 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := s.FindAgreements(ctx, tt.query)
			if err != nil || len(got) != tt.want {
				t.Errorf("got %d (%v), want %d", len(got), err, tt.want)
			}
			for _, a := range got {
				if !a.Active || a.LastSnapshot != 1 {
					t.Errorf("agreement %s: got active %v last %d, want active, last snapshot 1", a.ID, a.Active, a.LastSnapshot)
				}
			}
		})
	}
}

func TestRecordChecksAndSeries(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	url := "https://www.ice.gov/doclib/p.xlsx"
	for i := range 3 {
		err := s.RecordChecks(ctx, []Check{{At: t0.Add(time.Duration(i) * time.Minute), URL: url, Status: 304, Outcome: "not_modified"}},
			[]Validator{{URL: url, LastModified: fmt.Sprintf("v%d", i)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	checks, err := s.Checks(ctx, 2)
	if err != nil || len(checks) != 2 || !checks[0].At.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("checks: got %+v (%v), want the 2 newest, newest first", checks, err)
	}
	if v, _ := s.Validator(ctx, url); v.LastModified != "v2" {
		t.Errorf("validator: got %q, want v2", v.LastModified)
	}
	if v, _ := s.Validator(ctx, "https://unknown"); v != (Validator{URL: "https://unknown"}) {
		t.Errorf("unknown validator: got %+v, want zero", v)
	}
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 60))}})
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-02", span(0, 10))}}) // quarantined
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-03", span(0, 61))}})
	series, err := s.Series(ctx)
	if err != nil || len(series) != 2 || series[0].Agreements != 60 || series[1].Agreements != 61 {
		t.Errorf("series: got %+v (%v), want the 2 accepted snapshots with 60 and 61", series, err)
	}
	size, err := s.Size()
	if err != nil || size <= 0 {
		t.Errorf("size: got %d (%v), want > 0", size, err)
	}
}

// TestGuardParticipatingReadAsPending: a participating list whose SIGNED
// column ICE renamed past recognition reads as a pending list. It holds the
// participating agreements, so it is quarantined instead of announcing
// hundreds of signed agreements as new pending agencies; a real pending
// list that shares a few agencies with the participating list is accepted.
func TestGuardParticipatingReadAsPending(t *testing.T) {
	s := openAt(t, filepath.Join(t.TempDir(), "w.db"))
	pend := []sheet.Record{pendingRec(500), pendingRec(501), pendingRec(502)}
	commit(t, s, Cycle{Inputs: []Input{
		input(t, sheet.Participating, "2025-06-01", span(0, 60)),
		input(t, sheet.Pending, "2025-06-01", pend),
	}})

	// A genuine pending list: two new agencies and three that are also
	// participating (one model signed, another pending, or a lag).
	genuine := append(pend, pendingRec(503), pendingRec(504), pendingRec(0), pendingRec(1), pendingRec(2))
	res := commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Pending, "2025-06-02", genuine)}})
	if got := res.Outcomes[0].Snapshot.Status; got != Accepted {
		t.Fatalf("genuine pending list: got %s (%s), want accepted", got, res.Outcomes[0].Snapshot.Reason)
	}

	var misread []sheet.Record
	for i := range 60 {
		misread = append(misread, pendingRec(i))
	}
	res = commit(t, s, Cycle{Operators: []string{"operator"}, Inputs: []Input{input(t, sheet.Pending, "2025-06-03", misread)}})
	snap := res.Outcomes[0].Snapshot
	if snap.Status != Quarantined || !strings.Contains(snap.Reason, "SIGNED") {
		t.Fatalf("participating rows read as pending: got %s (%q), want quarantined naming the SIGNED column", snap.Status, snap.Reason)
	}
	if len(res.Changes) != 0 {
		t.Fatalf("quarantined file announced %d changes", len(res.Changes))
	}
	due, err := s.Due(context.Background(), t0.Add(time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 1 || due[0].Alert == nil || due[0].Alert.Kind != "quarantine" {
		t.Fatalf("operator alerts due: got %+v, want one quarantine alert", due)
	}
}
