package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
)

// parseOutput is the JSON document `parse --format json` prints; scripts
// rely on its field names (DESIGN.md).
type parseOutput struct {
	File     string          `json:"file"`
	List     sheet.List      `json:"list"`
	SHA256   string          `json:"sha256"`
	Sheet    string          `json:"sheet"`
	Header   []string        `json:"header"`
	Records  []sheet.Record  `json:"records"`
	Warnings []sheet.Warning `json:"warnings"`
}

// runParse prints one spreadsheet's records. It needs no database.
func runParse(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("parse", "FILE")
	format := formatFlag(fs)
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	files := fs.Args()
	if len(files) != 1 {
		return fmt.Errorf("%w: parse takes exactly one FILE, got %d", errUsage, len(files))
	}
	name := files[0]
	b, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	f, err := sheet.Parse(b)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sum := sha256.Sum256(b)
	out := parseOutput{
		File: filepath.Base(name), List: f.List, SHA256: hex.EncodeToString(sum[:]),
		Sheet: f.Sheet, Header: f.Header, Records: f.Records, Warnings: f.Warnings,
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, out)
	case formatCSV:
		return writeCSV(a.stdout, recordCSVHeader(f.Records), recordCSVRows(f.Records))
	}
	return writeParseText(a.stdout, out)
}

// extraKeys lists the Extra keys used by any record, sorted, so CSV
// columns are stable.
func extraKeys(recs []sheet.Record) []string {
	seen := map[string]bool{}
	for _, r := range recs {
		for k := range r.Extra {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var recordCSVFields = []string{"row", "state", "state_name", "agency", "agency_raw", "type", "model", "model_raw", "signed", "signed_raw", "moa_url", "moa_raw", "moa_text"}

func recordCSVHeader(recs []sheet.Record) []string {
	h := append([]string(nil), recordCSVFields...)
	for _, k := range extraKeys(recs) {
		h = append(h, "extra:"+k)
	}
	return h
}

func recordCSVRows(recs []sheet.Record) [][]string {
	keys := extraKeys(recs)
	rows := make([][]string, 0, len(recs))
	for _, r := range recs {
		row := []string{strconv.Itoa(r.Row), r.State, r.StateName, r.Agency, r.AgencyRaw, r.Type, r.Model, r.ModelRaw, r.Signed, r.SignedRaw, r.MOAURL, r.MOARaw, r.MOAText}
		for _, k := range keys {
			row = append(row, r.Extra[k])
		}
		rows = append(rows, row)
	}
	return rows
}

// writeParseText prints a table a reporter can read, a summary line and
// the warnings.
func writeParseText(w io.Writer, out parseOutput) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROW\tSTATE\tAGENCY\tTYPE\tMODEL\tSIGNED\tMOA")
	for _, r := range out.Records {
		moa := r.MOAURL
		if moa == "" {
			moa = r.MOAText
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Row, orDash(r.State), orDash(r.Agency), orDash(r.Type), orDash(r.Model), orDash(r.Signed), orDash(moa))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s: %s list, %d records, %d warnings (sheet %q, sha256 %s)\n",
		orDash(out.File), out.List, len(out.Records), len(out.Warnings), out.Sheet, out.SHA256)
	for _, wn := range out.Warnings {
		where := "file"
		if wn.Row > 0 {
			where = "row " + strconv.Itoa(wn.Row)
		}
		if wn.Column != "" {
			where += ", " + orDash(wn.Column)
		}
		if _, err := fmt.Fprintf(w, "  warning: %s: %s\n", where, orDash(wn.Message)); err != nil {
			return err
		}
	}
	return nil
}

// orDash is a text column's value: "-" when blank, else s made safe for a
// terminal (the values come straight from the file).
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return escape.Terminal(s)
}
