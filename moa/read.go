// Package moa reads one 287(g) Memorandum of Agreement PDF: it checks that
// the bytes are a PDF, extracts each page's text layer, and reads from the
// text the few fields that are reliably there (the law enforcement agency
// named in section I, the model, the template revision, dates near the
// signature block), each with the page it came from, blank when unsure.
//
// It needs no database and imports nothing downstream of sheet, so the
// store can archive what it returns and the command line can print it.
// Cost is bounded: the input, every stream, the decoded total, the number
// of objects, the nesting depth and the pages are capped (Limits), a panic
// in the third-party parser becomes ErrMalformed, and ctx is honoured.
// docs/documents.md explains the choice of extractor, with figures.
package moa

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// Errors Read returns; callers test with errors.Is. Each wraps the detail.
var (
	// ErrNotPDF is returned when the bytes do not start with %PDF- (an
	// HTML error page served with status 200, an empty body).
	ErrNotPDF = errors.New("not a PDF")
	// ErrTooLarge is returned when the input, a stream, the decoded total,
	// the objects or the pages exceed Limits.
	ErrTooLarge = errors.New("PDF too large")
	// ErrTooComplex is returned when objects nest deeper than Limits
	// allows or the parser has to read far more than the file holds
	// (reference cycles, one object referenced over and over).
	ErrTooComplex = errors.New("PDF too complex")
	// ErrMalformed is returned when the file starts as a PDF but does not
	// parse: truncated, a broken cross-reference table, or a panic inside
	// the third-party parser (recovered and reported as this error).
	ErrMalformed = errors.New("malformed PDF")
	// ErrEncrypted is returned for a password-protected PDF.
	ErrEncrypted = errors.New("encrypted PDF")
)

// Limits caps what reading one document may cost.
type Limits struct {
	MaxBytes        int64 // the file itself
	MaxStreamBytes  int64 // one stream, decoded
	MaxDecodedBytes int64 // every stream the parser reads, decoded, in total
	MaxReadBytes    int64 // bytes the parser may read from the file in total
	MaxObjects      int   // objects (and cross-reference entries)
	MaxDepth        int   // nesting of arrays and dictionaries
	MaxPages        int
	// Timeout bounds one document (0: none beyond ctx); when it passes,
	// Read returns an error wrapping context.DeadlineExceeded.
	Timeout time.Duration
}

// DefaultLimits fit every MOA in the shared sample with wide room (the
// largest is 1.5 MB and 15 pages; the parser reads at most 4 times a
// file and decodes at most 2.6 MB of streams), and stop a hostile file in
// well under a second and a few tens of megabytes.
var DefaultLimits = Limits{
	MaxBytes:        32 << 20,
	MaxStreamBytes:  16 << 20,
	MaxDecodedBytes: 64 << 20,
	MaxReadBytes:    256 << 20,
	MaxObjects:      200_000,
	MaxDepth:        1000,
	MaxPages:        2000,
	Timeout:         20 * time.Second,
}

// minTextChars is how many non-space characters a document's text layer
// must hold to count as text: the shared sample's image-only scans hold
// under 100 (page numbers, a stamp), its text documents over 20,000.
const minTextChars = 500

// Document is what Read finds in one PDF.
type Document struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Pages  int    `json:"pages"`
	// HasText is false for an image-only scan: no text layer to read, so
	// no fields are guessed.
	HasText  bool     `json:"has_text"`
	Fields   Fields   `json:"fields"`
	Warnings []string `json:"warnings"`
	// Text is each page's extracted text, whitespace collapsed (page 1 is
	// Text[0]), for search.
	Text []string `json:"-"`
	// Cost is what reading took, for measuring the limits against.
	Cost Cost `json:"-"`
}

// Cost is what the parser read from the file and decoded from its streams.
type Cost struct {
	ReadBytes    int64
	DecodedBytes int64
}

// ReadFile reads the PDF at path with DefaultLimits, refusing a file over
// the size cap before reading it.
func ReadFile(ctx context.Context, path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > DefaultLimits.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, st.Size(), DefaultLimits.MaxBytes)
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Read(ctx, b, DefaultLimits)
}

// Sniff reports whether b can be a PDF at all (the magic and an end of
// file marker), cheaply, without parsing it.
func Sniff(b []byte) error {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return fmt.Errorf("%w: the file starts with %q", ErrNotPDF, head(b))
	}
	tail := b[max(0, len(b)-1024):]
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return fmt.Errorf("%w: no %%%%EOF marker at the end (truncated?)", ErrMalformed)
	}
	return nil
}

// head is the first few bytes of b, for a message.
func head(b []byte) string {
	b = b[:min(len(b), 16)]
	return string(bytes.TrimSpace(b))
}

// Read checks that b is a PDF within lim, extracts its text and reads its
// fields.
func Read(ctx context.Context, b []byte, lim Limits) (*Document, error) {
	if int64(len(b)) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTooLarge, len(b), lim.MaxBytes)
	}
	if err := Sniff(b); err != nil {
		return nil, err
	}
	if lim.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.Timeout)
		defer cancel()
	}
	sum := sha256.Sum256(b)
	doc := &Document{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), Warnings: []string{}}
	pages, form, err := extract(ctx, b, lim, &doc.Cost)
	if err != nil {
		return nil, err
	}
	doc.Pages = len(pages)
	doc.Text = pages
	chars := 0
	for _, p := range pages {
		for _, r := range p {
			if r != ' ' {
				chars++
			}
		}
	}
	doc.HasText = chars >= minTextChars
	if !doc.HasText {
		doc.Warnings = append(doc.Warnings, fmt.Sprintf("no text layer (an image-only scan, %d characters of text): fields are not read", chars))
		doc.Fields.SignatureDates = []PageDate{}
		return doc, nil
	}
	doc.Fields, doc.Warnings = readFields(pages, form, doc.Warnings)
	return doc, nil
}
