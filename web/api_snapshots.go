package web

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/watch287g/watch287g/store"
)

// xlsxType is the media type of every archived file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// SnapshotsPageResponse is GET /api/v1/snapshots with limit or cursor:
// one page of snapshots, oldest first, and the cursor of the next (newer)
// page, null on the last page.
type SnapshotsPageResponse struct {
	Snapshots  []store.Snapshot `json:"snapshots"`
	NextCursor *uint64          `json:"next_cursor"`
}

// snapshotsPager is the store's read of snapshots a page at a time
// (*store.Store has it).
type snapshotsPager interface {
	SnapshotsAfter(ctx context.Context, after uint64, limit int) ([]store.Snapshot, error)
}

// apiSnapshotParams are the query parameters /api/v1/snapshots reads (the
// cache keys on them alone).
var apiSnapshotParams = []string{"limit", "cursor"}

// apiSnapshots serves GET /api/v1/snapshots, oldest first like the CLI.
// Without limit or cursor it answers every snapshot (the contract in
// DESIGN.md); with either, a page of at most limit (DefaultLimit when
// only a cursor is given) after the snapshot id cursor, so a client
// walks ten years of lists without one answer holding them all.
func (s *Server) apiSnapshots(r *http.Request) *response {
	q := r.URL.Query()
	if !q.Has("limit") && !q.Has("cursor") {
		snaps, err := s.store.Snapshots(r.Context())
		if err != nil {
			return s.apiError(r, err)
		}
		if snaps == nil {
			snaps = []store.Snapshot{}
		}
		return jsonResponse(http.StatusOK, SnapshotsResponse{Snapshots: snaps})
	}
	limit, after := DefaultLimit, uint64(0)
	if v := q.Get("limit"); q.Has("limit") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return s.apiError(r, badRequest("limit takes a number from 1 to %d, not %q", MaxLimit, v))
		}
		limit = min(n, MaxLimit)
	}
	if v := q.Get("cursor"); q.Has("cursor") {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return s.apiError(r, badRequest("cursor takes the next_cursor of a previous page, not %q", v))
		}
		after = n
	}
	page, err := s.snapshotsAfter(r.Context(), after, limit+1)
	if err != nil {
		return s.apiError(r, err)
	}
	body := SnapshotsPageResponse{Snapshots: page}
	if len(page) > limit {
		body.Snapshots = page[:limit]
		next := page[limit-1].ID
		body.NextCursor = &next
	}
	return jsonResponse(http.StatusOK, body)
}

// snapshotsAfter is at most limit snapshots with ids above after, oldest
// first: the store's page, or a store without pages filtered.
func (s *Server) snapshotsAfter(ctx context.Context, after uint64, limit int) ([]store.Snapshot, error) {
	if p, ok := s.store.(snapshotsPager); ok {
		return p.SnapshotsAfter(ctx, after, limit)
	}
	all, err := s.store.Snapshots(ctx)
	if err != nil {
		return nil, err
	}
	out := []store.Snapshot{}
	for _, snap := range all {
		if snap.ID > after && len(out) < limit {
			out = append(out, snap)
		}
	}
	return out, nil
}

// apiSnapshot serves GET /api/v1/snapshots/{id}.
func (s *Server) apiSnapshot(r *http.Request) *response {
	id, err := pathID(r)
	if err != nil {
		return s.apiError(r, err)
	}
	snap, err := s.store.Snapshot(r.Context(), id)
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, snap)
}

// apiSnapshotFile serves the archived bytes exactly as ICE published them,
// under the original file name. The bytes never change for an id, so the
// sha256 is a strong ETag and the response may be cached for good.
func (s *Server) apiSnapshotFile(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	id, err := pathID(r)
	if err != nil {
		s.write(w, r, s.apiError(r, err), "")
		return
	}
	snap, err := s.store.Snapshot(r.Context(), id)
	if err != nil {
		s.write(w, r, s.apiError(r, err), "")
		return
	}
	etag := `"` + snap.SHA256 + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, err := s.store.File(r.Context(), snap.SHA256)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.Del("ETag")
			h.Del("Cache-Control")
		}
		s.write(w, r, s.apiError(r, err), "")
		return
	}
	name := snap.FileName
	if name == "" {
		name = "snapshot-" + strconv.FormatUint(snap.ID, 10) + ".xlsx"
	}
	h.Set("Content-Type", xlsxType)
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // the client went away; nothing to do
	}
}

// apiSnapshotChanges serves GET /api/v1/snapshots/{id}/changes: what one
// published list changed, oldest first, in one answer.
func (s *Server) apiSnapshotChanges(r *http.Request) *response {
	id, err := pathID(r)
	if err != nil {
		return s.apiError(r, err)
	}
	changes, err := s.store.SnapshotChanges(r.Context(), id)
	if err != nil {
		return s.apiError(r, err)
	}
	return jsonResponse(http.StatusOK, ChangesResponse{Changes: changes})
}
