// Package dataset writes what the store knows as files other tools read:
// a SQLite database for Datasette (WriteSQLite), beside the CSVs that
// `watch287g export` writes. It reads the store and never writes it.
//
// The database (`datasette watch287g.sqlite`):
//
//	snapshots   one row per archived file: list, published date, name, source, sha256, counts, status
//	agreements  every agreement and pending record ever listed, with its status (listed,
//	            missing, ended), the lists that first and last carried it, the date of the
//	            list that dropped it (ended), its county and county FIPS code, agency_id → agencies
//	changes     every change, agreement_id → agreements, before/after_snapshot → snapshots,
//	            the records before and after as JSON, fields as a JSON array, and the
//	            lifecycle's confirmed (0 on removed, 1 on ended) and absence
//	agencies    one row per agency (diff.AgencyID, as the web's /agencies/{id}), its county
//	            and how many agreements it has had and has listed
//	agencies_fts, agreements_fts   full-text search on agency names (Datasette's search box)
//
// Current agreements are `agreements WHERE status = 'listed'`. Empty
// values are NULL. The database is written with modernc.org/sqlite, a
// translation of SQLite to Go: no cgo, so the static CGO_ENABLED=0 build
// keeps working.
package dataset

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/geo"
	"github.com/watch287g/watch287g/store"
)

// Store is the store reads WriteSQLite needs; *store.Store has them.
type Store interface {
	Snapshots(ctx context.Context) ([]store.Snapshot, error)
	FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error)
	Changes(ctx context.Context, q store.ChangeQuery) ([]diff.Change, uint64, error)
}

var _ Store = (*store.Store)(nil)

// FileName is the database's name in an export directory.
const FileName = "watch287g.sqlite"

// changePage is how many changes are read from the store and written at
// once: the store is read a page at a time, so memory stays bounded by
// the agreements, not by the length of the history.
const changePage = 1000

// schema is the database. Every reference is a declared foreign key, so
// Datasette links a change to its agreement and snapshots, and an
// agreement to its agency. The full-text tables are external-content FTS5
// tables named <table>_fts with content=[<table>], the form Datasette
// detects to put a search box on the table's page; accents are folded, so
// "dona ana" finds "Doña Ana".
const schema = `
CREATE TABLE snapshots (
	id INTEGER PRIMARY KEY,
	list TEXT,
	published TEXT,
	file_name TEXT NOT NULL,
	source_url TEXT NOT NULL,
	sha256 TEXT NOT NULL,
	size INTEGER NOT NULL,
	records INTEGER NOT NULL,
	agreements INTEGER NOT NULL,
	status TEXT NOT NULL,
	reason TEXT,
	baseline INTEGER NOT NULL,
	added INTEGER NOT NULL,
	removed INTEGER NOT NULL,
	changed INTEGER NOT NULL,
	first_seen TEXT NOT NULL,
	last_seen TEXT NOT NULL,
	capture TEXT,
	original_url TEXT
);
CREATE TABLE agencies (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	state TEXT,
	county TEXT,
	county_fips TEXT,
	agreements INTEGER NOT NULL,
	listed INTEGER NOT NULL
);
CREATE TABLE agreements (
	id TEXT PRIMARY KEY,
	list TEXT NOT NULL,
	state TEXT,
	state_name TEXT,
	agency TEXT NOT NULL,
	agency_raw TEXT,
	agency_id TEXT NOT NULL REFERENCES agencies(id),
	type TEXT,
	model TEXT,
	model_raw TEXT,
	signed TEXT,
	moa_url TEXT,
	county TEXT,
	county_fips TEXT,
	status TEXT NOT NULL,
	first_published TEXT,
	first_snapshot INTEGER REFERENCES snapshots(id),
	last_published TEXT,
	last_snapshot INTEGER REFERENCES snapshots(id),
	ended TEXT,
	promoted_to TEXT REFERENCES agreements(id)
);
CREATE TABLE changes (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	list TEXT,
	agreement_id TEXT REFERENCES agreements(id),
	state TEXT,
	agency TEXT,
	model TEXT,
	before_snapshot INTEGER REFERENCES snapshots(id),
	after_snapshot INTEGER REFERENCES snapshots(id),
	published TEXT,
	previous_published TEXT,
	fields TEXT,
	before_json TEXT,
	after_json TEXT,
	match TEXT,
	was_pending_since TEXT,
	promoted_to TEXT REFERENCES agreements(id),
	document_url TEXT,
	document_sha256 TEXT,
	confirmed INTEGER,
	absent_since TEXT,
	absent_lists INTEGER,
	absent_days INTEGER,
	detected_at TEXT
);
`

