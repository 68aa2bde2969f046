package diff

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
)

// The one CSV layout of a change, written by `changes`, `history` and
// `diff --format csv`, `export`'s changes.csv and the web's downloads: a
// stored change and a file-to-file one differ only in the columns the
// store fills (id, published dates, detected_at), left empty by a diff.
var changeCSVHeader = []string{
	"id", "kind", "list", "agreement_id", "published", "previous_published",
	"state", "agency", "type", "model", "signed", "moa_url",
	"fields", "before", "after", "match", "was_pending_since", "promoted_to", "detected_at",
}

// ChangeCSVHeader returns the header row of the change CSV layout (a new
// slice each call):
//
//	id, kind, list, agreement_id, published, previous_published,
//	state, agency, type, model, signed, moa_url,
//	fields, before, after, match, was_pending_since, promoted_to, detected_at
func ChangeCSVHeader() []string {
	return append([]string(nil), changeCSVHeader...)
}

// ChangeCSVRow returns c as one row under ChangeCSVHeader. The state to
// moa_url columns describe the agreement as it is after the change (as it
// was, for a removal). For a changed agreement, fields names the changed
// fields separated by ";", and before and after give their values as
// "field=value" pairs separated by "; ". Empty: id for a change not
// stored, dates unknown.
//
// Every cell goes through escape.CSVCell: values come from ICE's files,
// and a cell starting with = + - @ would run as a formula in the
// spreadsheet a reporter opens the file in; such a cell starts with '.
// CSVCell leaves its own output unchanged, so a writer that escapes every
// cell again does no harm.
func ChangeCSVRow(c *Change) []string {
	r := c.Record()
	var before, after []string
	for _, f := range c.Fields {
		if c.Before != nil {
			before = append(before, f+"="+c.Before.Field(f))
		}
		if c.After != nil {
			after = append(after, f+"="+c.After.Field(f))
		}
	}
	id, detected := "", ""
	if c.ID != 0 {
		id = strconv.FormatUint(c.ID, 10)
	}
	if !c.DetectedAt.IsZero() {
		detected = c.DetectedAt.UTC().Format(time.RFC3339)
	}
	row := []string{id, string(c.Kind), string(c.List), c.AgreementID, c.AfterPublished, c.BeforePublished,
		r.State, r.Agency, r.Type, r.Model, r.Signed, r.MOAURL,
		strings.Join(c.Fields, ";"), strings.Join(before, "; "), strings.Join(after, "; "), c.Match,
		c.WasPendingSince, c.PromotedTo, detected}
	for i := range row {
		row[i] = escape.CSVCell(row[i])
	}
	return row
}

// CSVRows returns one ChangeCSVRow per change of r: added, then removed,
// then changed.
func CSVRows(r *Result) [][]string {
	rows := make([][]string, 0, len(r.Added)+len(r.Removed)+len(r.Changed))
	for _, cs := range [][]Change{r.Added, r.Removed, r.Changed} {
		for i := range cs {
			rows = append(rows, ChangeCSVRow(&cs[i]))
		}
	}
	return rows
}

// WriteChangesCSV writes ChangeCSVHeader and one ChangeCSVRow per change.
func WriteChangesCSV(w io.Writer, changes []Change) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(changeCSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i := range changes {
		if err := cw.Write(ChangeCSVRow(&changes[i])); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteCSV writes ChangeCSVHeader and CSVRows(r).
func WriteCSV(w io.Writer, r *Result) error {
	all := make([]Change, 0, len(r.Added)+len(r.Removed)+len(r.Changed))
	all = append(append(append(all, r.Added...), r.Removed...), r.Changed...)
	return WriteChangesCSV(w, all)
}
