package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/watch287g/watch287g/docsearch"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
)

// DocumentStore is the optional part of a Store the document pages read
// (issue 14): the archive of MOA PDFs. *store.Store has it; a Store
// without it serves the document routes as empty or not found.
type DocumentStore interface {
	docsearch.Source
	DocumentsForAgreement(ctx context.Context, id string) ([]store.DocumentURL, error)
}

// documentsState is the Server's document search index, made on first use.
type documentsState struct {
	once sync.Once
	ix   *docsearch.Index
}

// docStore returns the Store's document archive, if it has one.
func (s *Server) docStore() (DocumentStore, bool) {
	ds, ok := s.store.(DocumentStore)
	return ds, ok
}

func (s *Server) docIndex(ds DocumentStore) *docsearch.Index {
	s.docs.once.Do(func() { s.docs.ix = docsearch.New(ds, docsearch.Limits{}, s.log) })
	return s.docs.ix
}

// DocumentAgreement is an agreement linking a document, as the API shows it.
type DocumentAgreement struct {
	ID     string `json:"id"`
	Agency string `json:"agency"`
	State  string `json:"state"`
	Model  string `json:"model"`
}

// DocumentJSON is one archived PDF: GET /api/v1/documents/{sha256} and each
// entry of GET /api/v1/documents.
type DocumentJSON struct {
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Pages     int       `json:"pages"`
	HasText   bool      `json:"has_text"`
	FirstSeen time.Time `json:"first_seen"`
	FirstURL  string    `json:"first_url"`
	// LastSeen is the newest time an address served these bytes (200 or
	// 304); zero when none has since the first fetch.
	LastSeen time.Time `json:"last_seen,omitzero"`
	// Status: ok while an address serves it, gone when its address died
	// (this is the last copy), replaced when new bytes took its place.
	Status   string     `json:"status"`
	Fields   moa.Fields `json:"fields"`
	Warnings []string   `json:"warnings"`
	// Download is this server's path of the PDF's bytes.
	Download string `json:"download"`
	// URLs are the addresses that served it, with their versions.
	URLs           []store.DocumentURL           `json:"urls"`
	Agreements     []DocumentAgreement           `json:"agreements"`
	Contradictions []store.DocumentContradiction `json:"contradictions"`
}

// DocumentsResponse is GET /api/v1/documents: every archived PDF, and the
// linked addresses no copy was archived from (never fetched, or dead).
type DocumentsResponse struct {
	Documents      []DocumentJSON      `json:"documents"`
	WithoutCopy    []store.DocumentURL `json:"links_without_copy"`
	NoArchive      bool                `json:"-"`
	StatusCounts   map[string]int      `json:"status_counts"`
	TotalDocuments int                 `json:"total_documents"`
}

// validSHA reports whether s is a hex sha256 as the archive keys it.
func validSHA(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// documentJSON describes f with the addresses in urls that served it.
func (s *Server) documentJSON(ctx context.Context, f store.DocumentFile, urls []store.DocumentURL, agencies map[string]DocumentAgreement) (DocumentJSON, error) {
	d := DocumentJSON{SHA256: f.SHA256, Size: f.Size, Pages: f.Pages, HasText: f.HasText, FirstSeen: f.FirstSeen, FirstURL: f.FirstURL,
		Fields: f.Fields, Warnings: f.Warnings, Download: "/documents/" + f.SHA256 + "/file",
		Status: docsearch.StatusOf(urls, f.SHA256), URLs: []store.DocumentURL{}, Agreements: []DocumentAgreement{},
		Contradictions: []store.DocumentContradiction{}}
	if d.Warnings == nil {
		d.Warnings = []string{}
	}
	for _, u := range urls {
		if !servesDocument(u, f.SHA256) {
			continue
		}
		d.URLs = append(d.URLs, u)
		if u.SHA256 == f.SHA256 {
			if u.LastSeen.After(d.LastSeen) {
				d.LastSeen = u.LastSeen
			}
			d.Contradictions = append(d.Contradictions, u.Contradictions...)
		}
		for _, id := range u.Agreements {
			if slices.ContainsFunc(d.Agreements, func(a DocumentAgreement) bool { return a.ID == id }) {
				continue
			}
			a, ok := agencies[id]
			if !ok {
				info, _, err := s.store.Agreement(ctx, id)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return DocumentJSON{}, err
				}
				a = DocumentAgreement{ID: id, Agency: info.Agency, State: info.State, Model: info.Model}
				agencies[id] = a
			}
			d.Agreements = append(d.Agreements, a)
		}
	}
	return d, nil
}

