package web

import (
	"context"
	"log/slog"
	"net/http"
)

// Warm renders paths into the response cache, as a visitor's request
// would, so the first visitor after a start is answered from memory: the
// first render of the overview decodes aggregates, draws the charts and
// the states map and reads the atlas, tens of milliseconds that the serve
// command spends while it starts listening instead. A visitor who comes
// first waits for the same render, not a second one (cache.do). Errors
// are the renders' own: logged by them, never fatal.
func (s *Server) Warm(ctx context.Context, paths ...string) {
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, p, nil)
		if err != nil {
			s.log.Warn("warm: bad path", slog.String("path", p), slog.Any("error", err))
			continue
		}
		s.ServeHTTP(discard{h: http.Header{}}, r)
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}
