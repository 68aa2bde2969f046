package layers

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const mod = "github.com/watch287g/watch287g/"

// rank is each package's place in the flow of docs/ARCHITECTURE.md:
//
//	xlsx → sheet → geo, moa → scraper, wayback → diff → store →
//	notify, web, dataset, docsearch, moafetch → tracker → config → cmd
//
// A package may import those of a lower rank, never its own or a higher
// one. Within a group the order is the one the code has: wayback reads
// through scraper, web searches through docsearch. Test helpers (scrapertest, waybacktest) rank with their package;
// internal/ packages are tools and fixtures, left out.
var rank = map[string]int{
	"xlsx": 0, "sheet": 1, "geo": 2, "moa": 2, "scraper": 3, "scraper/scrapertest": 3,
	"wayback": 4, "wayback/waybacktest": 4, "diff": 5, "store": 6, "docsearch": 7,
	"notify": 8, "web": 8, "dataset": 8, "moafetch": 8,
	"tracker": 9, "config": 10, "cmd/watch287g": 11,
}

// outside lists the only modules from outside a package may import, for
// those kept to a few: geo draws maps from embedded data with x/text alone.
var outside = map[string]map[string]bool{
	"geo": {"golang.org/x/text/unicode/norm": true},
}

func TestImportsFlowOneWay(t *testing.T) {
	root := filepath.Join("..", "..")
	for pkg, r := range rank {
		files, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("package %s: no Go files (%v)", pkg, err)
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
				dep, ours := strings.CutPrefix(path, mod)
				if allow, kept := outside[pkg]; kept && !ours && strings.Contains(strings.SplitN(path, "/", 2)[0], ".") && !allow[path] {
					t.Errorf("%s imports %s, want only the standard library, upstream packages and %v", name, path, allow)
				}
				if !ours || strings.HasPrefix(dep, "internal/") {
					continue
				}
				if dr, known := rank[dep]; !known || dr >= r && !(dr == r && isHelperOf(dep, pkg)) {
					t.Errorf("%s imports %s: not upstream of %s (docs/ARCHITECTURE.md)", name, dep, pkg)
				}
			}
		}
	}
	// Every package of the module has its place.
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, ".") && rel != "." || rel == "internal" || strings.HasPrefix(rel, "internal/") || strings.Contains(rel, "testdata") {
			return nil
		}
		if gos, _ := filepath.Glob(filepath.Join(p, "*.go")); len(gos) > 0 {
			if _, ok := rank[rel]; !ok {
				t.Errorf("package %s has no place in the flow: add it to rank and docs/ARCHITECTURE.md", rel)
			}
		}
		return nil
	})
}

// isHelperOf reports whether dep is pkg's own test helper or the package
// a helper stands beside (scraper/scrapertest imports scraper).
func isHelperOf(dep, pkg string) bool {
	return strings.HasPrefix(pkg, dep+"/") || strings.HasPrefix(dep, pkg+"/")
}
