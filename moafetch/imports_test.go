package moafetch

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsUpstreamOnly keeps moafetch where ARCHITECTURE.md puts it:
// beside notify and web, downstream of store, upstream of tracker, config
// and cmd (which wire it), so those can import it and it none of them.
func TestImportsUpstreamOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/watch287g/watch287g/"
	allowed := map[string]bool{
		mod + "internal/escape": true,
		mod + "moa":             true,
		mod + "store":           true,
		mod + "wayback":         true,
		mod + "diff":            true,
		mod + "sheet":           true,
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
			if strings.HasPrefix(path, mod) && !allowed[path] {
				t.Errorf("%s imports %s, want only packages upstream of moafetch", name, path)
			}
		}
	}
}
