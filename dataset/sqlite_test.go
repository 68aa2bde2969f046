package dataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/sqlitetest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// hostileAgency is an agency name that would end a statement built by
// pasting values into SQL.
const hostileAgency = `Bobby "Tables" County'); DROP TABLE agreements; -- Sheriff's Office`

// fixtureStore commits three days of generated lists through the real
// store:
//
//	2025-09-02  participating: Harris (TX), Doña Ana (NM), the hostile
//	            name (TX), Sample County 1–6; pending: Travis (TX),
//	            Sample Town (GA)                                   (baselines)
//	2025-09-03  participating: Sample County 3 dropped, Travis signed;
//	            pending: Travis gone (a promotion)
//	2025-09-04  participating: Harris's signed date corrected
func fixtureStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "w.db"), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	base := [][]string{
		{"TEXAS", "Harris County Sheriff's Office", "County", "Jail Enforcement Model", "2025-01-02", "link"},
		{"NEW MEXICO", "Doña Ana County Sheriff's Office", "County", "Task Force Model", "2025-02-03", "link"},
		{"TEXAS", hostileAgency, "County", "Warrant Service Officer", "2025-03-04", "link"},
	}
	p1 := append(slices.Clone(base), scrapertest.SampleRows(sheet.Participating, 6)...)
	p2 := slices.DeleteFunc(slices.Clone(p1), func(r []string) bool { return r[1] == "Sample County 3 Sheriff's Office" })
	p2 = append(p2, []string{"TEXAS", "Travis County Sheriff's Office", "County", "Task Force Model", "2025-09-01", "link"})
	p3 := slices.Clone(p2)
	p3[0] = slices.Clone(p3[0])
	p3[0][4] = "2025-01-03"
	pend1 := [][]string{
		{"TEXAS", "Travis County Sheriff's Office", "County", "Task Force Model"},
		{"GEORGIA", "Sample Town Police Department", "Municipality", "Task Force Model"},
	}
	pend2 := pend1[1:]
	days := []struct {
		day, stamp string
		part, pend [][]string
	}{
		{"2025-09-02", "09022025", p1, pend1},
		{"2025-09-03", "09032025", p2, pend2},
		{"2025-09-04", "09042025", p3, nil},
	}
	for _, d := range days {
		at, err := time.Parse(time.DateOnly, d.day)
		if err != nil {
			t.Fatal(err)
		}
		c := store.Cycle{At: at, Guard: store.Guard{MaxDropShare: 0.5, MaxDropRows: 20}}
		for _, f := range []struct {
			list   sheet.List
			header []string
			rows   [][]string
		}{{sheet.Participating, scrapertest.ParticipatingHeader, d.part}, {sheet.Pending, scrapertest.PendingHeader, d.pend}} {
			if f.rows == nil {
				continue
			}
			name := string(f.list) + "Agencies" + d.stamp + "am.xlsx"
			c.Inputs = append(c.Inputs, store.Input{Source: "https://www.ice.gov/doclib/" + name, Name: name,
				Body: scrapertest.Workbook(t, f.header, f.rows), Published: d.day, SeenAt: at})
		}
		if _, err := st.Commit(t.Context(), c); err != nil {
			t.Fatalf("commit %s: %v", d.day, err)
		}
	}
	return st
}

// openDB opens an exported database read-only with the driver.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	name, err := DSN(path)
	if err != nil {
		t.Fatal(err)
	}
	return sqlitetest.Open(t, name)
}

