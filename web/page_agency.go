package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

type agencyPage struct {
	pageBase
	G        *agency
	Timeline []diff.Change
}

// findAgency is the agency with id, or ErrNotFound.
func (s *Server) findAgency(r *http.Request) (*agency, error) {
	id := strings.ToLower(r.PathValue("id"))
	all, err := s.agencies(r.Context())
	if err != nil {
		return nil, err
	}
	for _, g := range all {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, fmt.Errorf("agency %q: %w", id, store.ErrNotFound)
}

// agencyPage serves GET /agencies/{id}: every agreement and pending
// record of one agency, and one timeline of all their changes.
func (s *Server) agencyPage(r *http.Request) *response {
	g, err := s.findAgency(r)
	if err != nil {
		return s.pageError(r, err)
	}
	var lists [][]diff.Change
	for _, a := range g.Agreements {
		_, changes, err := s.store.Agreement(r.Context(), a.ID)
		if err != nil {
			return s.pageError(r, err)
		}
		lists = append(lists, changes)
	}
	return s.render(http.StatusOK, "agency", agencyPage{G: g, Timeline: changeTimeline(lists)})
}

// agencyCSV serves GET /agencies/{id}/agreements.csv.
func (s *Server) agencyCSV(r *http.Request) *response {
	g, err := s.findAgency(r)
	if err != nil {
		return s.pageError(r, err)
	}
	return s.agreementsCSV(r, g.ID+".csv", func(a *store.AgreementInfo) bool { return agencyID(a.State, a.Agency) == g.ID })
}