// indexes are created after the rows are in: one sort per index instead
// of a b-tree update per row.
const indexes = `
CREATE INDEX snapshots_published ON snapshots(published);
CREATE INDEX agencies_state ON agencies(state);
CREATE INDEX agreements_state ON agreements(state);
CREATE INDEX agreements_model ON agreements(model);
CREATE INDEX agreements_agency_id ON agreements(agency_id);
CREATE INDEX agreements_status ON agreements(status);
CREATE INDEX changes_published ON changes(published);
CREATE INDEX changes_state ON changes(state);
CREATE INDEX changes_model ON changes(model);
CREATE INDEX changes_agreement_id ON changes(agreement_id);
CREATE INDEX changes_after_snapshot ON changes(after_snapshot);
CREATE INDEX changes_before_snapshot ON changes(before_snapshot);
CREATE VIRTUAL TABLE agencies_fts USING fts5(name, county, content=[agencies], tokenize='unicode61 remove_diacritics 2');
INSERT INTO agencies_fts(agencies_fts) VALUES('rebuild');
CREATE VIRTUAL TABLE agreements_fts USING fts5(agency, agency_raw, county, content=[agreements], tokenize='unicode61 remove_diacritics 2');
INSERT INTO agreements_fts(agreements_fts) VALUES('rebuild');
`

// WriteSQLite writes everything st knows as a SQLite database at path
// (replacing a file there): tables snapshots, agreements, changes and
// agencies, foreign keys between them, indexes on state, model and
// published date, and full-text search on agency names (agencies_fts,
// agreements_fts). The file appears whole or not at all: it is built under
// a temporary name in path's directory, in one transaction, with foreign
// keys enforced, and renamed into place only once complete.
//
// Values are data, never SQL: every one is bound as a parameter, and
// kept as the store holds it (a name with quotes or a NUL included). A
// reference to a record the store could not read (and logged as skipped)
// is NULL.
func WriteSQLite(ctx context.Context, st Store, path string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("dataset: sqlite: %w", err)
	}
	tmpName := tmp.Name()
	if err := tmp.Close(); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("dataset: sqlite: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmpName)
			os.Remove(tmpName + "-journal")
		}
	}()
	if err := write(ctx, st, tmpName); err != nil {
		return fmt.Errorf("dataset: sqlite %s: %w", path, err)
	}
	if err := syncFile(tmpName); err != nil {
		return fmt.Errorf("dataset: sqlite %s: %w", path, err)
	}
	if err := os.Chmod(tmpName, 0o644); err != nil {
		return fmt.Errorf("dataset: sqlite %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		return fmt.Errorf("dataset: sqlite: %w", err)
	}
	return nil
}

// syncFile flushes the finished database to disk before the rename makes
// it visible.
func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// DSN is a SQLite URI for path, as the export opens it. The driver splits a plain name at its
// first '?', so the path is given as a file: URI with '?', '#' and '%'
// escaped: any directory name works.
func DSN(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(filepath.ToSlash(abs)), nil
}

