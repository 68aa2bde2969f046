package web

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

type agencyPage struct {
	pageBase
	G        *agency
	Timeline []agencyEvent
	// Documents are the archived MOAs and addenda its agreements link.
	Documents []store.DocumentURL
}

// agencyEvent is one line of an agency's timeline: an agreement first
// seen (First) or one of its changes (Change).
type agencyEvent struct {
	Date   string
	First  *store.AgreementInfo
	Change *diff.Change
}

// agencyTimeline merges the agreements' first appearances and their
// changes, oldest first; on one date a first appearance comes before the
// changes.
func agencyTimeline(g *agency, changes []diff.Change) []agencyEvent {
	var out []agencyEvent
	for i := range g.Agreements {
		a := &g.Agreements[i]
		out = append(out, agencyEvent{Date: a.FirstPublished, First: a})
	}
	for i := range changes {
		out = append(out, agencyEvent{Date: changes[i].AfterPublished, Change: &changes[i]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
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
	ids := make([]string, len(g.Agreements))
	for i, a := range g.Agreements {
		ids[i] = a.ID
	}
	return s.render(http.StatusOK, "agency", agencyPage{G: g, Timeline: agencyTimeline(g, changeTimeline(lists)), Documents: s.agreementDocuments(r.Context(), ids...)})
}

// agencyCSV serves GET /agencies/{id}/agreements.csv.
func (s *Server) agencyCSV(r *http.Request) *response {
	g, err := s.findAgency(r)
	if err != nil {
		return s.pageError(r, err)
	}
	return s.agreementsCSV(r, g.ID+".csv", func(a *store.AgreementInfo) bool { return agencyID(a.State, a.Agency) == g.ID })
}
