package main

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/dataset"
	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/internal/sqlitetest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// openExportDB opens an exported SQLite database read-only with the
// driver the export wrote it with.
func openExportDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("exported database: %v", err)
	}
	name, err := dataset.DSN(path)
	if err != nil {
		t.Fatal(err)
	}
	return sqlitetest.Open(t, name)
}

// TestExportSQLite runs `export` both ways on the e2e fixture and queries
// the database with the driver.
func TestExportSQLite(t *testing.T) {
	fx := newFixture(t)
	all := fx.changes(t)
	dir := filepath.Join(t.TempDir(), "export")
	fx.mustRun(t, "export", "--out", dir)
	file := filepath.Join(t.TempDir(), "only.sqlite")
	out := fx.mustRun(t, "export", "--format", "sqlite", "--out", file)
	if !strings.Contains(out, file) {
		t.Errorf("export --format sqlite: got %q, want the file named", out)
	}
	for name, path := range map[string]string{"export --out DIR": filepath.Join(dir, dataset.FileName), "--format sqlite": file} {
		t.Run(name, func(t *testing.T) {
			db := openExportDB(t, path)
			sqlitetest.CheckForeignKeys(t, db)
			// The fixture: 5 snapshots; 33 participating agreements and 5
			// pending records ever; 30+5 baseline agencies, plus the
			// formula-named one, and the pending towns.
			for table, want := range map[string]int{"snapshots": 5, "agreements": 38, "changes": len(all)} {
				if got := sqlitetest.Int(t, db, "SELECT count(*) FROM "+table); got != want {
					t.Errorf("%s: got %d rows, want %d", table, got, want)
				}
			}
			if got := sqlitetest.Int(t, db, "SELECT count(DISTINCT agency_id) FROM agreements"); got != sqlitetest.Int(t, db, "SELECT count(*) FROM agencies") {
				t.Errorf("agencies: got %d agency ids in agreements, want one agencies row each", got)
			}
			// The formula-like agency is data here: no CSV quoting.
			if got := sqlitetest.Strings(t, db, "SELECT agency FROM agreements WHERE agency = ?", fxFormula); len(got) != 1 {
				t.Errorf("agency %q: got %q, want it once, unquoted", fxFormula, got)
			}
			got := sqlitetest.Strings(t, db, `SELECT a.name FROM agencies_fts JOIN agencies a ON a.rowid = agencies_fts.rowid
				WHERE agencies_fts MATCH 'town' ORDER BY a.name`)
			if len(got) != 5 || !strings.HasPrefix(got[0], "Sample Town") {
				t.Errorf("agencies_fts MATCH town: got %q, want the 5 Sample Towns", got)
			}
			if got := sqlitetest.Strings(t, db, "SELECT status FROM agreements WHERE list = 'pending' AND status <> 'listed'"); !slices.Equal(got, []string{"missing"}) {
				t.Errorf("pending statuses other than listed: got %q, want the one dropped town, missing", got)
			}
		})
	}
	// agreements-ever.csv agrees with the database on status, ended and
	// county (none here: the fixture's counties are made up; see
	// TestAgreementEverCounty).
	b, err := os.ReadFile(filepath.Join(dir, "agreements-ever.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, string(b), agreementEverHeader)
	db := openExportDB(t, filepath.Join(dir, dataset.FileName))
	col := func(name string) int { return slices.Index(agreementEverHeader, name) }
	for _, r := range rows {
		var status, ended, fips sql.NullString
		err := db.QueryRow("SELECT status, ended, county_fips FROM agreements WHERE id = ?", r[col("id")]).Scan(&status, &ended, &fips)
		if err != nil {
			t.Fatalf("agreement %s: %v", r[col("id")], err)
		}
		if r[col("status")] != status.String || r[col("ended")] != ended.String || r[col("county_fips")] != fips.String {
			t.Errorf("agreement %s: CSV says %s/%s/%s, database %s/%s/%s", r[col("id")], r[col("status")], r[col("ended")],
				r[col("county_fips")], status.String, ended.String, fips.String)
		}
	}
}

// TestAgreementEverCounty: agreements-ever.csv names the county and its
// FIPS code, from the agency's name or the COUNTY column.
func TestAgreementEverCounty(t *testing.T) {
	infos := []store.AgreementInfo{
		{Agreement: diff.Agreement{ID: "1", Record: sheet.Record{State: "TX", Agency: "Harris County Sheriff's Office"}}, Active: true},
		{Agreement: diff.Agreement{ID: "2", Record: sheet.Record{State: "FL", Agency: "Town of Nowhere Police Department",
			Extra: map[string]string{"COUNTY": "Collier"}}}},
		{Agreement: diff.Agreement{ID: "3", Record: sheet.Record{State: "FL", Agency: "Florida Highway Patrol"}}, Active: true},
	}
	rows := agreementEverRows(infos, dataset.NewEndings())
	col := func(name string) int { return slices.Index(agreementEverHeader, name) }
	want := [][2]string{{"Harris County", "48201"}, {"Collier County", "12021"}, {"", ""}}
	for i, r := range rows {
		if got := [2]string{r[col("county")], r[col("county_fips")]}; got != want[i] {
			t.Errorf("%s: got county %q, want %q", infos[i].Agency, got, want[i])
		}
	}
	if got := rows[1][col("status")]; got != dataset.StatusMissing {
		t.Errorf("an agreement no longer listed: got status %q, want %q", got, dataset.StatusMissing)
	}
}

// TestExportSQLiteHostile: the hostile names of hostileStore, committed
// through the real store, come out of the database byte for byte.
func TestExportSQLiteHostile(t *testing.T) {
	db := hostileStore(t)
	path := filepath.Join(t.TempDir(), "db?name#x.sqlite")
	mustRun(t, "--db", db, "export", "--format", "sqlite", "--out", path)
	sq := openExportDB(t, path)
	sqlitetest.CheckForeignKeys(t, sq)
	got := sqlitetest.Strings(t, sq, "SELECT file_name FROM snapshots ORDER BY id")
	if !slices.Equal(got, hostileNames) {
		t.Errorf("snapshot file names: got %q, want %q", got, hostileNames)
	}
}

func TestExportSQLiteUsage(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown format", []string{"export", "--format", "parquet", "--out", filepath.Join(dir, "x")}, "all or sqlite"},
		{"no out", []string{"export", "--format", "sqlite"}, "--out FILE"},
		{"out is a directory", []string{"export", "--format", "sqlite", "--out", dir}, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fx.run(t, tc.args...)
			if !errors.Is(r.err, errUsage) || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("got %v, want a usage error saying %q", r.err, tc.want)
			}
		})
	}
	// A second export replaces the file whole.
	file := filepath.Join(dir, "w.sqlite")
	if err := os.WriteFile(file, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	fx.mustRun(t, "export", "--format", "sqlite", "--out", file)
	if n := sqlitetest.Int(t, openExportDB(t, file), "SELECT count(*) FROM snapshots"); n != 5 {
		t.Errorf("replaced file: got %d snapshots, want 5", n)
	}
}

