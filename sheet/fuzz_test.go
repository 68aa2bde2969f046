package sheet

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the reader: it must never panic, and
// whenever both it and excelize read a workbook they must see the same
// cells.
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("..", "testdata", "*.xlsx"))
	if err != nil {
		f.Fatalf("glob seeds: %v", err)
	}
	if len(seeds) == 0 {
		f.Fatal("got no seeds in ../testdata, want the fixtures (run go generate ./sheet/)")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatalf("read seed: %v", err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err == nil && file == nil {
			t.Fatal("got nil file and nil error")
		}
		if err == nil {
			for _, r := range file.Records {
				if r.Agency == "" {
					t.Fatalf("row %d: got a record with a blank agency", r.Row)
				}
			}
		}
		if _, err := compareReaders(b); err != nil {
			t.Fatal(err)
		}
	})
}

func TestFixturesMatchExcelize(t *testing.T) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "*.xlsx"))
	read := 0
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		both, err := compareReaders(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(s), err)
		}
		if both {
			read++
		}
	}
	if read < 8 {
		t.Errorf("got %d fixtures read by both readers, want at least 8", read)
	}
}
