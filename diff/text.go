package diff

import (
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
	"github.com/watch287g/watch287g/sheet"
)

// TextOptions labels the two sides of a rendered diff.
type TextOptions struct {
	// Old and New name the two files or snapshots ("a.xlsx", "snapshot 12").
	Old, New string
}

// WriteText renders r for a reporter: the counts on top, then the added,
// removed and changed agreements grouped by state, one line each (agency,
// model, signed date, MOA link). A changed agreement lists each changed
// field as "field: old → new", followed by the old value with the changed
// characters marked: [-deleted-] and {+inserted+} (wdiff's convention, so
// the marks survive plain-text email).
func WriteText(w io.Writer, r *Result, opt TextOptions) error {
	ew := &errWriter{w: w}
	if opt.Old != "" || opt.New != "" {
		ew.printf("%s list: %s → %s\n", r.List, opt.Old, opt.New)
	}
	ew.printf("%d added, %d removed, %d changed, %d unchanged; %d agreements now\n",
		len(r.Added), len(r.Removed), len(r.Changed), r.Unchanged, len(r.Agreements))
	for _, g := range []struct {
		title string
		cs    []Change
	}{{"Added", r.Added}, {"Removed", r.Removed}, {"Changed", r.Changed}} {
		if len(g.cs) == 0 {
			continue
		}
		ew.printf("\n%s (%d)\n", g.title, len(g.cs))
		state := "\x00"
		for i := range g.cs {
			c := &g.cs[i]
			rec := c.Record()
			if rec.State != state {
				state = rec.State
				ew.printf("  %s\n", stateHeading(rec))
			}
			ew.printf("    %s\n", agreementLine(rec))
			if c.WasPendingSince != "" {
				ew.printf("      was pending since %s\n", c.WasPendingSince)
			}
			if c.PromotedTo != "" {
				ew.printf("      promoted to participating (%s), not a termination\n", c.PromotedTo)
			}
			for _, f := range c.Fields {
				before, after := c.Before.Field(f), c.After.Field(f)
				ew.printf("      %s: %s → %s\n", f, orBlank(before), orBlank(after))
				if before != "" && after != "" {
					ew.printf("        %s\n", MarkChanges(before, after))
				}
			}
			if c.Kind == Changed && c.Match != "" && c.Match != MatchExact {
				ew.printf("      (matched by %s)\n", c.Match)
			}
		}
	}
	if len(r.Warnings) > 0 {
		ew.printf("\nWarnings (%d)\n", len(r.Warnings))
		for _, wn := range r.Warnings {
			ew.printf("  row %d: %s\n", wn.Row, wn.Message)
		}
	}
	return ew.err
}

func stateHeading(r *sheet.Record) string {
	if r.State == "" {
		return "(unknown state: " + r.StateName + ")"
	}
	return r.State
}

func agreementLine(r *sheet.Record) string {
	parts := []string{r.Agency, sheet.ModelLabel(r.Model)}
	if r.Signed != "" {
		parts = append(parts, "signed "+r.Signed)
	}
	if r.MOAURL != "" {
		parts = append(parts, r.MOAURL)
	}
	return strings.Join(parts, " — ")
}

func orBlank(s string) string {
	if s == "" {
		return "(blank)"
	}
	return s
}

// MarkChanges returns the text from before to after with deletions marked
// [-…-] and insertions {+…+}, computed by diff-match-patch without a time
// limit (values are short) and cleaned up to whole-word-ish edits.
func MarkChanges(before, after string) string {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	diffs := dmp.DiffMain(before, after, false)
	diffs = dmp.DiffCleanupSemantic(diffs)
	var b strings.Builder
	for _, d := range diffs {
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			b.WriteString("[-" + d.Text + "-]")
		case diffmatchpatch.DiffInsert:
			b.WriteString("{+" + d.Text + "+}")
		default:
			b.WriteString(d.Text)
		}
	}
	return b.String()
}

// errWriter keeps the first write error so rendering reads straight.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
