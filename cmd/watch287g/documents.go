package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/sheet"
)

// documentOutput is the JSON document `documents read --format json`
// prints; scripts rely on its field names (DESIGN.md).
type documentOutput struct {
	File     string     `json:"file"`
	SHA256   string     `json:"sha256"`
	Size     int64      `json:"size"`
	Pages    int        `json:"pages"`
	HasText  bool       `json:"has_text"`
	Fields   moa.Fields `json:"fields"`
	Warnings []string   `json:"warnings"`
}

// runDocuments dispatches the documents subcommands: with no subcommand
// (or `list`) the archive's documents (documents_archive.go), `fetch` one
// round now, `read FILE` one PDF's fields, `search QUERY` the archived
// documents' text (documents_search.go).
func runDocuments(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return runDocumentsList(ctx, a, args)
	}
	switch args[0] {
	case "list":
		return runDocumentsList(ctx, a, args[1:])
	case "fetch":
		return runDocumentsFetch(ctx, a, args[1:])
	case "read":
		return runDocumentsRead(ctx, a, args[1:])
	case "search":
		return runDocumentsSearch(ctx, a, args[1:])
	}
	return fmt.Errorf("%w: unknown documents subcommand %q (list, fetch, read FILE, search QUERY)", errUsage, escape.Terminal(args[0]))
}

// runDocumentsRead prints one PDF's fields. It needs no database.
func runDocumentsRead(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("documents read", "FILE")
	format := fs.String("format", formatText, "output `format`: text or json")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if *format != formatText && *format != formatJSON {
		return fmt.Errorf("%w: --format must be text or json, not %q", errUsage, *format)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: documents read takes exactly one FILE, got %d", errUsage, fs.NArg())
	}
	name := fs.Arg(0)
	doc, err := moa.ReadFile(ctx, name)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("read %s: %w", name, pe.Err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	out := documentOutput{
		File: filepath.Base(name), SHA256: doc.SHA256, Size: doc.Size, Pages: doc.Pages,
		HasText: doc.HasText, Fields: doc.Fields, Warnings: doc.Warnings,
	}
	if *format == formatJSON {
		return writeJSON(a.stdout, out)
	}
	return writeDocumentText(a.stdout, out)
}

// writeDocumentText prints the fields a reporter reads, one per line,
// each with its page; the values come from the PDF, so each goes through
// escape.Terminal.
func writeDocumentText(w io.Writer, d documentOutput) error {
	f := d.Fields
	onPage := func(v string, page int) string {
		if strings.TrimSpace(v) == "" {
			return "-"
		}
		return fmt.Sprintf("%s (page %d)", escape.Terminal(v), page)
	}
	model := f.Model
	if model != "" {
		model = sheet.ModelLabel(model) + " [" + model + "]"
	}
	var dates []string
	for _, pd := range f.SignatureDates {
		dates = append(dates, fmt.Sprintf("%s (page %d)", pd.Date, pd.Page))
	}
	lines := []string{
		"file:      " + orDash(d.File),
		"sha256:    " + d.SHA256,
		fmt.Sprintf("pages:     %d", d.Pages),
		fmt.Sprintf("has text:  %v", d.HasText),
		"lea:       " + onPage(f.LEA, f.LEAPage),
		"model:     " + onPage(model, f.ModelPage),
		"revision:  " + onPage(f.Revision, f.RevisionPage),
		"era:       " + orDash(f.Era),
		"signed:    " + orDash(strings.Join(dates, ", ")),
	}
	for _, wn := range d.Warnings {
		lines = append(lines, "warning:   "+escape.Terminal(wn))
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n")+"\n")
	return err
}
