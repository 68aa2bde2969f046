package geo

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsUpstreamOnly keeps geo beside sheet in the one-way flow: it
// may import the standard library, sheet, internal/escape and x/text, and
// nothing downstream (scraper, diff, store, web, …).
func TestImportsUpstreamOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{
		"github.com/watch287g/watch287g/sheet":           true,
		"github.com/watch287g/watch287g/internal/escape": true,
		"golang.org/x/text/unicode/norm":                 true,
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(strings.SplitN(path, "/", 2)[0], ".") && !allowed[path] {
				t.Errorf("%s imports %s, want only the standard library and %v", name, path, allowed)
			}
		}
	}
}