// servesDocument reports whether address u served (or recovered) sha.
func servesDocument(u store.DocumentURL, sha string) bool {
	if u.SHA256 == sha || (u.Wayback != nil && u.Wayback.SHA256 == sha) {
		return true
	}
	return slices.ContainsFunc(u.Versions, func(v store.DocumentVersion) bool { return v.SHA256 == sha })
}

// documentsList reads the whole archive.
func (s *Server) documentsList(ctx context.Context) (DocumentsResponse, error) {
	out := DocumentsResponse{Documents: []DocumentJSON{}, WithoutCopy: []store.DocumentURL{}, StatusCounts: map[string]int{}}
	ds, ok := s.docStore()
	if !ok {
		out.NoArchive = true
		return out, nil
	}
	files, err := ds.DocumentFiles(ctx)
	if err != nil {
		return out, err
	}
	urls, err := ds.DocumentURLs(ctx)
	if err != nil {
		return out, err
	}
	agencies := map[string]DocumentAgreement{}
	for _, f := range files {
		d, err := s.documentJSON(ctx, f, urls, agencies)
		if err != nil {
			return out, err
		}
		out.StatusCounts[d.Status]++
		out.Documents = append(out.Documents, d)
	}
	for _, u := range urls {
		if u.SHA256 == "" && (u.Wayback == nil || u.Wayback.SHA256 == "") {
			out.WithoutCopy = append(out.WithoutCopy, u)
		}
	}
	// Newest first: what a visitor checks is what arrived lately.
	slices.SortStableFunc(out.Documents, func(a, b DocumentJSON) int { return b.FirstSeen.Compare(a.FirstSeen) })
	out.TotalDocuments = len(out.Documents)
	return out, nil
}

// document reads one archived PDF's description (ErrNotFound for a sha
// not archived, or not a sha).
func (s *Server) document(ctx context.Context, sha string) (DocumentJSON, error) {
	ds, ok := s.docStore()
	if !ok || !validSHA(sha) {
		return DocumentJSON{}, store.ErrNotFound
	}
	files, err := ds.DocumentFiles(ctx)
	if err != nil {
		return DocumentJSON{}, err
	}
	i := slices.IndexFunc(files, func(f store.DocumentFile) bool { return f.SHA256 == sha })
	if i < 0 {
		return DocumentJSON{}, store.ErrNotFound
	}
	urls, err := ds.DocumentURLs(ctx)
	if err != nil {
		return DocumentJSON{}, err
	}
	return s.documentJSON(ctx, files[i], urls, map[string]DocumentAgreement{})
}

// documentSearch runs q's search (q, limit, offset from the query); a bad
// query is errBadRequest.
func (s *Server) documentSearch(ctx context.Context, q url.Values) (*docsearch.Results, error) {
	text := q.Get("q")
	if text == "" {
		return nil, badRequest("q is required")
	}
	limit, offset := 20, 0
	var err error
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > docsearch.MaxResults {
			return nil, badRequest("limit takes 1 to %d", docsearch.MaxResults)
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 || offset > 1_000_000 {
			return nil, badRequest("offset takes a number from 0")
		}
	}
	if _, err := docsearch.Parse(text); err != nil {
		return nil, badRequest("%v", err)
	}
	ds, ok := s.docStore()
	if !ok {
		q, _ := docsearch.Parse(text)
		return &docsearch.Results{Query: q, Offset: offset, Limit: limit, Results: []docsearch.Result{}}, nil
	}
	res, err := s.docIndex(ds).Search(ctx, text, offset, limit)
	if errors.Is(err, docsearch.ErrBadQuery) {
		return nil, badRequest("%v", err)
	}
	return res, err
}

// apiDocuments serves GET /api/v1/documents.
func (s *Server) apiDocuments(r *http.Request) *response {
	d, err := s.documentsList(r.Context())
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, d)
}

// apiDocument serves GET /api/v1/documents/{sha}.
func (s *Server) apiDocument(r *http.Request) *response {
	d, err := s.document(r.Context(), r.PathValue("sha"))
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, d)
}

// apiDocumentSearch serves GET /api/v1/documents/search?q=.
func (s *Server) apiDocumentSearch(r *http.Request) *response {
	res, err := s.documentSearch(r.Context(), r.URL.Query())
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, res)
}

type documentsPage struct {
	pageBase
	DocumentsResponse
}

