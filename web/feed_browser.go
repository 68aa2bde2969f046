package web

import (
	"net/http"
	"strings"
)

// feedForBrowsers serves the feed to a browser as application/xml, the
// same bytes: Chromium shows application/atom+xml as plain text and never
// applies the feed's stylesheet (static/feed.xsl), while as XML it renders
// the feed as a page. Feed readers do not ask for text/html and keep the
// Atom type.
func feedForBrowsers(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if strings.Contains(r.Header.Get("Accept"), "text/html") {
			w = &retypeWriter{ResponseWriter: w, from: "application/atom+xml", to: "application/xml"}
		}
		next(w, r)
	}
}

// retypeWriter swaps one media type for another as the header is written.
type retypeWriter struct {
	http.ResponseWriter
	from, to string
}

func (w *retypeWriter) WriteHeader(code int) {
	h := w.Header()
	if ct := h.Get("Content-Type"); strings.HasPrefix(ct, w.from) {
		h.Set("Content-Type", w.to+strings.TrimPrefix(ct, w.from))
	}
	w.ResponseWriter.WriteHeader(code)
}