func write(ctx context.Context, st Store, path string) (err error) {
	name, err := DSN(path)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", name)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	// One connection: the pragmas below are per connection.
	db.SetMaxOpenConns(1)
	// The file is temporary until renamed, so a crash needs no recovery
	// (the rollback journal stays in memory) and nothing is synced until
	// the end (syncFile). Foreign keys are enforced while writing: a row
	// that names a missing agreement or snapshot fails the export instead
	// of shipping a database whose links lead nowhere.
	for _, p := range []string{"PRAGMA journal_mode = MEMORY", "PRAGMA synchronous = OFF", "PRAGMA foreign_keys = ON"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	w := &writer{ctx: ctx, tx: tx, snapshots: map[uint64]bool{}, agreements: map[string]bool{}, endings: NewEndings()}
	if err := w.snapshotRows(st); err != nil {
		return err
	}
	infos, err := st.FindAgreements(ctx, "")
	if err != nil {
		return err
	}
	if err := w.agencyRows(infos); err != nil {
		return err
	}
	if err := w.agreementRows(infos); err != nil {
		return err
	}
	if err := w.changeRows(st); err != nil {
		return err
	}
	if err := w.endingRows(infos); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, indexes); err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Prove the links once more over the whole file (foreign_keys = ON
	// checked each row as it went in).
	rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fk int
		if err := rows.Scan(&table, &rowid, &parent, &fk); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: %s row %d names a missing %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// writer holds one export's transaction and what its later tables need
// from its earlier ones.
type writer struct {
	ctx context.Context
	tx  *sql.Tx
	// snapshots and agreements are the ids written, so a reference to one
	// the store could not read becomes NULL rather than a broken link.
	snapshots  map[uint64]bool
	agreements map[string]bool
	// endings learns from the changes how each agreement left.
	endings *Endings
}

func (w *writer) prepare(query string) (*sql.Stmt, error) {
	stmt, err := w.tx.PrepareContext(w.ctx, query)
	if err != nil {
		words := strings.Fields(query) // "INSERT INTO agencies", "UPDATE agreements"
		return nil, fmt.Errorf("prepare %s: %w", strings.Join(words[:min(len(words), 3)], " "), err)
	}
	return stmt, nil
}

func (w *writer) snapshotRows(st Store) error {
	snaps, err := st.Snapshots(w.ctx)
	if err != nil {
		return err
	}
	stmt, err := w.prepare(`INSERT INTO snapshots (id, list, published, file_name, source_url, sha256, size,
		records, agreements, status, reason, baseline, added, removed, changed, first_seen, last_seen, capture,
		original_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, s := range snaps {
		if _, err := stmt.ExecContext(w.ctx, int64(s.ID), null(string(s.List)), null(s.Published), s.FileName,
			s.SourceURL, s.SHA256, s.Size, s.Records, s.Agreements, s.Status, null(s.Reason), s.Baseline,
			s.Added, s.Removed, s.Changed, timeText(s.FirstSeen), timeText(s.LastSeen), null(s.Capture),
			null(s.OriginalURL)); err != nil {
			return fmt.Errorf("snapshot %d: %w", s.ID, err)
		}
		w.snapshots[s.ID] = true
	}
	return nil
}

// agency is one agencies row.
type agency struct {
	id, name, state    string
	county             geo.County
	agreements, listed int
}

// agencyRows writes one row per agency (diff.AgencyID), named as its
// first agreement names it; its county is the first one found among its
// agreements.
func (w *writer) agencyRows(infos []store.AgreementInfo) error {
	byID := map[string]*agency{}
	var order []*agency
	for i := range infos {
		in := &infos[i]
		id := diff.AgencyID(in.State, in.Agency)
		a := byID[id]
		if a == nil {
			a = &agency{id: id, name: in.Agency, state: in.State}
			byID[id] = a
			order = append(order, a)
		}
		if a.county.FIPS == "" {
			if c, ok := geo.RecordCounty(&in.Record); ok {
				a.county = c
			}
		}
		a.agreements++
		if in.Active {
			a.listed++
		}
	}
	stmt, err := w.prepare(`INSERT INTO agencies (id, name, state, county, county_fips, agreements, listed)
		VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i, a := range order {
		if err := w.tick(i); err != nil {
			return err
		}
		if _, err := stmt.ExecContext(w.ctx, a.id, a.name, null(a.state), null(a.county.Name), null(a.county.FIPS),
			a.agreements, a.listed); err != nil {
			return fmt.Errorf("agency %q: %w", a.id, err)
		}
	}
	return nil
}

func (w *writer) agreementRows(infos []store.AgreementInfo) error {
	stmt, err := w.prepare(`INSERT INTO agreements (id, list, state, state_name, agency, agency_raw, agency_id,
		type, model, model_raw, signed, moa_url, county, county_fips, status, first_published, first_snapshot,
		last_published, last_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range infos {
		if err := w.tick(i); err != nil {
			return err
		}
		in := &infos[i]
		r := &in.Record
		c, _ := geo.RecordCounty(r)
		status := w.endings.Of(in).Status // the store's; endingRows adds the rest
		if _, err := stmt.ExecContext(w.ctx, in.ID, string(in.List), null(r.State), null(r.StateName), r.Agency,
			null(r.AgencyRaw), diff.AgencyID(r.State, r.Agency), null(r.Type), null(r.Model), null(r.ModelRaw),
			null(r.Signed), null(r.MOAURL), null(c.Name), null(c.FIPS), status, null(in.FirstPublished),
			w.snapshotRef(in.FirstSnapshot), null(in.LastPublished), w.snapshotRef(in.LastSnapshot)); err != nil {
			return fmt.Errorf("agreement %q: %w", in.ID, err)
		}
		w.agreements[in.ID] = true
	}
	return nil
}

// changeRows writes every change, a page at a time, newest first, and
// notes each agreement's newest lifecycle change for endings.
func (w *writer) changeRows(st Store) error {
	stmt, err := w.prepare(`INSERT INTO changes (id, kind, list, agreement_id, state, agency, model,
		before_snapshot, after_snapshot, published, previous_published, fields, before_json, after_json, match,
		was_pending_since, promoted_to, document_url, document_sha256, confirmed, absent_since, absent_lists,
		absent_days, detected_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	var cursor uint64
	for {
		page, next, err := st.Changes(w.ctx, store.ChangeQuery{Cursor: cursor, Limit: changePage})
		if err != nil {
			return err
		}
		for i := range page {
			if err := w.change(stmt, &page[i]); err != nil {
				return err
			}
		}
		if next == 0 || len(page) == 0 {
			return nil
		}
		cursor = next
	}
}

func (w *writer) change(stmt *sql.Stmt, c *diff.Change) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	var state, agency, model string
	if r := c.Record(); r != nil {
		state, agency, model = r.State, r.Agency, r.Model
	}
	var fields, before, after any
	if len(c.Fields) > 0 {
		fields = jsonText(c.Fields) // a JSON array: Datasette facets on it
	}
	if c.Before != nil {
		before = jsonText(c.Before)
	}
	if c.After != nil {
		after = jsonText(c.After)
	}
	var docURL, docSHA string
	if c.Document != nil {
		docURL, docSHA = c.Document.URL, c.Document.SHA256
	}
	var detected, confirmed, absentLists, absentDays any
	if !c.DetectedAt.IsZero() {
		detected = timeText(c.DetectedAt)
	}
	if c.Confirmed != nil { // set on removed (false) and ended (true)
		confirmed = *c.Confirmed
	}
	if c.AbsentLists != 0 {
		absentLists = c.AbsentLists
	}
	if c.AbsentDays != 0 {
		absentDays = c.AbsentDays
	}
	if _, err := stmt.ExecContext(w.ctx, int64(c.ID), string(c.Kind), null(string(c.List)),
		w.agreementRef(c.AgreementID), null(state), null(agency), null(model), w.snapshotRef(c.BeforeSnapshot),
		w.snapshotRef(c.AfterSnapshot), null(c.AfterPublished), null(c.BeforePublished), fields, before, after,
		null(c.Match), null(c.WasPendingSince), w.agreementRef(c.PromotedTo), null(docURL), null(docSHA),
		confirmed, null(c.AbsentSince), absentLists, absentDays, detected); err != nil {
		return fmt.Errorf("change %d: %w", c.ID, err)
	}
	w.endings.Note(c)
	return nil
}

// endingRows fills in, for each agreement no longer listed, what
// Endings says: the published date of the first list without it (ended)
// and, for a pending record that left because its agency signed, the
// agreement it became (promoted_to). Done after every agreement is in,
// as promoted_to may name a later one.
func (w *writer) endingRows(infos []store.AgreementInfo) error {
	stmt, err := w.prepare(`UPDATE agreements SET status = ?, ended = ?, promoted_to = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range infos {
		if err := w.tick(i); err != nil {
			return err
		}
		in := &infos[i]
		e := w.endings.Of(in)
		if e.Status == StatusListed {
			continue
		}
		if _, err := stmt.ExecContext(w.ctx, e.Status, null(e.Ended), w.agreementRef(e.PromotedTo), in.ID); err != nil {
			return fmt.Errorf("agreement %q: %w", in.ID, err)
		}
	}
	return nil
}

// tick checks the context every so often in a long loop.
func (w *writer) tick(i int) error {
	if i%256 == 0 {
		return w.ctx.Err()
	}
	return nil
}

// snapshotRef is a snapshot id as a reference: NULL for none (0) or one
// that was not written.
func (w *writer) snapshotRef(id uint64) any {
	if id == 0 || !w.snapshots[id] {
		return nil
	}
	return int64(id)
}

// agreementRef is an agreement id as a reference: NULL for none or one
// that was not written.
func (w *writer) agreementRef(id string) any {
	if id == "" || !w.agreements[id] {
		return nil
	}
	return id
}

// null is s, or NULL when empty, so Datasette shows "no value" rather
// than an empty string and facets skip it.
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeText is t in UTC as RFC 3339, which sorts as text.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// jsonText is v as JSON; the values passed (records, field names) always
// marshal.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
