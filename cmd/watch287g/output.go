package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
)

// Output formats for commands whose output is data.
const (
	formatText = "text"
	formatJSON = "json"
	formatCSV  = "csv"
)

// formatFlag registers --format on fs.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", formatText, "output `format`: text, json or csv (a CSV cell starting with = + - @ gets a leading ' so spreadsheets show it as text)")
}

// checkFormat rejects an unknown --format value.
func checkFormat(f string) error {
	switch f {
	case formatText, formatJSON, formatCSV:
		return nil
	}
	return fmt.Errorf("%w: --format must be text, json or csv, not %q", errUsage, f)
}

// writeJSON writes v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeTerminal writes text line by line, each line through
// escape.Terminal, for output another package formats.
func writeTerminal(w io.Writer, text string) error {
	text, last := strings.CutSuffix(text, "\n")
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		b.WriteString(escape.Terminal(line))
		b.WriteByte('\n')
	}
	out := b.String()
	if !last {
		out = strings.TrimSuffix(out, "\n")
	}
	_, err := io.WriteString(w, out)
	return err
}

// writeCSV writes a header row and rows. Every cell goes through
// escape.CSVCell: values come from ICE's files, and a cell starting with
// = + - @ would run as a formula in the spreadsheet a reporter opens it in
// (such a cell is prefixed with ', see docs). Every CSV the CLI writes,
// to stdout or in export, goes through here.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cells := make([]string, 0, len(header))
	for _, r := range append([][]string{header}, rows...) {
		cells = cells[:0]
		for _, c := range r {
			cells = append(cells, escape.CSVCell(c))
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
