package web

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// maxAgencyResults is how many agencies a search page lists.
const maxAgencyResults = 50

type stateLink struct{ Code, Name string }

// searchAgencies ranks every agency against q (agencyMatch: exact, then
// prefix, then word starts, then substrings; ties by state and name) and
// returns the first limit and how many more matched.
func (s *Server) searchAgencies(ctx context.Context, q string, limit int) ([]*agency, int, error) {
	all, err := s.agencyIndex(ctx)
	if err != nil {
		return nil, 0, err
	}
	type hit struct {
		g    *agency
		rank int
	}
	var hits []hit
	fq := foldText(q)
	for _, g := range all {
		if rk := matchFolded(g, fq); rk >= 0 {
			hits = append(hits, hit{g, rk})
		}
	}
	// all is sorted by state and name, so a stable sort keeps that order
	// within a rank.
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	var out []*agency
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.g)
	}
	return out, len(hits) - len(out), nil
}

// searchStates is the states whose code or name the query is, or starts
// with ("texas", "tx", "new m").
func searchStates(q string) []stateLink {
	q = foldText(q)
	if q == "" {
		return nil
	}
	var out []stateLink
	for _, st := range sheet.States() {
		if strings.ToLower(st.Code) == q || strings.HasPrefix(foldText(st.Name), q) {
			out = append(out, stateLink{st.Code, st.Name})
		}
	}
	return out
}

type searchPage struct {
	pageBase
	// States and Agencies match the query as a whole ("harris county tx"),
	// best first; Results are the agreements by agency name or id.
	States       []stateLink
	Agencies     []*agency
	MoreAgencies int
	Results      []store.AgreementInfo
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
		body, err := s.search(r.Context(), sq, true)
		if err != nil {
			return s.pageError(r, err)
		}
		d.Results, d.Total, d.From = body.Agreements, body.Total, sq.Offset+1
		if sq.Offset == 0 {
			if d.Agencies, d.MoreAgencies, err = s.searchAgencies(r.Context(), sq.Q, maxAgencyResults); err != nil {
				return s.pageError(r, err)
			}
			d.States = searchStates(sq.Q)
		}
		if body.NextOffset != nil {
			d.NextURL = "/search?" + url.Values{"q": {sq.Q}, "offset": {strconv.Itoa(*body.NextOffset)}}.Encode()
		}
	}
	return s.render(http.StatusOK, "search", d)
}
