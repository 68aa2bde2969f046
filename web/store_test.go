package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Compile-time check that the real store is what the server reads.
var _ Store = (*store.Store)(nil)

// fixture is a real bbolt store holding three snapshots: a participating
// baseline, a pending list, and a participating list that adds two
// agreements (one promoted from pending), removes one and changes one.
type fixture struct {
	st *store.Store
	// bodies by snapshot id: the exact bytes committed.
	bodies              map[uint64][]byte
	part1, pend1, part2 store.Snapshot
	at                  time.Time
}

var (
	harris = sheet.Record{Row: 2, State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office",
		AgencyRaw: "Harris County Sheriff’s Office", Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
		Signed: "2025-01-05", SignedRaw: "45662", MOAURL: "https://www.ice.gov/doclib/287g/harrisCountyTX.pdf", MOAText: "link"}
	alachua = sheet.Record{Row: 3, State: "FL", StateName: "FLORIDA", Agency: "Alachua County Sheriff's Office",
		AgencyRaw: "Alachua County Sheriff's Office", Type: "County", Model: sheet.JailEnforcement,
		ModelRaw: "Jail Enforcement Model", Signed: "2019-06-01", SignedRaw: "43617"}
	travis = sheet.Record{Row: 4, State: "TX", StateName: "TEXAS", Agency: "Travis County Constable Pct. 5",
		AgencyRaw: "Travis County Constable Pct. 5", Type: "County", Model: sheet.WarrantServiceOfficer,
		ModelRaw: "Warrant Service Officer", Signed: "2025-02-20", SignedRaw: "45708"}
	tulsa = sheet.Record{Row: 2, State: "OK", StateName: "OKLAHOMA", Agency: "Tulsa Police Department",
		AgencyRaw: "Tulsa Police Department", Type: "Municipality", Model: sheet.TaskForce, ModelRaw: "Task Force Model"}
	// cobb carries markup, as a stand-in for anything odd in ICE's cells:
	// every page and the feed must show it as text.
	cobb = sheet.Record{Row: 5, State: "GA", StateName: "GEORGIA", Agency: `Cobb County <script>alert("x")</script> & Sons`,
		AgencyRaw: `Cobb County <script>alert("x")</script> & Sons`, Type: "County", Model: sheet.JailEnforcement,
		ModelRaw: "Jail Enforcement Model", Signed: "2025-01-28", SignedRaw: "45685"}
)

// xlsxBytes writes records as a real workbook, so the archive holds what a
// browser can download and open.
func xlsxBytes(t testing.TB, list sheet.List, recs []sheet.Record) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	header := []any{"STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE"}
	if list == sheet.Participating {
		header = append(header, "SIGNED", "MOA")
	}
	// Extra columns (COUNTY, …) after the others, when any record has one.
	var extra []string
	for _, r := range recs {
		for k := range r.Extra {
			if !slices.Contains(extra, k) {
				extra = append(extra, k)
			}
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		header = append(header, k)
	}
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		t.Fatalf("write header: %v", err)
	}
	for i, r := range recs {
		row := []any{r.StateName, r.AgencyRaw, r.Type, r.ModelRaw}
		if list == sheet.Participating {
			row = append(row, r.Signed, r.MOAText)
		}
		for _, k := range extra {
			row = append(row, r.Extra[k])
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatalf("write row: %v", err)
		}
		if list == sheet.Participating && r.MOAURL != "" {
			moa, _ := excelize.CoordinatesToCellName(6, i+2)
			if err := f.SetCellHyperLink("Sheet1", moa, r.MOAURL, "External"); err != nil {
				t.Fatalf("write MOA link: %v", err)
			}
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatalf("write workbook: %v", err)
	}
	return b.Bytes()
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return st
}

