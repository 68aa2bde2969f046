package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/watch287g/watch287g/store"
)

// xlsxType is the media type of every archived file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// apiSnapshots serves GET /api/v1/snapshots, oldest first like the CLI.
func (s *Server) apiSnapshots(r *http.Request) *response {
	snaps, err := s.store.Snapshots(r.Context())
	if err != nil {
		return s.apiError(r, err)
	}
	if snaps == nil {
		snaps = []store.Snapshot{}
	}
	return jsonResponse(http.StatusOK, SnapshotsResponse{Snapshots: snaps})
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