// documentsPage serves GET /documents: every archived PDF with its status,
// and a search box.
func (s *Server) documentsPage(r *http.Request) *response {
	d, err := s.documentsList(r.Context())
	if err != nil {
		return s.pageError(r, err)
	}
	return s.render(http.StatusOK, "documents", documentsPage{DocumentsResponse: d})
}

type documentPage struct {
	pageBase
	D DocumentJSON
}

// documentPage serves GET /documents/{sha}.
func (s *Server) documentPage(r *http.Request) *response {
	d, err := s.document(r.Context(), r.PathValue("sha"))
	if err != nil {
		return s.pageError(r, err)
	}
	return s.render(http.StatusOK, "document", documentPage{D: d})
}

type documentSearchPage struct {
	pageBase
	Q       string
	Res     *docsearch.Results
	NextURL string
	PrevURL string
	Error   string
}

// documentSearchPage serves GET /documents/search?q=: matching pages with
// a snippet each, the match marked (every part escaped by the template).
func (s *Server) documentSearchPage(r *http.Request) *response {
	q := r.URL.Query()
	d := documentSearchPage{Q: q.Get("q")}
	if d.Q == "" {
		return s.render(http.StatusOK, "document_search", d)
	}
	res, err := s.documentSearch(r.Context(), q)
	if errors.Is(err, errBadRequest) {
		// The query is not echoed back when it is what is wrong (too long).
		d.Q = ""
		d.Error = err.Error()
		return s.render(http.StatusBadRequest, "document_search", d)
	}
	if err != nil {
		return s.pageError(r, err)
	}
	d.Res = res
	if next := res.Offset + len(res.Results); next < res.Total {
		d.NextURL = "/documents/search?" + url.Values{"q": {d.Q}, "offset": {strconv.Itoa(next)}}.Encode()
	}
	if res.Offset > 0 {
		d.PrevURL = "/documents/search?" + url.Values{"q": {d.Q}, "offset": {strconv.Itoa(max(res.Offset-res.Limit, 0))}}.Encode()
	}
	return s.render(http.StatusOK, "document_search", d)
}

// documentFile serves GET /documents/{sha}/file: the PDF's bytes as
// archived, as a download named after its address. The bytes come from
// another server: nosniff and a sandbox keep a browser from running
// anything in them on this origin.
func (s *Server) documentFile(w http.ResponseWriter, r *http.Request) {
	sha := r.PathValue("sha")
	ds, ok := s.docStore()
	if !ok || !validSHA(sha) {
		s.write(w, r, s.pageError(r, store.ErrNotFound), "")
		return
	}
	etag := `"` + sha + `"`
	h := w.Header()
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		h.Set("ETag", etag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f, body, err := ds.Document(r.Context(), sha)
	if err != nil {
		s.write(w, r, s.pageError(r, err), "")
		return
	}
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", "application/pdf")
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": documentFileName(f)})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // the client went away; nothing to do
	}
}

// documentFileName is the download's name: the base name of the address
// it was first fetched from, made a safe file name, ending .pdf.
func documentFileName(f store.DocumentFile) string {
	name := ""
	if u, err := url.Parse(f.FirstURL); err == nil {
		name = path.Base(u.Path)
	}
	if name == "" || name == "." || name == "/" {
		name = f.SHA256[:min(12, len(f.SHA256))] + ".pdf"
	}
	name = escape.FileName(name)
	if ext := path.Ext(name); ext != ".pdf" && ext != ".PDF" {
		name += ".pdf"
	}
	return name
}

// agreementDocuments is what an agreement's page shows of its archived
// documents: each linked address with its state (nil without an archive).
func (s *Server) agreementDocuments(ctx context.Context, ids ...string) []store.DocumentURL {
	ds, ok := s.docStore()
	if !ok {
		return nil
	}
	var out []store.DocumentURL
	for _, id := range ids {
		us, err := ds.DocumentsForAgreement(ctx, id)
		if err != nil {
			s.log.Warn("archived documents unreadable", "agreement", id, "error", err)
			return out
		}
		for _, u := range us {
			if !slices.ContainsFunc(out, func(o store.DocumentURL) bool { return o.URL == u.URL }) {
				out = append(out, u)
			}
		}
	}
	return out
}

// The document templates' helpers, added to the shared map before any
// template is parsed (New parses them).
func init() {
	funcs["linkURL"] = escape.LinkURL // only http and https addresses become links
	funcs["inc"] = func(n int) int { return n + 1 }
}
