package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// Output formats for commands whose output is data.
const (
	formatText = "text"
	formatJSON = "json"
	formatCSV  = "csv"
)

// formatFlag registers --format on fs.
func formatFlag(fs *flag.FlagSet) *string {
	return fs.String("format", formatText, "output `format`: text, json or csv")
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

// writeCSV writes a header row and rows.
func writeCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
