package pdfgen

import (
	"context"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/moa"
)

func TestPDFReads(t *testing.T) {
	long := strings.Repeat("The Sheriff of Example County agrees to the terms of this memorandum. ", 12)
	tests := []struct {
		name     string
		pages    []string
		wantText bool
	}{
		{"one short page", []string{"hello (world)"}, false},
		{"text pages", []string{long, "page two " + long}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := moa.Read(context.Background(), PDF(tt.pages...), moa.DefaultLimits)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if doc.Pages != len(tt.pages) {
				t.Errorf("got %d pages, want %d", doc.Pages, len(tt.pages))
			}
			if doc.HasText != tt.wantText {
				t.Errorf("got has_text %v, want %v", doc.HasText, tt.wantText)
			}
			if !strings.Contains(doc.Text[0], strings.Fields(tt.pages[0])[0]) {
				t.Errorf("got page 1 text %q, want it to hold %q", doc.Text[0], strings.Fields(tt.pages[0])[0])
			}
		})
	}
}