func TestWriteSQLite(t *testing.T) {
	st := fixtureStore(t)
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), FileName)
	if err := WriteSQLite(ctx, st, path); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	sqlitetest.CheckForeignKeys(t, db)

	snaps, err := st.Snapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := st.FindAgreements(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	changes, _, err := st.Changes(ctx, store.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	agencies := map[string]bool{}
	for _, in := range infos {
		agencies[diff.AgencyID(in.State, in.Agency)] = true
	}
	t.Run("counts", func(t *testing.T) {
		for table, want := range map[string]int{"snapshots": len(snaps), "agreements": len(infos),
			"changes": len(changes), "agencies": len(agencies)} {
			if got := sqlitetest.Int(t, db, "SELECT count(*) FROM "+table); got != want {
				t.Errorf("%s: got %d rows, want %d (the store's)", table, got, want)
			}
		}
		if len(snaps) != 5 || len(changes) == 0 {
			t.Fatalf("fixture: got %d snapshots and %d changes, want 5 and some", len(snaps), len(changes))
		}
		// Every change of an agreement links to it.
		if n := sqlitetest.Int(t, db, "SELECT count(*) FROM changes WHERE agreement_id IS NULL"); n != 0 {
			t.Errorf("changes without an agreement: got %d, want 0", n)
		}
		if n := sqlitetest.Int(t, db, "SELECT count(*) FROM agreements WHERE agency_id IS NULL"); n != 0 {
			t.Errorf("agreements without an agency: got %d, want 0", n)
		}
	})
	t.Run("values", func(t *testing.T) {
		for _, in := range infos {
			var agency, agencyRaw, list, first string
			err := db.QueryRow("SELECT agency, agency_raw, list, first_published FROM agreements WHERE id = ?", in.ID).
				Scan(&agency, &agencyRaw, &list, &first)
			if err != nil {
				t.Fatalf("agreement %s: %v", in.ID, err)
			}
			if agency != in.Agency || agencyRaw != in.AgencyRaw || list != string(in.List) || first != in.FirstPublished {
				t.Errorf("agreement %s: got %q %q %s %s, want %q %q %s %s", in.ID, agency, agencyRaw, list, first,
					in.Agency, in.AgencyRaw, in.List, in.FirstPublished)
			}
		}
	})
	t.Run("hostile name is data", func(t *testing.T) {
		got := sqlitetest.Strings(t, db, "SELECT agency FROM agreements WHERE agency_raw = ?", hostileAgency)
		if !slices.Equal(got, []string{hostileAgency}) {
			t.Errorf("hostile agency: got %q, want it once, as published", got)
		}
		if n := sqlitetest.Int(t, db, "SELECT count(*) FROM sqlite_master WHERE name IN ('agreements', 'agencies', 'changes', 'snapshots')"); n != 4 {
			t.Errorf("tables: got %d of 4", n)
		}
	})
	t.Run("full-text search", func(t *testing.T) {
		for _, tc := range []struct{ query, want string }{
			{"harris", "tx-harris-county-sheriffs-office"},
			{"dona ana", "nm-dona-ana-county-sheriffs-office"}, // accents folded
			{`"drop table"`, diff.AgencyID("TX", hostileAgency)},
		} {
			got := sqlitetest.Strings(t, db, `SELECT a.id FROM agencies_fts JOIN agencies a ON a.rowid = agencies_fts.rowid
				WHERE agencies_fts MATCH ? ORDER BY rank`, tc.query)
			if !slices.Equal(got, []string{tc.want}) {
				t.Errorf("agencies_fts MATCH %s: got %q, want [%s]", tc.query, got, tc.want)
			}
		}
		got := sqlitetest.Strings(t, db, `SELECT a.list FROM agreements_fts JOIN agreements a ON a.rowid = agreements_fts.rowid
			WHERE agreements_fts MATCH 'travis' ORDER BY a.list`)
		if !slices.Equal(got, []string{"participating", "pending"}) {
			t.Errorf("agreements_fts MATCH travis: got %q, want the agreement and the pending record", got)
		}
	})
	t.Run("agency", func(t *testing.T) {
		var name, county, fips string
		var n, listed int
		err := db.QueryRow("SELECT name, county, county_fips, agreements, listed FROM agencies WHERE id = ?",
			"tx-travis-county-sheriffs-office").Scan(&name, &county, &fips, &n, &listed)
		if err != nil {
			t.Fatal(err)
		}
		if name != "Travis County Sheriff's Office" || county != "Travis County" || fips != "48453" || n != 2 || listed != 1 {
			t.Errorf("Travis: got %q %q %q %d agreements, %d listed; want its name, Travis County, 48453, 2, 1",
				name, county, fips, n, listed)
		}
	})
	t.Run("endings", func(t *testing.T) {
		var status, ended string
		err := db.QueryRow("SELECT status, ended FROM agreements WHERE agency = 'Sample County 3 Sheriff''s Office'").
			Scan(&status, &ended)
		if err != nil {
			t.Fatal(err)
		}
		if status != "missing" || ended != "2025-09-03" {
			t.Errorf("dropped agreement: got status %q ended %q, want missing 2025-09-03", status, ended)
		}
		// A pending record's promoted_to is its last removal's (whether
		// the store links a promotion is the store's rule, tested there).
		if n := sqlitetest.Int(t, db, `SELECT count(*) FROM agreements a JOIN changes c ON c.agreement_id = a.id
			AND c.kind = 'removed' WHERE a.promoted_to IS NOT c.promoted_to`); n != 0 {
			t.Errorf("agreements whose promoted_to is not their removal's: got %d, want 0", n)
		}
		var pendStatus, pendEnded string
		if err := db.QueryRow(`SELECT status, ended FROM agreements WHERE list = 'pending' AND agency = 'Travis County Sheriff''s Office'`).
			Scan(&pendStatus, &pendEnded); err != nil || pendStatus == "listed" || pendEnded != "2025-09-03" {
			t.Errorf("pending Travis: got status %q ended %q (%v), want not listed, since 2025-09-03", pendStatus, pendEnded, err)
		}
		// A removal is not yet an ending: confirmed is 0, not NULL.
		if got, want := sqlitetest.Int(t, db, "SELECT count(*) FROM changes WHERE kind = 'removed' AND confirmed = 0"),
			sqlitetest.Int(t, db, "SELECT count(*) FROM changes WHERE kind = 'removed'"); got != want || want == 0 {
			t.Errorf("removals with confirmed = 0: got %d, want all %d", got, want)
		}
		if n := sqlitetest.Int(t, db, "SELECT count(*) FROM agreements WHERE status = 'listed' AND ended IS NOT NULL"); n != 0 {
			t.Errorf("listed agreements with an ended date: got %d, want 0", n)
		}
		if n := sqlitetest.Int(t, db, "SELECT count(*) FROM changes WHERE kind = 'changed' AND fields = '[\"signed\"]'"); n != 1 {
			t.Errorf("Harris's corrected date: got %d changes of fields [\"signed\"], want 1", n)
		}
	})
	t.Run("indexes", func(t *testing.T) {
		for _, ix := range []string{"agreements_state", "agreements_model", "changes_published", "snapshots_published"} {
			if n := sqlitetest.Int(t, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", ix); n != 1 {
				t.Errorf("index %s: got %d, want 1", ix, n)
			}
		}
	})
}

// fakeStore is a Store of fixed values, with an error to return.
type fakeStore struct {
	snaps   []store.Snapshot
	infos   []store.AgreementInfo
	changes []diff.Change
	err     error
	// cancel, when set, is called on the first Changes call.
	cancel func()
}

func (f *fakeStore) Snapshots(context.Context) ([]store.Snapshot, error) { return f.snaps, nil }
func (f *fakeStore) FindAgreements(context.Context, string) ([]store.AgreementInfo, error) {
	return f.infos, nil
}
func (f *fakeStore) Changes(_ context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error) {
	if f.cancel != nil {
		f.cancel()
	}
	if f.err != nil {
		return nil, 0, f.err
	}
	// Pages as the store does: newest first, below the cursor.
	var out []diff.Change
	for i := len(f.changes) - 1; i >= 0; i-- {
		c := f.changes[i]
		if q.Cursor != 0 && c.ID >= q.Cursor {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			return out, out[len(out)-1].ID, nil
		}
		out = append(out, c)
	}
	return out, 0, nil
}

// hostileStore holds names with quotes, SQL, NUL and control bytes, and
// more changes than one page.
func hostileStore() *fakeStore {
	names := []string{
		hostileAgency,
		"'); DROP TABLE agreements; --",
		"nul\x00byte Sheriff's Office",
		"\x1b[31mred\x1b[0m Police Department",
		"=HYPERLINK(\"http://evil.example\") County",
		"",
	}
	at := time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC)
	f := &fakeStore{snaps: []store.Snapshot{{ID: 1, List: sheet.Participating, FileName: "x'); DROP TABLE snapshots; --\x00.xlsx",
		Published: "2025-09-02", Status: store.Accepted, FirstSeen: at, LastSeen: at, SHA256: "ab"}}}
	for i, n := range names {
		id := fmt.Sprint(i + 1)
		f.infos = append(f.infos, store.AgreementInfo{Agreement: diff.Agreement{ID: id,
			Record: sheet.Record{State: "TX", Agency: n, AgencyRaw: n + "\x00raw", Model: sheet.TaskForce}},
			List: sheet.Participating, Active: true, FirstSnapshot: 1, LastSnapshot: 1})
	}
	for i := range 2*changePage + 5 {
		rec := &sheet.Record{State: "TX", Agency: names[i%len(names)]}
		f.changes = append(f.changes, diff.Change{ID: uint64(i + 1), Kind: diff.Changed, List: sheet.Participating,
			AgreementID: fmt.Sprint(i%len(names) + 1), Before: rec, After: rec, Fields: []string{"agency"},
			AfterSnapshot: 1, AfterPublished: "2025-09-02"})
	}
	return f
}

