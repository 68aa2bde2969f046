package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

func runChanges(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("changes", "")
	format := formatFlag(fs)
	serverFlag(fs, a)
	var ff filterFlags
	ff.register(fs, filterSet{kind: true, list: true})
	var dates dateFlags
	dates.register(fs)
	limit := fs.Int("limit", 0, "at most `N` changes, the most recently recorded first (0: all)")
	snapshot := fs.Uint64("snapshot", 0, "only the changes snapshot `ID` brought against the previous list of its kind")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *limit < 0 {
		return fmt.Errorf("%w: --limit takes a number of changes, 0 for all; not %d", errUsage, *limit)
	}
	q := store.ChangeQuery{Limit: *limit}
	if *snapshot != 0 {
		// The snapshot's changes are picked from all of them (here or on
		// the server), so the limit counts after that.
		q.Limit = 0
	}
	var err error
	if q.Filter, err = ff.filter(); err != nil {
		return err
	}
	if q.Since, q.Until, err = dates.bounds(); err != nil {
		return err
	}
	src, err := a.openSource()
	if err != nil {
		return err
	}
	defer src.Close()
	if *snapshot != 0 {
		if err := snapshotExists(ctx, src, *snapshot); err != nil {
			return err
		}
	}
	changes, err := allChanges(ctx, src, q)
	if err != nil {
		return err
	}
	if *snapshot != 0 {
		changes = snapshotChanges(changes, *snapshot, *limit)
	}
	return writeChanges(a.stdout, *format, changes)
}

// snapshotExists answers a --snapshot that names no snapshot with an
// error, not with "0 changes".
func snapshotExists(ctx context.Context, src source, id uint64) error {
	snaps, err := src.Snapshots(ctx)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s.ID == id {
			return nil
		}
	}
	return fmt.Errorf("snapshot %d: %w", id, store.ErrNotFound)
}

// snapshotChanges keeps the changes snapshot id brought (newest first, as
// given), at most limit of them (0: all).
func snapshotChanges(changes []diff.Change, id uint64, limit int) []diff.Change {
	out := []diff.Change{}
	for _, c := range changes {
		if c.AfterSnapshot == id && (limit == 0 || len(out) < limit) {
			out = append(out, c)
		}
	}
	return out
}

// allChanges follows cursors until the query's limit (or the end).
func allChanges(ctx context.Context, src source, q store.ChangeQuery) ([]diff.Change, error) {
	out := []diff.Change{}
	want := q.Limit
	for {
		if want > 0 {
			q.Limit = want - len(out)
		}
		page, next, err := src.Changes(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == 0 || len(page) == 0 || (want > 0 && len(out) >= want) {
			return out, nil
		}
		q.Cursor = next
	}
}

func writeChanges(w io.Writer, format string, changes []diff.Change) error {
	switch format {
	case formatJSON:
		return writeJSON(w, map[string]any{"changes": changes})
	case formatCSV:
		rows := make([][]string, 0, len(changes))
		for _, c := range changes {
			rows = append(rows, changeCSVRow(c))
		}
		return writeCSV(w, changeCSVHeader, rows)
	}
	for _, c := range changes {
		fmt.Fprintln(w, changeLine(c))
	}
	fmt.Fprintf(w, "%d changes\n", len(changes))
	return nil
}

// changeCSVHeader and changeCSVRow are diff's one CSV layout of a
// change, shared with diff --format csv and the web.
var changeCSVHeader = diff.ChangeCSVHeader()

func changeCSVRow(c diff.Change) []string { return diff.ChangeCSVRow(&c) }

// changeLine is one change on one line, for a reporter's terminal.
func changeLine(c diff.Change) string {
	r := c.Record()
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %-8s %-13s %s  %s  (%s", dash(c.AfterPublished), dash(string(c.Kind)), c.List, dash(r.State), dash(r.Agency), dash(sheet.ModelLabel(r.Model)))
	if r.Signed != "" {
		fmt.Fprintf(&b, ", signed %s", dash(r.Signed))
	}
	b.WriteString(")")
	switch {
	case c.Kind == diff.Changed && c.Before != nil && c.After != nil:
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "\n%34s %s: %q → %q", "", dash(f), c.Before.Field(f), c.After.Field(f))
		}
	case c.WasPendingSince != "":
		fmt.Fprintf(&b, "  was pending since %s", dash(c.WasPendingSince))
	case c.PromotedTo != "":
		fmt.Fprintf(&b, "  signed: now agreement %s", dash(c.PromotedTo))
	case c.Kind == diff.Restored && c.Before != nil && c.After != nil:
		for _, f := range c.Fields {
			fmt.Fprintf(&b, "\n%34s %s: %q → %q", "", dash(f), c.Before.Field(f), c.After.Field(f))
		}
	}
	// "missing from ICE's list of …", "absent from ICE's lists since … (4 lists)", "back on … after 2 days"
	if note := diff.LifecycleNote(&c); note != "" {
		fmt.Fprintf(&b, "  %s", note)
	}
	fmt.Fprintf(&b, "  [agreement %s]", dash(c.AgreementID))
	return b.String()
}
