package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// runExport writes everything a researcher needs to work without watch287g:
// the original files exactly as ICE published them, a manifest, the current
// agreements and every change.
func runExport(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("export", "")
	out := fs.String("out", "", "output `directory` (created; must be empty or new)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: export needs --out DIR", errUsage)
	}
	st, err := a.openStore(true)
	if err != nil {
		return err
	}
	defer st.Close()
	filesDir := filepath.Join(*out, "files")
	if err := os.MkdirAll(filesDir, 0o755); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return err
	}
	manifest := [][]string{}
	for _, s := range snaps {
		body, err := st.File(ctx, s.SHA256)
		if err != nil {
			return fmt.Errorf("export snapshot %d: %w", s.ID, err)
		}
		// Names are labels and the same name has carried different bytes,
		// so each file is prefixed with its snapshot id to stay distinct.
		name := fmt.Sprintf("%05d_%s", s.ID, safeName(s.FileName))
		if err := os.WriteFile(filepath.Join(filesDir, name), body, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
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
	var chRows [][]string
	for i := len(changes) - 1; i >= 0; i-- { // oldest first reads as a history
		chRows = append(chRows, changeCSVRow(changes[i]))
	}
	if err := writeCSVFile(filepath.Join(*out, "changes.csv"), changeCSVHeader, chRows); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "exported %d files, %d agreements, %d changes to %s\n", len(snaps), len(aggRows), len(chRows), *out)
	return nil
}

func safeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		return "file.xlsx"
	}
	return name
}

func writeTSV(path string, header []string, rows [][]string) error {
	var b strings.Builder
	b.WriteString(strings.Join(header, "\t") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func writeCSVFile(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	w := csv.NewWriter(f)
	if err := w.Write(header); err != nil {
		f.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}
