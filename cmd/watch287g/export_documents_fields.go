package main

import (
	"strconv"

	"github.com/watch287g/watch287g/store"
)

// documentFieldCells are documents.tsv's last columns: what the PDF's text
// names (lea, model, revision, each with its page; blank and 0 when
// unsure) and why it does not read as an agreement linking it.
func documentFieldCells(f store.DocumentFile, cs []store.DocumentContradiction) []string {
	page := func(p int) string {
		if p == 0 {
			return ""
		}
		return strconv.Itoa(p)
	}
	return []string{f.Fields.LEA, page(f.Fields.LEAPage), f.Fields.Model, page(f.Fields.ModelPage),
		f.Fields.Revision, page(f.Fields.RevisionPage), contradictionText(cs)}
}
