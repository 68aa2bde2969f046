package notify

import (
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
)

// TestRenderDocumentChanges: the document kinds read as what happened to
// the agreement's MOA, link to the document, and are counted apart in the
// subject.
func TestRenderDocumentChanges(t *testing.T) {
	n := newTestNotifier(t, nil, Options{SMTP: SMTP{From: "a <alerts@example.org>"}})
	const u = "https://www.ice.gov/doclib/287gMOA/a.pdf"
	tests := []struct {
		kind         diff.Kind
		role         string
		wantHeadline string
		wantNote     string
	}{
		{diff.DocumentAdded, diff.DocumentMOA, "MOA archived", ""},
		{diff.DocumentReplaced, diff.DocumentMOA, "MOA replaced at the same address", "previous copy is kept"},
		{diff.DocumentGone, diff.DocumentAddendum, "Addendum link dead", "HTTP 404"},
		{diff.DocumentBack, diff.DocumentMOA, "MOA link back", ""},
	}
	var all []diff.Change
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			ch := diff.Change{Kind: tt.kind, After: rec("TX", "A", "", ""), Document: &diff.DocumentRef{URL: u, Role: tt.role, HTTPStatus: 404}}
			all = append(all, ch)
			it := n.itemFor(ch)
			if it.Headline != tt.wantHeadline || it.MOA != u || !strings.Contains(it.Note, tt.wantNote) {
				t.Errorf("got headline %q, moa %q, note %q; want %q, %q, a note with %q", it.Headline, it.MOA, it.Note, tt.wantHeadline, u, tt.wantNote)
			}
		})
	}
	if got, want := subjectFor("287(g)", all), "287(g): 0 new, 0 ended, 0 changed, 4 MOA documents"; got != want {
		t.Errorf("got subject %q, want %q", got, want)
	}
}
