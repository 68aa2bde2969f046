package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// Limits of /api/v1/changes and /feed.atom.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// errBadRequest marks a query the client got wrong; the message says how.
var errBadRequest = errors.New("bad request")

// jsonResponse encodes v; HTML is not escaped because the API is not HTML.
func jsonResponse(status int, v any) *response {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every type we encode is plain data; reaching here is our bug.
		return &response{status: http.StatusInternalServerError, contentType: "application/json",
			body: []byte(`{"error":"encode response"}` + "\n")}
	}
	return &response{status: status, contentType: "application/json; charset=utf-8", body: b.Bytes()}
}

func jsonError(status int, msg string) *response {
	return jsonResponse(status, ErrorResponse{Error: msg})
}

// errorFor answers status with msg in the shape of the route: a JSON error
// for the API and the feed, the error page elsewhere.
func (s *Server) errorFor(r *http.Request, status int, msg string) *response {
	if isCORSPath(r.URL.Path) {
		return jsonError(status, msg)
	}
	return s.render(status, "error", errorPage{Title: http.StatusText(status), Message: msg})
}

// apiError maps an error from the store or from query parsing to a JSON
// answer; unexpected errors are logged and hidden from the client.
func (s *Server) apiError(r *http.Request, err error) *response {
	switch {
	case errors.Is(err, errBadRequest):
		return jsonError(http.StatusBadRequest, strings.TrimPrefix(err.Error(), errBadRequest.Error()+": "))
	case errors.Is(err, store.ErrNotFound):
		return jsonError(http.StatusNotFound, "not found")
	}
	s.log.Error("api request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	return jsonError(http.StatusInternalServerError, "internal error")
}

func badRequest(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errBadRequest, fmt.Sprintf(format, a...))
}

// isCORSPath reports whether path is served to other origins: the API and
// the feed are public data meant for scripts and readers anywhere.
func isCORSPath(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/feed.atom"
}

func setCORS(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "ETag, Content-Disposition")
}

// preflight answers CORS OPTIONS requests.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	setCORS(h)
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "If-None-Match, Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Allow", "GET, HEAD, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}

// apiFallback turns the mux's plain-text 404 and 405 into JSON.
func (s *Server) apiFallback(w http.ResponseWriter, r *http.Request) {
	setCORS(w.Header())
	probe := r.Clone(r.Context())
	probe.Method = http.MethodGet
	if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/v1/" {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		s.write(w, r, jsonError(http.StatusMethodNotAllowed, "method not allowed: use GET"), "")
		return
	}
	s.write(w, r, jsonError(http.StatusNotFound, "no such endpoint: see /api/v1/openapi.json"), "")
}

// changeFilter reads state, model, kind and list, each repeatable or
// comma-separated, by diff.ParseFilter's rules (codes or names, model
// labels, any case).
func changeFilter(q url.Values, withKind bool) (diff.Filter, error) {
	var kinds []string
	if withKind {
		kinds = multi(q, "kind")
	}
	f, err := diff.ParseFilter(multi(q, "state"), multi(q, "model"), kinds, multi(q, "list"))
	if err != nil {
		return diff.Filter{}, badRequest("%v", err)
	}
	return f, nil
}

// multi returns every value of key, splitting comma-separated values.
func multi(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// changeQuery reads the /api/v1/changes parameters (also used by the feed
// and the changes page).
func changeQuery(q url.Values) (store.ChangeQuery, error) {
	var cq store.ChangeQuery
	var err error
	if cq.Filter, err = changeFilter(q, true); err != nil {
		return cq, err
	}
	if cq.Since, err = day(q, "since"); err != nil {
		return cq, err
	}
	if cq.Until, err = day(q, "until"); err != nil {
		return cq, err
	}
	cq.Limit = DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return cq, badRequest("limit takes a number from 1 to %d, not %q", MaxLimit, v)
		}
		cq.Limit = min(n, MaxLimit)
	}
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			return cq, badRequest("cursor takes the next_cursor of a previous page, not %q", v)
		}
		cq.Cursor = n
	}
	return cq, nil
}

func day(q url.Values, key string) (time.Time, error) {
	v := q.Get(key)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, badRequest("%s takes a date YYYY-MM-DD, not %q", key, v)
	}
	return t, nil
}

// pathID parses a numeric {id} path value.
func pathID(r *http.Request) (uint64, error) {
	v := r.PathValue("id")
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("snapshot id %q: %w", v, store.ErrNotFound)
	}
	return n, nil
}
