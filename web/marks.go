package web

import (
	"html/template"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// markHTML is diff.MarkChanges for a page: the same diff-match-patch run
// (no time limit, semantic cleanup), with deletions as <del> and
// insertions as <ins> instead of wdiff's brackets, every piece escaped.
// It stays in step with diff.MarkChanges by construction: both mark the
// same edits, only the notation differs (TestMarkHTMLMatchesCLI).
func markHTML(before, after string) template.HTML {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMain(before, after, false))
	var b strings.Builder
	for _, d := range diffs {
		text := template.HTMLEscapeString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			b.WriteString("<del>" + text + "</del>")
		case diffmatchpatch.DiffInsert:
			b.WriteString("<ins>" + text + "</ins>")
		default:
			b.WriteString(text)
		}
	}
	return template.HTML(b.String())
}
