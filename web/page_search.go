package web

import (
	"net/http"
	"strings"

	"github.com/watch287g/watch287g/store"
)

type searchPage struct {
	pageBase
	Results []store.AgreementInfo
}

// searchPage serves GET /search?q=.
func (s *Server) searchPage(r *http.Request) *response {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := searchPage{pageBase: pageBase{Query: q}}
	if q != "" {
		found, err := s.store.FindAgreements(r.Context(), q)
		if err != nil {
			return s.pageError(r, err)
		}
		d.Results = found
	}
	return s.render(http.StatusOK, "search", d)
}
