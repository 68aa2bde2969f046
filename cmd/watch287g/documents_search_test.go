package main

import (
	"encoding/csv"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/docsearch"
	"github.com/watch287g/watch287g/internal/doctest"
	"github.com/watch287g/watch287g/internal/pdfgen"
)

// searchDB is a database with two archived PDFs of known text; the
// agency names carry what a terminal or a spreadsheet must not obey.
func searchDB(t *testing.T) (string, []string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "w.db")
	base := "https://www.ice.gov/doclib/287gMOA/"
	st, ids := doctest.Build(t, db, []doctest.Doc{
		{State: "TX", Agency: "=Alpha County \x1b[31mSheriff's Office", URL: base + "alpha.pdf",
			PDF: pdfgen.PDF("Memorandum of Agreement.", "ICE will not reimburse the LEA for personnel expenses.")},
		{State: "FL", Agency: "Béta County Sheriff's Office", URL: base + "beta.pdf", Gone: true,
			PDF: pdfgen.PDF("Beta page one.", "Costs of detention are reimbursed under a separate Intergovernmental Service Agreement.")},
	})
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return db, ids
}

func TestDocumentsSearch(t *testing.T) {
	db, ids := searchDB(t)

	t.Run("text", func(t *testing.T) {
		out := mustRun(t, "--db", db, "documents", "search", "REIMBURSE")
		for _, want := range []string{"page 2  1 match  ok", "ICE will not [reimburse] the LEA", "Costs of detention are [reimbursed]", "gone", "https://www.ice.gov/doclib/287gMOA/beta.pdf", "pages 1-2 of 2"} {
			if !strings.Contains(out, want) {
				t.Errorf("got %q, want it to contain %q", out, want)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("got an escape sequence in %q, want it stripped", out)
		}
	})
	t.Run("phrase and paging", func(t *testing.T) {
		out := mustRun(t, "--db", db, "documents", "search", `"separate intergovernmental"`, "--limit", "1")
		if !strings.Contains(out, "[separate Intergovernmental]") || !strings.Contains(out, "pages 1-1 of 1") {
			t.Errorf("got %q, want the phrase marked, one page", out)
		}
		out = mustRun(t, "--db", db, "documents", "search", "reimburse", "--limit", "1")
		if !strings.Contains(out, "next: --offset 1") {
			t.Errorf("got %q, want the next page's offset", out)
		}
	})
	t.Run("json", func(t *testing.T) {
		var res docsearch.Results
		decodeJSON(t, mustRun(t, "--db", db, "documents", "search", "--format", "json", "reimburse", "personnel"), &res)
		if res.Total != 1 || len(res.Results) != 1 {
			t.Fatalf("got %+v, want one page", res)
		}
		r := res.Results[0]
		if r.Page != 2 || r.Matches != 2 || r.Snippet.Match != "reimburse" || strings.Join(r.Agreements, ",") != ids[0] || r.Status != "ok" {
			t.Errorf("got %+v, want alpha page 2, 2 matches, agreement %s", r, ids[0])
		}
	})
	t.Run("csv", func(t *testing.T) {
		out := mustRun(t, "--db", db, "documents", "search", "--format", "csv", "beta")
		rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0][0] != "sha256" || rows[1][1] != "1" || rows[1][4] != "Béta County Sheriff's Office" {
			t.Fatalf("got %q, want the header and beta page 1", rows)
		}
		out = mustRun(t, "--db", db, "documents", "search", "--format", "csv", "personnel")
		rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
		if len(rows) != 2 || !strings.HasPrefix(rows[1][4], "'=") {
			t.Errorf("got %q, want the agency cell starting with = neutralised", rows)
		}
	})
	t.Run("accents", func(t *testing.T) {
		out := mustRun(t, "--db", db, "documents", "search", "BÉTA", "ONE")
		if !strings.Contains(out, "[Beta]") || !strings.Contains(out, "page 1") {
			t.Errorf("got %q, want Beta page 1", out)
		}
	})
	t.Run("no match", func(t *testing.T) {
		out := mustRun(t, "--db", db, "documents", "search", "unicorn")
		if !strings.Contains(out, "no page matches unicorn (2 documents searched") {
			t.Errorf("got %q, want a no-match line", out)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{"documents", "search"}, "needs a QUERY"},
			{[]string{"documents", "search", strings.Repeat(".*(a+)+$", 1300)}, "at most 256"},
			{[]string{"documents", "search", `"unclosed`}, "not closed"},
			{[]string{"documents", "search", "--limit", "0", "x"}, "--limit must be 1 to 100"},
			{[]string{"documents", "search", "--limit", "1000", "x"}, "--limit must be 1 to 100"},
			{[]string{"documents", "search", "--offset", "-1", "x"}, "--offset"},
			{[]string{"documents", "search", "--format", "xml", "x"}, "--format must be"},
		} {
			r := runCLI(t, append([]string{"--db", db}, tt.args...)...)
			if r.err == nil || !errors.Is(r.err, errUsage) || !strings.Contains(r.err.Error(), tt.want) || strings.Contains(r.err.Error(), "\n") {
				t.Errorf("%q: got %v, want one usage error line containing %q", tt.args, r.err, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("%q: got stdout %q, want none", tt.args, r.stdout)
			}
		}
	})
}
