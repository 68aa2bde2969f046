package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moaSample returns a PDF of the shared MOA sample, or skips the test when
// the sample is absent (it stays outside the repository).
func moaSample(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "moa", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared MOA sample not found at %q: skipped", p)
	}
	return p
}

func TestDocumentsRead(t *testing.T) {
	pdf := moaSample(t, "287gJEM_BentonCoAR_06-30-2020.pdf")
	t.Run("json", func(t *testing.T) {
		var out documentOutput
		decodeJSON(t, mustRun(t, "documents", "read", pdf, "--format", "json"), &out)
		if out.File != "287gJEM_BentonCoAR_06-30-2020.pdf" || !out.HasText || out.Pages != 11 || len(out.SHA256) != 64 {
			t.Errorf("got file %q, has_text %v, pages %d, sha256 %q, want the Benton MOA's", out.File, out.HasText, out.Pages, out.SHA256)
		}
		if out.Fields.LEA != "Benton County Sheriff's Office" || out.Fields.LEAPage != 1 {
			t.Errorf("lea: got %q (page %d), want Benton County Sheriff's Office (page 1)", out.Fields.LEA, out.Fields.LEAPage)
		}
		if out.Fields.Model != "jail_enforcement" {
			t.Errorf("model: got %q, want jail_enforcement", out.Fields.Model)
		}
	})
	t.Run("json keys", func(t *testing.T) {
		var raw map[string]any
		decodeJSON(t, mustRun(t, "documents", "read", "--format=json", pdf), &raw)
		for _, k := range []string{"file", "sha256", "pages", "has_text", "fields", "warnings"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("got keys %v, want %q among them", raw, k)
			}
		}
		fields, _ := raw["fields"].(map[string]any)
		for _, k := range []string{"lea", "lea_page", "model", "model_page", "revision", "revision_page"} {
			if _, ok := fields[k]; !ok {
				t.Errorf("got fields %v, want %q among them", fields, k)
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		out := mustRun(t, "documents", "read", pdf)
		for _, want := range []string{"lea:       Benton County Sheriff's Office (page 1)", "model:     Jail Enforcement [jail_enforcement] (page 1)", "has text:  true"} {
			if !strings.Contains(out, want) {
				t.Errorf("got:\n%s\nwant a line %q", out, want)
			}
		}
	})
	t.Run("scan", func(t *testing.T) {
		var out documentOutput
		decodeJSON(t, mustRun(t, "documents", "read", moaSample(t, "VADOC_JEM_MOA_022825.pdf"), "--format", "json"), &out)
		if out.HasText || out.Fields.LEA != "" || len(out.Warnings) == 0 {
			t.Errorf("got has_text %v, lea %q, warnings %q, want an image-only scan flagged", out.HasText, out.Fields.LEA, out.Warnings)
		}
	})
}

func TestDocumentsReadBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	html := write("moa.pdf", []byte("<!DOCTYPE html><html><body>Page not found</body></html>\n"))
	truncated := write("truncated.pdf", []byte("%PDF-1.6\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"documents", "read", filepath.Join(dir, "nope.pdf")}, "no such file"},
		{"HTML file", []string{"documents", "read", html}, "not a PDF"},
		{"truncated PDF", []string{"documents", "read", truncated, "--format", "json"}, "malformed PDF"},
		{"no file", []string{"documents", "read"}, "exactly one FILE"},
		{"bad format", []string{"documents", "read", html, "--format", "csv"}, "--format must be text or json"},
		{"no database", []string{"--db", filepath.Join(dir, "none.db"), "documents"}, "no database"},
		{"unknown subcommand", []string{"documents", "lsit"}, "unknown documents subcommand"},
		{"search without query", []string{"documents", "search"}, "needs a QUERY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.args...)
			if r.err == nil {
				t.Fatalf("got success (stdout %q), want an error", r.stdout)
			}
			if errors.Is(r.err, errQuarantined) {
				t.Fatalf("got %v, which exits 3, want an error that exits 1", r.err)
			}
			msg := r.err.Error()
			if !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("got %q, want one line containing %q", msg, tt.want)
			}
			if r.stdout != "" {
				t.Errorf("got stdout %q, want none on failure", r.stdout)
			}
		})
	}
}
