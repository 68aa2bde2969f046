package moa

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRead reads each shared MOA (skipped without the sample): the
// time and allocation per document reported in docs/documents.md.
func BenchmarkRead(b *testing.B) {
	dir, all := samples(b)
	var files [][]byte
	for _, s := range all {
		data, err := os.ReadFile(filepath.Join(dir, s.File))
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, data)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, data := range files {
			if _, err := Read(context.Background(), data, DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N*len(files)), "ms/doc")
}
