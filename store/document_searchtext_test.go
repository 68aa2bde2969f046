package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/pdfgen"
)

// TestDocumentSearchText: archiving a PDF keeps its text per page for the
// search; PutDocumentSearchText refuses a sha not archived.
func TestDocumentSearchText(t *testing.T) {
	s, _ := docStore(t)
	ctx := context.Background()
	links, err := s.DocumentLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)
	if _, err := s.NoteDocumentLinks(ctx, links, at); err != nil {
		t.Fatal(err)
	}
	r := pdfResult(t, moaA, pdfgen.PDF("first page words", "second page: reimburse"), at)
	if _, err := s.RecordDocumentFetch(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	pages, ok, err := s.DocumentSearchText(ctx, r.Doc.SHA256)
	if err != nil || !ok {
		t.Fatalf("got %v, %v, want the text kept at archive time", ok, err)
	}
	if len(pages) != 2 || !strings.Contains(pages[1], "reimburse") {
		t.Errorf("got pages %q, want two, the second with reimburse", pages)
	}
	if _, ok, err := s.DocumentSearchText(ctx, strings.Repeat("0", 64)); ok || err != nil {
		t.Errorf("got %v, %v for an unknown sha, want false, nil", ok, err)
	}
	if err := s.PutDocumentSearchText(ctx, strings.Repeat("0", 64), []string{"x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("got %v, want ErrNotFound for a sha not archived", err)
	}
	if err := s.PutDocumentSearchText(ctx, r.Doc.SHA256, []string{"again"}); err != nil {
		t.Fatal(err)
	}
	if pages, _, _ := s.DocumentSearchText(ctx, r.Doc.SHA256); len(pages) != 1 || pages[0] != "again" {
		t.Errorf("got %q after a put, want [again]", pages)
	}
}
