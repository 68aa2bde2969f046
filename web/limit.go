package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
)

// limiter bounds how many renders of one kind run at once. Coalescing
// makes one render per key; a limiter bounds the renders of many distinct
// keys (150 different searches at once once took 530 MB and kept / from
// answering for 10 s). Renders past the slots wait in a bounded line; past
// the line they are refused with 503 and Retry-After, which costs nothing.
type limiter struct {
	slots chan struct{}
	line  chan struct{}
}

func newLimiter(slots, line int) *limiter {
	return &limiter{slots: make(chan struct{}, slots), line: make(chan struct{}, slots+line)}
}

// errBusy means the limiter's line is full.
var errBusy = errors.New("too many requests of this kind at once")

// acquire takes a slot, waiting in line until ctx ends; release it with
// the returned func.
func (l *limiter) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.line <- struct{}{}:
	default:
		return nil, errBusy
	}
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots; <-l.line }, nil
	case <-ctx.Done():
		<-l.line
		return nil, fmt.Errorf("wait for a render slot: %w", ctx.Err())
	}
}

// Render limits. Pages and API answers share one pool of a slot per CPU
// (at least two); searches, which each read every agreement, get their own
// smaller pool, so a burst of searches never holds up the overview.
func defaultLimiters() (pages, search *limiter) {
	n := max(2, runtime.GOMAXPROCS(0))
	return newLimiter(n, 256), newLimiter(max(1, n/2), 32)
}

// limited renders through l, answering 503 when l is busy or the wait
// outlasts the render's deadline.
func (s *Server) limited(l *limiter, render renderFunc) renderFunc {
	return func(r *http.Request) *response {
		release, err := l.acquire(r.Context())
		if err != nil {
			resp := s.errorFor(r, http.StatusServiceUnavailable, "the server is busy: try again in a few seconds")
			resp.retryAfter = "5"
			return resp
		}
		defer release()
		return render(r)
	}
}
