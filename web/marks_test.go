package web

import (
	"html"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
)

// TestMarkHTMLMatchesCLI: the pages mark the same edits as the command
// line's diff, only in <del>/<ins> instead of [-…-]/{+…+}, and escaped.
func TestMarkHTMLMatchesCLI(t *testing.T) {
	tests := []struct{ before, after string }{
		{"Pasco County Sheriffs Office", "Pasco County Sheriff's Office"},
		{"MARYLND", "MARYLAND"},
		{"Harris County Constable Pct. 1", "Harris County Constable Precinct 1"},
		{"2025-01-05", "2025-01-06"},
		{`Cobb <b>County</b>`, `Cobb <script>alert(1)</script> County`},
		{"same", "same"},
	}
	toCLI := strings.NewReplacer("<del>", "[-", "</del>", "-]", "<ins>", "{+", "</ins>", "+}")
	for _, tc := range tests {
		t.Run(tc.before, func(t *testing.T) {
			got := string(markHTML(tc.before, tc.after))
			if strings.Contains(got, "<script") || strings.Contains(got, "<b>") {
				t.Fatalf("got %q, want the values escaped", got)
			}
			if cli := diff.MarkChanges(tc.before, tc.after); html.UnescapeString(toCLI.Replace(got)) != cli {
				t.Errorf("got %q, want the CLI's marks %q", got, cli)
			}
		})
	}
}
