// Package retry holds the two rules every polite client of watch287g
// shares (the ICE fetcher, the Wayback Machine client): how long to back
// off before a retry, and how to read a server's Retry-After. One rule,
// one place, so the fetchers cannot drift apart.
package retry

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter bounds what ParseRetryAfter returns: a year, so a
// hostile or broken header cannot overflow a time.Duration. Callers apply
// their own, much smaller, caps on top.
const MaxRetryAfter = 365 * 24 * time.Hour

// Backoff is the wait before retry number try (0 for the first retry):
// base doubled per try, capped at max, with jitter — half of it fixed and
// half random — so that many clients failing together do not retry in
// step.
func Backoff(base, max time.Duration, try int) time.Duration {
	d := base
	for i := 0; i < try && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(d-half)
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date, the latter measured from now. A negative, empty or
// unreadable value reports false; a value beyond MaxRetryAfter is cut to
// it.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), MaxRetryAfter), true
}
