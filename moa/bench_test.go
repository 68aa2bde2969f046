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

// BenchmarkReadHostile: what each hostile document costs before it is
// refused (time and bytes allocated per case, in docs/documents.md).
func BenchmarkReadHostile(b *testing.B) {
	for _, tc := range hostileCases() {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Read(context.Background(), tc.b, tc.lim); err == nil {
					b.Fatal("got a document, want an error")
				}
			}
		})
	}
}