// TestExportSQLiteCorpus exports a store holding the corpus (under
// -race, where importing it all takes minutes, its first two months: the
// files bfRaceCorpus picks) and checks the database against the store.
func TestExportSQLiteCorpus(t *testing.T) {
	dir := corpustest.Dir(t)
	db := filepath.Join(t.TempDir(), "w.db")
	args := []string{"--db", db, "import", "--quiet"}
	if raceEnabled() {
		for _, m := range readManifest(t, dir) {
			if bfRaceCorpus.MatchString(m.name) {
				args = append(args, filepath.Join(dir, m.name))
			}
		}
	} else {
		args = append(args, dir)
	}
	mustRun(t, args...)
	path := filepath.Join(t.TempDir(), "corpus.sqlite")
	start := time.Now()
	mustRun(t, "--db", db, "export", "--format", "sqlite", "--out", path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("corpus export (import of %s): %d bytes in %s", strings.Join(args[4:min(len(args), 5)], " ")+"…", fi.Size(), time.Since(start).Round(time.Millisecond))
	st, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	infos, err := st.FindAgreements(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	sq := openExportDB(t, path)
	sqlitetest.CheckForeignKeys(t, sq)
	if got := sqlitetest.Int(t, sq, "SELECT count(*) FROM agreements"); got != len(infos) {
		t.Errorf("agreements: got %d, want the store's %d", got, len(infos))
	}
	listed := 0
	for _, in := range infos {
		if in.Active && in.List == sheet.Participating {
			listed++
		}
	}
	if got := sqlitetest.Int(t, sq, "SELECT count(*) FROM agreements WHERE list = 'participating' AND status = 'listed'"); got != listed {
		t.Errorf("listed participating agreements: got %d, want %d", got, listed)
	}
	// Full-text search finds what a scan of the names finds.
	fts := sqlitetest.Int(t, sq, "SELECT count(*) FROM agencies_fts WHERE agencies_fts MATCH 'sheriff*'")
	if like := sqlitetest.Int(t, sq, "SELECT count(*) FROM agencies WHERE name LIKE '%sheriff%'"); fts != like || fts == 0 {
		t.Errorf("agencies_fts MATCH sheriff*: got %d agencies, want the %d whose name holds sheriff", fts, like)
	}
}
