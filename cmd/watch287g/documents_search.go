package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/docsearch"
	"github.com/watch287g/watch287g/internal/escape"
)

// runDocumentsSearch searches the archived documents' text: every word
// (AND), "a phrase" in quotes, case and accents ignored; one line per
// matching page with a snippet around the first match.
func runDocumentsSearch(ctx context.Context, a *app, args []string) error {
	fs := a.newFlagSet("documents search", `QUERY   (words must all be on the page; "a phrase" in quotes)`)
	server := noServerFlag(fs)
	format := formatFlag(fs)
	limit := fs.Int("limit", 20, fmt.Sprintf("at most `N` pages (1 to %d)", docsearch.MaxResults))
	offset := fs.Int("offset", 0, "skip the first `N` pages (the next page of results)")
	if err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if *limit < 1 || *limit > docsearch.MaxResults {
		return fmt.Errorf("%w: --limit must be 1 to %d, not %d", errUsage, docsearch.MaxResults, *limit)
	}
	if *offset < 0 {
		return fmt.Errorf("%w: --offset must not be negative, not %d", errUsage, *offset)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: documents search needs a QUERY", errUsage)
	}
	query := strings.Join(fs.Args(), " ")
	if _, err := docsearch.Parse(query); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	st, err := a.openLocal(*server, cmdReadLocal)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := docsearch.New(st, docsearch.Limits{}, a.log).Search(ctx, query, *offset, *limit)
	if err != nil {
		return err
	}
	switch *format {
	case formatJSON:
		return writeJSON(a.stdout, res)
	case formatCSV:
		return writeDocumentSearchCSV(a.stdout, res)
	}
	return writeDocumentSearchText(a.stdout, res)
}

var documentSearchCSVHeader = []string{"sha256", "page", "matches", "status", "agencies", "agreements", "urls", "snippet"}

func writeDocumentSearchCSV(w io.Writer, res *docsearch.Results) error {
	rows := make([][]string, 0, len(res.Results))
	for _, r := range res.Results {
		rows = append(rows, []string{r.SHA256, strconv.Itoa(r.Page), strconv.Itoa(r.Matches), r.Status,
			strings.Join(r.Agencies, " | "), strings.Join(r.Agreements, " "), strings.Join(r.URLs, " "), r.Snippet.String()})
	}
	return writeCSV(w, documentSearchCSVHeader, rows)
}

// writeDocumentSearchText prints each page as a heading line (document,
// page, matches, agencies), its snippet with the match in [brackets], and
// the addresses; every value from a document or a list goes through
// escape.Terminal.
func writeDocumentSearchText(w io.Writer, res *docsearch.Results) error {
	var b strings.Builder
	if res.Total == 0 {
		fmt.Fprintf(&b, "no page matches %s (%d documents searched", escape.Terminal(res.Query.Raw), res.Documents)
		if res.NoText > 0 {
			fmt.Fprintf(&b, ", %d of them scans without text", res.NoText)
		}
		b.WriteString(")\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	for _, r := range res.Results {
		fmt.Fprintf(&b, "%s  page %d  %s  %s  %s\n", r.SHA256[:min(12, len(r.SHA256))], r.Page, plural(r.Matches, "match", "matches"),
			r.Status, escape.Terminal(dash(strings.Join(r.Agencies, "; "))))
		fmt.Fprintf(&b, "    %s\n", escape.Terminal(r.Snippet.String()))
		for _, u := range r.URLs {
			fmt.Fprintf(&b, "    %s\n", escape.Terminal(escape.RedactURL(u)))
		}
	}
	end := res.Offset + len(res.Results)
	fmt.Fprintf(&b, "pages %d-%d of %d", res.Offset+1, end, res.Total)
	if res.Truncated {
		b.WriteString(" (the search stopped at its limit; narrow the query)")
	}
	if end < res.Total {
		fmt.Fprintf(&b, "; next: --offset %d", end)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
