package moa

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// buildPDF writes a PDF whose objects 1…n are objs (bodies between
// "N 0 obj" and "endobj"), with a correct cross-reference table and a
// trailer naming object 1 as the catalog. trailerExtra goes into the
// trailer dictionary.
func buildPDF(objs []string, trailerExtra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, trailerExtra, xref)
	return b.Bytes()
}

// streamObj is a stream object's body holding data, Flate-compressed when
// flate is set.
func streamObj(data []byte, flate bool) string {
	if !flate {
		return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(data)
	w.Close()
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.Bytes())
}

// onePage is a PDF of one page whose content stream is content.
func onePage(content string, flate bool) []byte {
	return buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		streamObj([]byte(content), flate),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}, "")
}

// withToUnicode is a one-page PDF whose font maps its codes through the
// CMap cmap (compressed, so only the guard's look at the decoded stream
// can see it).
func withToUnicode(cmap string) []byte {
	return buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		streamObj([]byte("BT /F1 10 Tf (abc) Tj ET"), true),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
		streamObj([]byte(cmap), true),
	}, "")
}

// mou is a synthetic first page of the 2020 Jail Enforcement template
// naming agency.
func mou(agency string) string {
	text := "MEMORANDUM OF AGREEMENT 287(g) Jail Enforcement Model I. PARTIES This Memorandum of Agreement (MOA) constitutes an agreement between U.S. Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and " + agency + ", hereinafter the law enforcement agency (LEA), pursuant to which ICE delegates to nominated, trained, certified, and authorized LEA personnel the authority to perform certain immigration enforcement functions as specified herein. "
	text += strings.Repeat("The LEA and ICE enter into this MOA in good faith and agree to abide by the terms and conditions contained herein. ", 5)
	return "BT /F1 10 Tf 72 720 Td (" + text + ") Tj ET"
}

func TestReadSynthetic(t *testing.T) {
	for _, flate := range []bool{false, true} {
		t.Run(fmt.Sprintf("flate=%v", flate), func(t *testing.T) {
			doc, err := Read(context.Background(), onePage(mou("Example County Sheriff's Office"), flate), DefaultLimits)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !doc.HasText || doc.Pages != 1 {
				t.Fatalf("got has_text %v, pages %d, want true, 1", doc.HasText, doc.Pages)
			}
			f := doc.Fields
			if f.LEA != "Example County Sheriff's Office" || f.LEAPage != 1 {
				t.Errorf("lea: got %q (page %d), want %q (page 1)", f.LEA, f.LEAPage, "Example County Sheriff's Office")
			}
			if f.Model != "jail_enforcement" || f.ModelPage != 1 {
				t.Errorf("model: got %q (page %d), want jail_enforcement (page 1)", f.Model, f.ModelPage)
			}
			if f.Era != "2019-2020" || f.Revision != "" {
				t.Errorf("era, revision: got %q, %q, want 2019-2020 and none", f.Era, f.Revision)
			}
		})
	}
}

// hostileCase is a document built to hurt Read and the error it must end in.
type hostileCase struct {
	name string
	b    []byte
	lim  Limits
	want error
}

// hostileCases builds the hostile documents (a decompression bomb, deep
// nesting, millions of pages, reference cycles, counts the parser would
// loop on…).
func hostileCases() []hostileCase {
	valid := onePage(mou("Example County Sheriff's Office"), true)
	small := DefaultLimits
	small.MaxBytes = 100
	deep := strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000)
	bomb := onePage("BT /F1 10 Tf ("+strings.Repeat(" ", 1)+") Tj ET "+strings.Repeat(" ", 40<<20), true) // 40 MiB of spaces, some 40 KiB compressed
	return []hostileCase{
		{"empty", nil, DefaultLimits, ErrNotPDF},
		{"HTML error page", []byte("<!DOCTYPE html><html><body>Access Denied</body></html>"), DefaultLimits, ErrNotPDF},
		{"truncated", valid[:len(valid)/2], DefaultLimits, ErrMalformed},
		{"over the size cap", valid, small, ErrTooLarge},
		{"no cross-reference table", []byte("%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"), DefaultLimits, ErrMalformed},
		{"decompression bomb", bomb, DefaultLimits, ErrTooLarge},
		{"deep nesting in an object", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R /X " + deep + " >>", "<< /Type /Pages /Kids [] /Count 0 >>"}, ""), DefaultLimits, ErrTooComplex},
		{"deep nesting in a content stream", onePage(deep, true), DefaultLimits, ErrTooComplex},
		{"millions of pages", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R] /Count 5000000 >>"}, ""), DefaultLimits, ErrTooLarge},
		{"page tree cycle", buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [2 0 R] /Count 3 >>",
		}, ""), DefaultLimits, ErrTooComplex},
		{"parent cycle without resources", buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 3 0 R /Contents 4 0 R >>",
			streamObj([]byte("BT (x) Tj ET"), false),
		}, ""), DefaultLimits, ErrTooComplex},
		{"huge cross-reference size", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 1 >>"}, "/Size 4000000000"), DefaultLimits, ErrTooLarge},
		{"unknown filter (a panic inside the parser)", buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
			"<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R >>",
			"<< /Length 3 /Filter /NoSuchDecode >>\nstream\nabc\nendstream",
		}, ""), DefaultLimits, ErrMalformed},
		{"object where the cross-reference says another (a panic inside the parser)", bytes.Replace(onePage("BT ET", false), []byte("3 0 obj"), []byte("9 0 obj"), 1), DefaultLimits, ErrMalformed},
		{"CMap count bomb", withToUnicode("/CIDInit /ProcSet findresource begin begincmap 999999999 beginbfchar endbfchar endcmap end"), DefaultLimits, ErrTooLarge},
		{"CMap count bomb through def", withToUnicode("begincmap /n 999999999 def n beginbfchar endbfchar endcmap"), DefaultLimits, ErrTooLarge},
		{"object stream count by reference", buildPDF([]string{
			"<< /Type /Catalog /Pages 2 0 R >>",
			"<< /Type /Pages /Kids [] /Count 0 >>",
			"999999999999",
			"<< /Type /ObjStm /N 3 0 R /First 4 /Length 4 >>\nstream\n1 0 \nendstream",
		}, ""), DefaultLimits, ErrTooComplex},
		{"page missing", buildPDF([]string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 2 >>"}, ""), DefaultLimits, ErrMalformed},
	}
}

