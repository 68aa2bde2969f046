package docsearch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
)

// Source is what an Index reads: the store's document archive (*store.Store).
type Source interface {
	DocumentFiles(ctx context.Context) ([]store.DocumentFile, error)
	Document(ctx context.Context, sha string) (store.DocumentFile, []byte, error)
	DocumentURLs(ctx context.Context) ([]store.DocumentURL, error)
	DocumentSearchText(ctx context.Context, sha string) ([]string, bool, error)
	PutDocumentSearchText(ctx context.Context, sha string, pages []string) error
	Agreement(ctx context.Context, id string) (store.AgreementInfo, []diff.Change, error)
}

// MaxResults caps one page of results.
const MaxResults = 100

// Result is one matching page with the document it is in.
type Result struct {
	Hit
	// URLs are the addresses that served these bytes (the latest or an
	// earlier version), Agreements the agreements linking those
	// addresses, Agencies their agencies' names (agreement order).
	URLs       []string `json:"urls"`
	Agreements []string `json:"agreements"`
	Agencies   []string `json:"agencies"`
	// Status is the best state of those addresses: ok when any still
	// serves the document, else gone (or new).
	Status string `json:"status"`
}

// Results is one page of a search's results.
type Results struct {
	Query Query `json:"query"`
	// Total is how many pages matched (before paging); Truncated that the
	// search stopped at its limits, so there may be more.
	Total     int      `json:"total"`
	Offset    int      `json:"offset"`
	Limit     int      `json:"limit"`
	Truncated bool     `json:"truncated"`
	Results   []Result `json:"results"`
	// Documents is how many documents were searched; NoText how many have
	// no text layer (image-only scans), so cannot match.
	Documents int `json:"documents"`
	NoText    int `json:"no_text"`
}

// Index searches the archive. The folded text of each document is kept in
// memory once read; a document whose text the store does not hold yet is
// read from its archived bytes (moa.Read) and its text stored (best
// effort: a read-only store keeps it in memory only). Safe for concurrent use.
type Index struct {
	src    Source
	lim    Limits
	logger *slog.Logger

	mu     sync.Mutex
	pages  map[string][]Page // by sha; nil slice for a document without text
	noText int
}

// New returns an index over src; lim zero means DefaultLimits.
func New(src Source, lim Limits, logger *slog.Logger) *Index {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Index{src: src, lim: lim, logger: logger, pages: map[string][]Page{}}
}

// load brings every archived document's text into memory, reading the
// ones not seen before. It returns the pages to search, sha order.
func (ix *Index) load(ctx context.Context) ([]Page, int, int, error) {
	files, err := ix.src.DocumentFiles(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var all []Page
	noText := 0
	for _, f := range files {
		ps, ok := ix.pages[f.SHA256]
		if !ok {
			if ps, err = ix.read(ctx, f); err != nil {
				return nil, 0, 0, err
			}
			ix.pages[f.SHA256] = ps
		}
		if !f.HasText {
			noText++
		}
		all = append(all, ps...)
	}
	return all, len(files), noText, nil
}

// read returns one document's pages: from the store's text, else from its
// bytes. A scan (no text layer) is searched all the same: the few words
// it holds (a stamp, page numbers) are what it has.
func (ix *Index) read(ctx context.Context, f store.DocumentFile) ([]Page, error) {
	text, ok, err := ix.src.DocumentSearchText(ctx, f.SHA256)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	if err != nil {
		ix.logger.Warn("document text unreadable; reading the PDF again", "sha256", f.SHA256, "err", err)
	}
	if !ok {
		_, body, err := ix.src.Document(ctx, f.SHA256)
		if err != nil {
			return nil, fmt.Errorf("search: document %s: %w", f.SHA256, err)
		}
		doc, err := moa.Read(ctx, body, moa.DefaultLimits)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			// Archived bytes were accepted once; a newer reader refusing
			// them leaves the document unsearchable, not the search broken.
			ix.logger.Warn("archived document unreadable; not searched", "sha256", f.SHA256, "err", err)
			return nil, nil
		}
		text = doc.Text
		if err := ix.src.PutDocumentSearchText(ctx, f.SHA256, text); err != nil {
			ix.logger.Debug("document text not kept in the store", "sha256", f.SHA256, "err", err)
		}
	}
	ps := make([]Page, 0, len(text))
	for i, t := range text {
		if t != "" {
			ps = append(ps, NewPage(f.SHA256, i+1, t))
		}
	}
	return ps, nil
}

// Search parses query and returns results [offset, offset+limit) of its
// matching pages, each with its document's addresses and agreements.
// A query Parse refuses is ErrBadQuery.
func (ix *Index) Search(ctx context.Context, query string, offset, limit int) (*Results, error) {
	q, err := Parse(query)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxResults {
		limit = MaxResults
	}
	offset = max(offset, 0)
	pages, docs, noText, err := ix.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	found := Search(pages, q, ix.lim)
	res := &Results{Query: q, Total: len(found.Hits), Offset: offset, Limit: limit, Truncated: found.Truncated,
		Results: []Result{}, Documents: docs, NoText: noText}
	if offset >= len(found.Hits) {
		return res, nil
	}
	hits := found.Hits[offset:min(offset+limit, len(found.Hits))]
	urls, err := ix.src.DocumentURLs(ctx)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	agencies := map[string]string{}
	for _, h := range hits {
		r := Result{Hit: h, URLs: []string{}, Agreements: []string{}, Agencies: []string{}}
		for _, u := range urls {
			if !servedBy(u, h.SHA256) {
				continue
			}
			r.URLs = append(r.URLs, u.URL)
			for _, id := range u.Agreements {
				if !slices.Contains(r.Agreements, id) {
					r.Agreements = append(r.Agreements, id)
				}
			}
		}
		r.Status = StatusOf(urls, h.SHA256)
		for _, id := range r.Agreements {
			name, ok := agencies[id]
			if !ok {
				info, _, err := ix.src.Agreement(ctx, id)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, fmt.Errorf("search: %w", err)
				}
				name = info.Agency
				agencies[id] = name
			}
			if name != "" && !slices.Contains(r.Agencies, name) {
				r.Agencies = append(r.Agencies, name)
			}
		}
		res.Results = append(res.Results, r)
	}
	return res, nil
}

// StatusReplaced is the status of a document no address serves any more
// but that an address served before (its bytes were re-uploaded).
const StatusReplaced = "replaced"

// StatusOf is a document's status from the addresses: ok when one still
// serves it, gone when the last copy of a dead address (or a Wayback
// capture of one), replaced when only earlier versions hold it, new when
// nothing links it (it cannot be, once archived).
func StatusOf(urls []store.DocumentURL, sha string) string {
	status := store.DocumentNew
	for _, u := range urls {
		switch {
		case u.SHA256 == sha && u.Status == store.DocumentOK:
			return store.DocumentOK
		case u.SHA256 == sha || (u.Wayback != nil && u.Wayback.SHA256 == sha):
			status = store.DocumentGone
		case servedBy(u, sha) && status == store.DocumentNew:
			status = StatusReplaced
		}
	}
	return status
}

// servedBy reports whether address u served (or recovered) the PDF sha.
func servedBy(u store.DocumentURL, sha string) bool {
	if u.SHA256 == sha || (u.Wayback != nil && u.Wayback.SHA256 == sha) {
		return true
	}
	for _, v := range u.Versions {
		if v.SHA256 == sha {
			return true
		}
	}
	return false
}
