package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds one parsed template set per page, each with the layout.
type pages struct {
	sets map[string]*template.Template
}

// pageNames are the templates/*.html files that are pages (base.html is
// the layout shared by all).
var pageNames = []string{"overview", "changes", "agreement", "state", "snapshots", "search", "error", "snapshot", "agency", "feed",
	"documents", "document", "document_search"}

// mustPages parses the embedded templates. They are part of the binary, so
// a parse error is caught by every test run, never by a user.
func mustPages() *pages {
	p := &pages{sets: map[string]*template.Template{}}
	base := template.Must(template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	for _, name := range pageNames {
		t := template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
		p.sets[name] = t
	}
	return p
}

// pageBase is what the layout needs from every page.
type pageBase struct {
	// Query fills the header's search box.
	Query string
}

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		// The directory is embedded at build time; it cannot be missing.
		return http.NotFoundHandler()
	}
	h := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if strings.HasSuffix(r.URL.Path, ".xsl") {
			// Not in every system's MIME table; browsers apply a
			// stylesheet only when served as XML.
			w.Header().Set("Content-Type", "text/xsl; charset=utf-8")
		}
		h.ServeHTTP(w, r)
	})
}

// render executes one page into a response.
func (s *Server) render(status int, name string, data any) *response {
	t, ok := s.pages.sets[name]
	if !ok {
		s.log.Error("no such page template", slog.String("page", name))
		return &response{status: http.StatusInternalServerError, contentType: "text/plain; charset=utf-8",
			body: []byte("internal error\n")}
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		s.log.Error("render page", slog.String("page", name), slog.Any("error", err))
		return &response{status: http.StatusInternalServerError, contentType: "text/plain; charset=utf-8",
			body: []byte("internal error\n")}
	}
	return &response{status: status, contentType: "text/html; charset=utf-8", body: b.Bytes(), csp: pageCSP}
}

// pageCSP allows the pages nothing but their own stylesheet: they have no
// scripts, so injected markup could not run even if escaping ever failed.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type errorPage struct {
	pageBase
	Title   string
	Message string
}

// pageError renders the error page for err: 404 for unknown ids, 400 for
// bad filters, 500 (logged, details hidden) for the rest.
func (s *Server) pageError(r *http.Request, err error) *response {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.render(http.StatusNotFound, "error", errorPage{Title: "Not found",
			Message: "There is nothing at this address. The agreement, state or snapshot may not exist."})
	case errors.Is(err, errBadRequest):
		return s.render(http.StatusBadRequest, "error", errorPage{Title: "Bad request", Message: err.Error()})
	}
	s.log.Error("page request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	return s.render(http.StatusInternalServerError, "error", errorPage{Title: "Something went wrong",
		Message: "The server could not read its data. The operator has been told in the logs."})
}

// notFoundPage answers every path no page matches.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) {
	probe := r.Clone(r.Context())
	probe.Method = http.MethodGet
	if _, pattern := s.mux.Handler(probe); r.Method != http.MethodGet && pattern != "/" {
		w.Header().Set("Allow", "GET, HEAD")
		s.write(w, r, &response{status: http.StatusMethodNotAllowed, contentType: "text/plain; charset=utf-8",
			body: []byte("method not allowed\n")}, "")
		return
	}
	s.write(w, r, s.pageError(r, fmt.Errorf("page %s: %w", r.URL.Path, store.ErrNotFound)), "")
}

// changeList is what the changeRows template needs.
type changeList struct {
	Caption string
	Changes []diff.Change
}

// seriesDates parses the published dates of series points, skipping points
// whose date is unknown: a chart cannot place them.
func seriesDates(series []store.Series) ([]time.Time, []store.Series) {
	var dates []time.Time
	var kept []store.Series
	for _, p := range series {
		t, err := time.Parse(time.DateOnly, p.Published)
		if err != nil {
			continue
		}
		if n := len(dates); n > 0 && t.Before(dates[n-1]) {
			// Out of order (a file name with a wrong year): skip it
			// rather than draw a line going back in time.
			continue
		}
		dates = append(dates, t)
		kept = append(kept, p)
	}
	return dates, kept
}