func TestWriteSQLiteHostile(t *testing.T) {
	f := hostileStore()
	path := filepath.Join(t.TempDir(), "a?b#c%d", FileName) // the driver splits names at '?'
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteSQLite(t.Context(), f, path); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	sqlitetest.CheckForeignKeys(t, db)
	for _, in := range f.infos {
		var agency, raw string
		if err := db.QueryRow("SELECT agency, agency_raw FROM agreements WHERE id = ?", in.ID).Scan(&agency, &raw); err != nil {
			t.Fatalf("agreement %s: %v", in.ID, err)
		}
		if agency != in.Agency || raw != in.AgencyRaw {
			t.Errorf("agreement %s: got %q, %q; want %q, %q byte for byte", in.ID, agency, raw, in.Agency, in.AgencyRaw)
		}
	}
	var file string
	if err := db.QueryRow("SELECT file_name FROM snapshots").Scan(&file); err != nil || file != f.snaps[0].FileName {
		t.Errorf("snapshot file_name: got %q (%v), want %q", file, err, f.snaps[0].FileName)
	}
	if got, want := sqlitetest.Int(t, db, "SELECT count(*) FROM changes"), len(f.changes); got != want {
		t.Errorf("changes over %d pages: got %d rows, want %d", want/changePage+1, got, want)
	}
	if got := sqlitetest.Int(t, db, "SELECT count(*) FROM agreements_fts WHERE agreements_fts MATCH '\"drop table\"'"); got != 2 {
		t.Errorf("agreements_fts MATCH \"drop table\": got %d, want 2", got)
	}
}

