package web

import (
	"net/http"

	"github.com/watch287g/watch287g/diff"
)

// apiChanges serves GET /api/v1/changes, newest first.
func (s *Server) apiChanges(r *http.Request) *response {
	q, err := changeQuery(r.URL.Query())
	if err != nil {
		return s.apiError(r, err)
	}
	changes, next, err := s.store.Changes(r.Context(), q)
	if err != nil {
		return s.apiError(r, err)
	}
	body := ChangesResponse{Changes: changes}
	if body.Changes == nil {
		body.Changes = []diff.Change{}
	}
	if next != 0 {
		body.NextCursor = &next
	}
	return jsonResponse(http.StatusOK, body)
}
