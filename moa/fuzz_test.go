package moa

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// fuzzLimits keep each fuzz input cheap; the guards are the same.
var fuzzLimits = Limits{
	MaxBytes:        1 << 20,
	MaxStreamBytes:  1 << 20,
	MaxDecodedBytes: 4 << 20,
	MaxReadBytes:    16 << 20,
	MaxObjects:      10_000,
	MaxDepth:        200,
	MaxPages:        100,
	Timeout:         5 * time.Second,
}

// FuzzRead: no input panics Read, every error is one of the package's
// (or the context's), and a document read has its pages' text.
func FuzzRead(f *testing.F) {
	valid := onePage(mou("Example County Sheriff's Office"), true)
	f.Add(valid)
	f.Add(onePage(mou("Example County Sheriff's Office"), false))
	f.Add(valid[:len(valid)-20])
	f.Add([]byte("%PDF-1.7\n%%EOF\n"))
	f.Add([]byte("<html>not found</html>"))
	f.Add(buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 3 >>"}, ""))
	f.Add(withToUnicode("/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange 2 beginbfchar <61> <0041> <62> <0042> endbfchar endcmap end end"))
	f.Add(bytes.Replace(onePage("BT ET", false), []byte("3 0 obj"), []byte("9 0 obj"), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := Read(context.Background(), b, fuzzLimits)
		if err != nil {
			for _, want := range []error{ErrNotPDF, ErrTooLarge, ErrTooComplex, ErrMalformed, ErrEncrypted, context.DeadlineExceeded} {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("got untyped error %v", err)
		}
		if doc.Pages < 1 || len(doc.Text) != doc.Pages {
			t.Fatalf("got %d pages and %d texts, want one text per page, at least one", doc.Pages, len(doc.Text))
		}
	})
}
