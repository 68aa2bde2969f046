package web

import (
	"net/http"

	"github.com/watch287g/watch287g/diff"
)

// changesBody is /api/v1/changes: the CLI's {"changes": […]} plus the
// cursor of the next (older) page, null on the last page.
type changesBody struct {
	Changes    []diff.Change `json:"changes"`
	NextCursor *uint64       `json:"next_cursor"`
}

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
	body := changesBody{Changes: changes}
	if body.Changes == nil {
		body.Changes = []diff.Change{}
	}
	if next != 0 {
		body.NextCursor = &next
	}
	return jsonResponse(http.StatusOK, body)
}
