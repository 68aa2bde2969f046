package sheet

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/xuri/excelize/v2"
)

const largestFile = "2026-03-02am_participatingAgencies03022026am.xlsx"

func readLargest(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(corpustest.Dir(b), largestFile))
	if err != nil {
		b.Skipf("largest corpus file: %v", err)
	}
	return data
}

// BenchmarkParseLargest is the speed target: ≤ 40 ms and ≤ 40 MB per op.
func BenchmarkParseLargest(b *testing.B) {
	data := readLargest(b)
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Records) < 1000 {
			b.Fatalf("got %d records, want over 1000", len(f.Records))
		}
	}
}

// BenchmarkParseLargestExcelize measures the reference reader on the same
// file (values and every hyperlink), for comparison.
func BenchmarkParseLargestExcelize(b *testing.B) {
	data := readLargest(b)
	b.ReportAllocs()
	for b.Loop() {
		x, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		rows, err := x.GetRows("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		refs, err := x.GetHyperLinkCells("Sheet1", "")
		if err != nil {
			b.Fatal(err)
		}
		for _, ref := range refs {
			if _, _, err := x.GetCellHyperLink("Sheet1", ref); err != nil {
				b.Fatal(err)
			}
		}
		if len(rows) < 1000 {
			b.Fatalf("got %d rows, want over 1000", len(rows))
		}
		x.Close()
	}
}

// BenchmarkParseDir parses every .xlsx in $WATCH287G_BENCH_PARSE_DIR (the
// ten-year replay, say) in one goroutine, as the import's read-ahead does,
// and reports per pass the seconds spent in Parse (reading the files from
// disk excluded) and the bytes allocated. Compare with the inflate floor,
// `go run ./internal/replaygen -inflate DIR`.
func BenchmarkParseDir(b *testing.B) {
	dir := os.Getenv("WATCH287G_BENCH_PARSE_DIR")
	if dir == "" {
		b.Skip("set WATCH287G_BENCH_PARSE_DIR to a directory of .xlsx files")
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if err != nil || len(names) == 0 {
		b.Fatalf("no .xlsx in %s (%v)", dir, err)
	}
	b.ReportAllocs()
	var parse time.Duration
	var records int
	for b.Loop() {
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			began := time.Now()
			f, err := Parse(data)
			parse += time.Since(began)
			if err != nil {
				b.Fatalf("%s: %v", filepath.Base(name), err)
			}
			records += len(f.Records)
		}
	}
	b.ReportMetric(parse.Seconds()/float64(b.N), "parse-s/op")
	b.ReportMetric(float64(len(names)), "files")
	b.ReportMetric(float64(records)/float64(b.N), "records/op")
}
