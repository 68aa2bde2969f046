// Package doctest builds a real store holding archived MOA documents, for
// the tests of the document search, web pages and export (issue 14). It
// goes through the store's own archive path (NoteDocumentLinks,
// RecordDocumentFetch), as moafetch does, without a network.
package doctest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Doc is one agreement of the participating list and the document its
// MOA link answers.
type Doc struct {
	State, Agency string
	Model         string // sheet.JailEnforcement when empty
	URL           string
	// PDF is the body served with 200; nil means the link answers 404
	// (a dead link, never archived).
	PDF []byte
	// Gone, with PDF set, archives PDF and then has the link answer 404:
	// the last copy stays archived.
	Gone bool
}

// At is when the documents are fetched.
var At = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

// Parse reads the JSON stand-in for a workbook that Build commits; open
// the store again with it (store.Options.Parse).
func Parse(b []byte) (*sheet.File, error) {
	var f sheet.File
	return &f, json.Unmarshal(b, &f)
}

// Build writes a store at path (t.TempDir()/w.db when empty) whose
// participating list holds one agreement per doc, archives each doc's PDF,
// and returns the store (open) and the agreement ids in doc order.
func Build(t testing.TB, path string, docs []Doc) (*store.Store, []string) {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "w.db")
	}
	st, err := store.Open(path, store.Options{Parse: Parse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ids, err := fill(st, docs)
	if err != nil {
		t.Fatal(err)
	}
	return st, ids
}

func fill(st *store.Store, docs []Doc) ([]string, error) {
	ctx := context.Background()
	recs := make([]sheet.Record, len(docs))
	for i, d := range docs {
		model := d.Model
		if model == "" {
			model = sheet.JailEnforcement
		}
		recs[i] = sheet.Record{Row: i + 2, State: d.State, StateName: d.State, Agency: d.Agency, AgencyRaw: d.Agency,
			Type: "County", Model: model, Signed: "2025-01-15", MOAURL: d.URL}
	}
	body, err := json.Marshal(&sheet.File{List: sheet.Participating, Records: recs, Warnings: []sheet.Warning{}})
	if err != nil {
		return nil, err
	}
	if _, err := st.Commit(ctx, store.Cycle{At: At.Add(-time.Hour), Inputs: []store.Input{{
		Source: "https://www.ice.gov/doclib/participating.xlsx", Name: "participating.xlsx", Body: body, Published: "2025-06-30",
	}}}); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	_, aggs, err := st.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		for _, a := range aggs {
			if a.MOAURL == d.URL && a.Agency == d.Agency {
				ids[i] = a.ID
			}
		}
	}
	links, err := st.DocumentLinks(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := st.NoteDocumentLinks(ctx, links, At); err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.URL == "" {
			continue
		}
		r := store.DocumentResult{URL: d.URL, At: At, Status: 404}
		if d.PDF != nil {
			doc, err := moa.Read(ctx, d.PDF, moa.DefaultLimits)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", d.URL, err)
			}
			r = store.DocumentResult{URL: d.URL, At: At, Status: 200, Body: d.PDF, Doc: doc, LastModified: "Mon, 02 Jun 2025 10:00:00 GMT"}
		}
		if _, err := st.RecordDocumentFetch(ctx, r, nil); err != nil {
			return nil, fmt.Errorf("record %s: %w", d.URL, err)
		}
		if d.Gone {
			if _, err := st.RecordDocumentFetch(ctx, store.DocumentResult{URL: d.URL, At: At.Add(24 * time.Hour), Status: 404}, nil); err != nil {
				return nil, fmt.Errorf("record %s gone: %w", d.URL, err)
			}
		}
	}
	return ids, nil
}
