package web

import (
	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// The JSON bodies of /api/v1, declared once: the handlers encode them, the
// command line's --server client and the tests decode them. They are the
// same shapes as the command line's own JSON output.

// ChangesResponse is GET /api/v1/changes: changes newest first and the
// cursor of the next (older) page, null on the last page.
type ChangesResponse struct {
	Changes    []diff.Change `json:"changes"`
	NextCursor *uint64       `json:"next_cursor"`
}

// SnapshotsResponse is GET /api/v1/snapshots, oldest first.
// GET /api/v1/snapshots/{id} answers one store.Snapshot.
type SnapshotsResponse struct {
	Snapshots []store.Snapshot `json:"snapshots"`
}

// AgreementsResponse is GET /api/v1/agreements: one list's agreements
// in one snapshot. Snapshot is null when the list has no accepted
// snapshot yet.
type AgreementsResponse struct {
	Snapshot   *store.Snapshot  `json:"snapshot"`
	Agreements []diff.Agreement `json:"agreements"`
}

// AgreementResponse is GET /api/v1/agreements/{id}: the agreement as it
// stands and every change it went through, oldest first.
type AgreementResponse struct {
	Agreement store.AgreementInfo `json:"agreement"`
	Changes   []diff.Change       `json:"changes"`
}

// SearchResponse is GET /api/v1/search: one page of the agreements whose
// agency or id matches q. Total counts every match; NextOffset is the
// offset of the next page, null on the last.
type SearchResponse struct {
	Agreements []store.AgreementInfo `json:"agreements"`
	Total      int                   `json:"total"`
	NextOffset *int                  `json:"next_offset"`
}

// ErrorResponse is the body of every API answer that is not 200.
type ErrorResponse struct {
	Error string `json:"error"`
}
