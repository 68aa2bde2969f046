package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/dataset"
	"github.com/watch287g/watch287g/geo"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Export formats: everything into a directory, or the SQLite database alone.
const (
	exportAll    = "all"
	exportSQLite = "sqlite"
)

// runExport writes everything a researcher needs to work without watch287g:
// the original files exactly as ICE published them, a manifest, the current
// agreements, every agreement ever, every change, and all of it again as
// one SQLite database for Datasette. --format sqlite writes the database
// alone, to a file, replacing it whole (for a Datasette that serves it).
func runExport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("export", "")
	server := noServerFlag(fs)
	out := fs.String("out", "", "output `path`: a directory (created; must be empty or new), or with --format sqlite the database file (replaced atomically)")
	format := fs.String("format", exportAll, "`what` to write: all (original files, manifest.tsv, the CSVs and "+dataset.FileName+" into --out DIR) or sqlite (only the SQLite database, at --out FILE)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := a.refuseServer(*server, cmdReadLocal); err != nil {
		return err
	}
	if *format != exportAll && *format != exportSQLite {
		return fmt.Errorf("%w: --format must be all or sqlite, not %q", errUsage, *format)
	}
	if *out == "" {
		if *format == exportSQLite {
			return fmt.Errorf("%w: export --format sqlite needs --out FILE", errUsage)
		}
		return fmt.Errorf("%w: export needs --out DIR", errUsage)
	}
	st, err := a.openStore(cmdReadLocal)
	if err != nil {
		return err
	}
	defer st.Close()
	if *format == exportSQLite {
		if fi, err := os.Stat(*out); err == nil && fi.IsDir() {
			return fmt.Errorf("%w: --out %s is a directory; export --format sqlite writes a file (or drop --format to export into the directory)", errUsage, escape.Terminal(*out))
		}
		if err := dataset.WriteSQLite(ctx, st, *out); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "exported the SQLite database to %s\n", escape.Terminal(*out))
		return nil
	}
	if err := emptyDir(*out); err != nil {
		return err
	}
	filesDir := filepath.Join(*out, "files")
	if err := os.MkdirAll(filesDir, 0o755); err != nil {
		return err // the *PathError names the directory
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return err
	}
	manifest := [][]string{}
	for _, s := range snaps {
		body, err := st.File(ctx, s.SHA256)
		if err != nil {
			return fmt.Errorf("snapshot %d: %w", s.ID, err)
		}
		name := exportName(s)
		if err := os.WriteFile(filepath.Join(filesDir, name), body, 0o644); err != nil {
			return err
		}
		manifest = append(manifest, []string{"files/" + name, strconv.FormatUint(s.ID, 10), string(s.List), s.Status,
			s.Published, s.FirstSeen.UTC().Format("2006-01-02T15:04:05Z"), s.LastSeen.UTC().Format("2006-01-02T15:04:05Z"),
			s.SHA256, strconv.FormatInt(s.Size, 10), strconv.Itoa(s.Records), s.FileName, s.SourceURL})
	}
	if err := writeTSV(filepath.Join(*out, "manifest.tsv"), []string{"file", "snapshot", "list", "status", "published",
		"first_seen", "last_seen", "sha256", "size", "records", "original_name", "source_url"}, manifest); err != nil {
		return err
	}
	var aggRows [][]string
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		_, aggs, err := st.Agreements(ctx, list, 0)
		if err != nil && !notFound(err) {
			return err
		}
		aggRows = append(aggRows, agreementRows(aggs, list)...)
	}
	if err := writeCSVFile(filepath.Join(*out, "agreements.csv"), agreementCSVHeader, aggRows); err != nil {
		return err
	}
	changes, err := allChanges(ctx, localSource{st}, store.ChangeQuery{})
	if err != nil {
		return err
	}
	ever, err := st.FindAgreements(ctx, "")
	if err != nil {
		return err
	}
	endings := dataset.NewEndings()
	for i := range changes { // newest first, as Endings reads them
		endings.Note(&changes[i])
	}
	if err := writeCSVFile(filepath.Join(*out, "agreements-ever.csv"), agreementEverHeader, agreementEverRows(ever, endings)); err != nil {
		return err
	}
	var chRows [][]string
	for i := len(changes) - 1; i >= 0; i-- { // oldest first reads as a history
		chRows = append(chRows, changeCSVRow(changes[i]))
	}
	if err := writeCSVFile(filepath.Join(*out, "changes.csv"), changeCSVHeader, chRows); err != nil {
		return err
	}
	if err := dataset.WriteSQLite(ctx, st, filepath.Join(*out, dataset.FileName)); err != nil {
		return err
	}
	nDocs, err := exportDocuments(ctx, st, *out)
	if err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	fmt.Fprintf(a.stdout, "exported %d files, %d agreements, %d changes to %s\n", len(snaps), len(aggRows), len(chRows), escape.Terminal(*out))
	if nDocs > 0 {
		fmt.Fprintf(a.stdout, "exported %d documents (documents/, documents.tsv)\n", nDocs)
	}
	return nil
}

// agreementEverHeader is agreements-ever.csv: every agreement ever listed,
// with its status (listed; missing from the latest list; ended once the
// absence is confirmed), the first and last lists that carried it, the
// published date of the list that dropped it (ended), and its county and
// county FIPS code (geo.RecordCounty; empty when no county is named).
// Status and ended are dataset.Endings', as in watch287g.sqlite.
var agreementEverHeader = []string{"list", "id", "status", "state", "state_name", "agency", "type", "model", "signed",
	"moa_url", "first_published", "first_snapshot", "last_published", "last_snapshot", "ended", "county", "county_fips",
	"promoted_to"}

func agreementEverRows(infos []store.AgreementInfo, endings *dataset.Endings) [][]string {
	rows := make([][]string, 0, len(infos))
	for i := range infos {
		in := &infos[i]
		e := endings.Of(in)
		c, _ := geo.RecordCounty(&in.Record)
		rows = append(rows, []string{string(in.List), in.ID, e.Status, in.State, in.StateName, in.Agency, in.Type, in.Model,
			in.Signed, in.MOAURL, in.FirstPublished, strconv.FormatUint(in.FirstSnapshot, 10), in.LastPublished,
			strconv.FormatUint(in.LastSnapshot, 10), e.Ended, c.Name, c.FIPS, e.PromotedTo})
	}
	return rows
}

// emptyDir accepts a directory that does not exist yet or is empty, so an
// export never mixes with (or overwrites) another one.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%w: --out %s is not empty; export writes into a new or empty directory", errUsage, dir)
	}
	return nil
}

// exportName is the name of a snapshot's file in the export: safe on any
// file system and distinct. The snapshot id comes first, outside what
// escape.FileName sanitises and caps, so two snapshots never share a name
// however alike (or however long) their published names are, on a
// case-insensitive file system too. The published name stays, raw, in
// manifest.tsv's original_name.
func exportName(s store.Snapshot) string {
	return fmt.Sprintf("%05d_%s", s.ID, escape.FileName(s.FileName))
}

// writeTSV writes manifest.tsv: every field through escape.TSVField, so a
// published name holding a tab or a newline can neither add a column nor
// forge a row.
func writeTSV(path string, header []string, rows [][]string) error {
	var b strings.Builder
	for _, r := range append([][]string{header}, rows...) {
		for i, f := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(escape.TSVField(f))
		}
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// writeCSVFile writes one CSV file of the export through writeCSV.
func writeCSVFile(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeCSV(f, header, rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