// TestReadHostile feeds Read documents built to hurt it: each must end in
// its typed error (never a panic, a hang or an out-of-memory crash).
func TestReadHostile(t *testing.T) {
	tests := hostileCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Read(context.Background(), tt.b, tt.lim)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v (document %v), want %v", err, doc != nil, tt.want)
			}
			t.Logf("%v", err)
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

// TestReadColumns: a predictor whose /Columns would make the parser
// allocate gigabytes is refused before the parser sees it.
func TestReadColumns(t *testing.T) {
	b := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Resources << >> /Contents 4 0 R >>",
		"<< /Length 3 /Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 4000000000 >> >>\nstream\nabc\nendstream",
	}, "")
	if _, err := Read(context.Background(), b, DefaultLimits); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want %v", err, ErrTooLarge)
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Read(ctx, onePage(mou("Example County Sheriff's Office"), true), DefaultLimits)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want %v", err, context.Canceled)
	}
}

// TestReadTimeout: a document that needs longer than Limits.Timeout ends
// in an error wrapping context.DeadlineExceeded. A timeout of a nanosecond
// has passed by the parser's first read.
func TestReadTimeout(t *testing.T) {
	lim := DefaultLimits
	lim.Timeout = 1
	_, err := Read(context.Background(), onePage(mou("Example County Sheriff's Office"), true), lim)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want %v", err, context.DeadlineExceeded)
	}
}

// TestMeasureObjectStreamWithStream: an object stream holding a stream is
// refused (the parser would inflate file bytes the guard never indexed);
// the same bytes as a content stream are measured.
func TestMeasureObjectStreamWithStream(t *testing.T) {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write([]byte("4 0 << /Length 100000 /Filter /FlateDecode >>\nstream\nxxxx\nendstream"))
	w.Close()
	if _, err := measure(z.Bytes(), z.Bytes(), true, DefaultLimits); !errors.Is(err, ErrMalformed) {
		t.Errorf("object stream: got %v, want %v", err, ErrMalformed)
	}
	// The larger of the compressed and the decoded size (67 bytes).
	want := max(int64(z.Len()), 67)
	n, err := measure(z.Bytes(), z.Bytes(), false, DefaultLimits)
	if err != nil || n != want {
		t.Errorf("content stream: got %d, %v, want %d bytes and no error", n, err, want)
	}
}

// TestReadBinaryBody: a stream body of binary data whose bytes happen to
// hold many unbalanced brackets (an image) is no nesting: the document
// reads.
func TestReadBinaryBody(t *testing.T) {
	img := "<< /Type /XObject /Subtype /Image /Width 100 /Height 50 /BitsPerComponent 8 /ColorSpace /DeviceGray /Length 5000 >>\nstream\n" + strings.Repeat("[", 2500) + strings.Repeat("<<", 1250) + "\nendstream"
	b := buildPDF([]string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> /XObject << /Im0 6 0 R >> >> /Contents 4 0 R >>",
		streamObj([]byte(mou("Example County Sheriff's Office")+" q 100 0 0 50 0 0 cm /Im0 Do Q"), true),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		img,
	}, "")
	doc, err := Read(context.Background(), b, DefaultLimits)
	if err != nil {
		t.Fatalf("got %v, want the document read", err)
	}
	if doc.Fields.LEA != "Example County Sheriff's Office" {
		t.Errorf("lea: got %q, want Example County Sheriff's Office", doc.Fields.LEA)
	}
}
