package web

import (
	"net/http"
	"slices"

	"github.com/watch287g/watch287g/store"
)

type snapshotsPage struct {
	pageBase
	Snapshots []store.Snapshot
}

// snapshotsPage serves GET /snapshots, newest first.
func (s *Server) snapshotsPage(r *http.Request) *response {
	snaps, err := s.store.Snapshots(r.Context())
	if err != nil {
		return s.pageError(r, err)
	}
	slices.Reverse(snaps)
	return s.render(http.StatusOK, "snapshots", snapshotsPage{Snapshots: snaps})
}
