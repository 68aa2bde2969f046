package web

import (
	"context"
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

// lastSuccess is the newest successful fetch this process or an earlier
// one recorded: after a restart the store's checks still know when ICE last
// answered, so a restart does not hide a stale feed for a grace period.
func (s *Server) lastSuccessCtx(ctx context.Context) time.Time {
	_, success, _, _, _ := s.health.snapshot()
	checks, err := s.store.Checks(ctx, 50)
	if err != nil {
		return success
	}
	for _, c := range checks {
		if c.Outcome != "error" {
			if c.At.After(success) {
				success = c.At
			}
			break
		}
	}
	return success
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
	started, _, attempt, errAt, lastErr := s.health.snapshot()
	success := s.lastSuccessCtx(r.Context())
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
