package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/watch287g/watch287g/store"
)

type searchPage struct {
	pageBase
	Results []store.AgreementInfo
	// Total counts every match; From is the 1-based rank of the first
	// result shown.
	Total, From int
	NextURL     string
	Error       string
}

// searchPage serves GET /search?q=, one page of results at a time.
func (s *Server) searchPage(r *http.Request) *response {
	sq, err := parseSearch(r.URL.Query())
	if err != nil {
		// The q is not echoed: it is what was too long.
		return s.render(http.StatusBadRequest, "search", searchPage{Error: err.Error()})
	}
	d := searchPage{pageBase: pageBase{Query: sq.Q}}
	if sq.Q != "" {
		body, err := s.search(r.Context(), sq)
		if err != nil {
			return s.pageError(r, err)
		}
		d.Results, d.Total, d.From = body.Agreements, body.Total, sq.Offset+1
		if body.NextOffset != nil {
			d.NextURL = "/search?" + url.Values{"q": {sq.Q}, "offset": {strconv.Itoa(*body.NextOffset)}}.Encode()
		}
	}
	return s.render(http.StatusOK, "search", d)
}