func TestWriteSQLiteFailure(t *testing.T) {
	for name, setup := range map[string]func(f *fakeStore, cancel func()){
		"store error": func(f *fakeStore, _ func()) { f.err = errors.New("disk on fire") },
		"cancelled":   func(f *fakeStore, cancel func()) { f.cancel = cancel },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte("previous export"), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			f := hostileStore()
			setup(f, cancel)
			if err := WriteSQLite(ctx, f, path); err == nil {
				t.Fatal("got no error, want the failure")
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != "previous export" {
				t.Errorf("the file at path: got %q (%v), want it untouched", b, err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("directory: got %q, want only %s (no temporary file left)", names, FileName)
			}
		})
	}
}

// TestWriteSQLiteDanglingReference: a change naming an agreement the
// store could not read gets a NULL reference, not a failed export.
func TestWriteSQLiteDanglingReference(t *testing.T) {
	f := hostileStore()
	f.changes = append(f.changes, diff.Change{ID: 99999, Kind: diff.Removed, AgreementID: "404", BeforeSnapshot: 77,
		Before: &sheet.Record{Agency: "gone"}})
	path := filepath.Join(t.TempDir(), FileName)
	if err := WriteSQLite(t.Context(), f, path); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	sqlitetest.CheckForeignKeys(t, db)
	var agr, snap sql.NullString
	if err := db.QueryRow("SELECT agreement_id, before_snapshot FROM changes WHERE id = 99999").Scan(&agr, &snap); err != nil {
		t.Fatal(err)
	}
	if agr.Valid || snap.Valid {
		t.Errorf("dangling references: got agreement %v, snapshot %v; want both NULL", agr, snap)
	}
}