// commitFile commits one file as one cycle with a successful check.
func (fx *fixture) commitFile(t testing.TB, list sheet.List, name, published string, at time.Time, recs []sheet.Record) store.Snapshot {
	t.Helper()
	body := xlsxBytes(t, list, recs)
	src := "https://www.ice.gov/doclib/about/offices/ero/287g/" + name
	res, err := fx.st.Commit(context.Background(), store.Cycle{
		At: at,
		// No Parsed: the store reads the workbook with the real reader,
		// as it does when it rebuilds an old snapshot.
		Inputs: []store.Input{{Source: src, Name: name, Body: body, Published: published, SeenAt: at}},
		Checks: []store.Check{{At: at, URL: src, Status: 200, Bytes: int64(len(body)), Outcome: store.CheckDownloaded}},
		Guard:  store.Guard{MaxDropShare: store.DefaultMaxDropShare, MaxDropRows: store.DefaultMaxDropRows},
	})
	if err != nil {
		t.Fatalf("commit %s: %v", name, err)
	}
	if len(res.Outcomes) != 1 {
		t.Fatalf("commit %s: got %d outcomes, want 1", name, len(res.Outcomes))
	}
	snap := res.Outcomes[0].Snapshot
	sum := sha256.Sum256(body)
	if snap.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("commit %s: got sha256 %s, want %x", name, snap.SHA256, sum)
	}
	fx.bodies[snap.ID] = body
	fx.at = at
	return snap
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	fx := &fixture{st: openStore(t), bodies: map[uint64][]byte{}}
	t0 := time.Date(2025, 1, 10, 15, 0, 0, 0, time.UTC)
	fx.part1 = fx.commitFile(t, sheet.Participating, "participatingAgencies01102025am.xlsx", "2025-01-10", t0,
		[]sheet.Record{harris, alachua, travis})
	fx.pend1 = fx.commitFile(t, sheet.Pending, "pendingAgencies01102025am.xlsx", "2025-01-10", t0.Add(time.Minute),
		[]sheet.Record{tulsa})
	harris2 := harris
	harris2.Signed, harris2.SignedRaw = "2025-01-06", "45663"
	tulsa2 := tulsa
	tulsa2.Signed, tulsa2.SignedRaw, tulsa2.Row = "2025-01-30", "45687", 5
	fx.part2 = fx.commitFile(t, sheet.Participating, "participatingAgencies02012025pm.xlsx", "2025-02-01",
		t0.Add(22*24*time.Hour), []sheet.Record{harris2, travis, cobb, tulsa2})
	return fx
}

// agreementID finds the id of the agreement whose agency is name.
func (fx *fixture) agreementID(t *testing.T, name string) string {
	t.Helper()
	found, err := fx.st.FindAgreements(context.Background(), name)
	if err != nil {
		t.Fatalf("find %q: %v", name, err)
	}
	for _, a := range found {
		if a.Agency == name {
			return a.ID
		}
	}
	t.Fatalf("find %q: got %d agreements, none with that agency", name, len(found))
	return ""
}

// fakeStore is a Store whose methods are function fields; a nil field
// answers ErrNotFound or nothing. It stands in for failures a real store
// does not produce on demand.
type fakeStore struct {
	changes     func(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error)
	checks      func(ctx context.Context, limit int) ([]store.Check, error)
	lastSuccess func(ctx context.Context) (time.Time, error)
}

func (f *fakeStore) Snapshots(ctx context.Context) ([]store.Snapshot, error) { return nil, nil }
func (f *fakeStore) SnapshotsPage(ctx context.Context, before uint64, limit int) ([]store.Snapshot, uint64, error) {
	return nil, 0, nil
}
func (f *fakeStore) SnapshotsAfter(ctx context.Context, after uint64, limit int) ([]store.Snapshot, error) {
	return nil, nil
}
func (f *fakeStore) Snapshot(ctx context.Context, id uint64) (store.Snapshot, error) {
	return store.Snapshot{}, store.ErrNotFound
}
func (f *fakeStore) File(ctx context.Context, sha string) ([]byte, error) {
	return nil, store.ErrNotFound
}
func (f *fakeStore) Latest(ctx context.Context, list sheet.List) (store.Snapshot, error) {
	return store.Snapshot{}, store.ErrNotFound
}
func (f *fakeStore) Agreements(ctx context.Context, list sheet.List, at uint64) (store.Snapshot, []diff.Agreement, error) {
	return store.Snapshot{}, nil, store.ErrNotFound
}
func (f *fakeStore) AgreementsAt(ctx context.Context, list sheet.List, date string) (store.Snapshot, []diff.Agreement, error) {
	return store.Snapshot{}, nil, store.ErrNotFound
}
func (f *fakeStore) Agreement(ctx context.Context, id string) (store.AgreementInfo, []diff.Change, error) {
	return store.AgreementInfo{}, nil, store.ErrNotFound
}
func (f *fakeStore) FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error) {
	return nil, nil
}
func (f *fakeStore) Changes(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error) {
	if f.changes != nil {
		return f.changes(ctx, q)
	}
	return nil, 0, nil
}
func (f *fakeStore) SnapshotChanges(ctx context.Context, id uint64) ([]diff.Change, error) {
	return nil, store.ErrNotFound
}
func (f *fakeStore) Checks(ctx context.Context, limit int) ([]store.Check, error) {
	if f.checks != nil {
		return f.checks(ctx, limit)
	}
	return nil, nil
}
func (f *fakeStore) LastSuccess(ctx context.Context) (time.Time, error) {
	if f.lastSuccess != nil {
		return f.lastSuccess(ctx)
	}
	return time.Time{}, nil
}
func (f *fakeStore) LastError(ctx context.Context) (time.Time, string, error) {
	return time.Time{}, "", nil
}
func (f *fakeStore) Series(ctx context.Context) ([]store.Series, error) { return nil, nil }
func (f *fakeStore) Deliveries(ctx context.Context, state string) ([]store.Delivery, error) {
	return nil, nil
}

// The real store answers the cheap version, so the server does not fall
// back to reading snapshots on every request.
var _ Versioner = (*store.Store)(nil)
