package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Health is what the fetch loop tells the server about its last cycles.
// It is safe for concurrent use.
type Health struct {
	mu          sync.Mutex
	started     time.Time
	lastSuccess time.Time
	lastAttempt time.Time
	lastError   string
	lastErrorAt time.Time
	gen         uint64
}

// NewHealth returns a Health for a process started at start; start begins
// the grace period during which a server that has not fetched yet is healthy.
func NewHealth(start time.Time) *Health {
	return &Health{started: start}
}

// Attempt records that a fetch cycle started at at.
func (h *Health) Attempt(at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastAttempt = at
	h.gen++
}

// Success records a fetch cycle that finished without error at at.
func (h *Health) Success(at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastSuccess = at
	if h.lastAttempt.IsZero() {
		h.lastAttempt = at
	}
	h.gen++
}

// Failure records a fetch cycle that failed at at with err.
func (h *Health) Failure(at time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErrorAt = at
	h.lastError = "unknown error"
	if err != nil {
		h.lastError = err.Error()
	}
	if h.lastAttempt.IsZero() {
		h.lastAttempt = at
	}
	h.gen++
}

// HealthStatus is the /healthz document.
type HealthStatus struct {
	// Status is "ok", "starting" (no successful fetch yet, within the
	// grace period) or "stale".
	Status      string     `json:"status"`
	LastSuccess *time.Time `json:"last_success"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	LastAttempt *time.Time `json:"last_attempt"`
}

// snapshot returns the recorded times; the zero time means never.
func (h *Health) snapshot() (started, success, attempt, errAt time.Time, lastErr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.started, h.lastSuccess, h.lastAttempt, h.lastErrorAt, h.lastError
}

func (h *Health) generation() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gen
}

// lastSuccessCtx is the newest successful fetch this process or an
// earlier one recorded: after a restart the store still knows when ICE
// last answered (a key written in the same transaction as the check), so
// a restart neither hides a stale feed for a grace period nor reports
// "starting" for a server that fetched minutes ago.
func (s *Server) lastSuccessCtx(ctx context.Context) time.Time {
	_, success, _, _, _ := s.health.snapshot()
	stored, err := s.store.LastSuccess(ctx)
	if err != nil {
		s.log.Warn("read last success", slog.Any("error", err))
		return success
	}
	if stored.After(success) {
		return stored
	}
	return success
}

// lastErrorCtx is the newest failed fetch of this process, or the one the
// store recorded when this process has seen none yet.
func (s *Server) lastErrorCtx(ctx context.Context) (time.Time, string) {
	_, _, _, at, msg := s.health.snapshot()
	stored, storedMsg, err := s.store.LastError(ctx)
	if err != nil {
		s.log.Warn("read last error", slog.Any("error", err))
		return at, msg
	}
	if stored.After(at) {
		return stored, storedMsg
	}
	return at, msg
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// healthz serves GET /healthz: 503 once the last successful fetch is older
// than StaleAfter. A process that has never fetched successfully (and finds
// no successful check in the store) is given StaleAfter from its start as a
// grace period, then turns 503 too.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	started, _, attempt, _, _ := s.health.snapshot()
	success := s.lastSuccessCtx(r.Context())
	errAt, lastErr := s.lastErrorCtx(r.Context())
	st := HealthStatus{LastSuccess: timePtr(success), LastAttempt: timePtr(attempt), LastError: lastErr,
		LastErrorAt: timePtr(errAt)}
	code := http.StatusOK
	switch {
	case !success.IsZero() && now.Sub(success) <= s.staleAfter:
		st.Status = "ok"
	case success.IsZero() && now.Sub(started) <= s.staleAfter:
		st.Status = "starting"
	default:
		st.Status = "stale"
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	s.write(w, r, jsonResponse(code, st), "")
}
