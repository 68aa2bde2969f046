package docsearch

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/moa"
)

// BenchmarkSearchShared searches the text of every shared MOA (read once,
// outside the timing): the cost of one query over the sample.
func BenchmarkSearchShared(b *testing.B) {
	corpus, _ := corpustest.Find()
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(corpus), "moa", "*.pdf"))
	if len(names) == 0 {
		b.Skip("shared MOA sample not found")
	}
	var pages []Page
	var bytes int
	for _, n := range names {
		body, err := os.ReadFile(n)
		if err != nil {
			b.Fatal(err)
		}
		doc, err := moa.Read(context.Background(), body, moa.DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		for i, t := range doc.Text {
			pages = append(pages, NewPage(doc.SHA256, i+1, t))
			bytes += len(t)
		}
	}
	for _, q := range []string{"reimburs", `"immigration and customs enforcement"`, "detention personnel training", "unicorn"} {
		b.Run(q, func(b *testing.B) {
			pq, err := Parse(q)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(bytes), "text-bytes")
			for b.Loop() {
				Search(pages, pq, DefaultLimits)
			}
		})
	}
}
