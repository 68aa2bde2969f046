// Package wayback reads ICE's lists back from the Internet Archive's
// Wayback Machine: it discovers captures through the CDX API, finds the
// lists a captured 287(g) page linked, and downloads each distinct capture
// once with raw playback (<archive>/web/<timestamp>id_/<original>), accepting
// a body only as a live fetch would (scraper.CheckWorkbook).
//
// It is polite by construction: one Client makes strictly one request at a
// time, waits Options.Delay between requests (redirect hops and retries
// included), and backs off with jitter on 429, 503 and refused
// connections, honouring Retry-After. It knows nothing of the store: the
// caller decides what is already archived.
package wayback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/internal/retry"
)

// Defaults for Options fields left zero.
const (
	// DefaultBaseURL is the Wayback Machine.
	DefaultBaseURL = "https://web.archive.org"
	// DefaultDelay is the pause between two requests: the archive refuses
	// connections after about 20 quick requests.
	DefaultDelay = 1500 * time.Millisecond
	// DefaultTimeout bounds one request, body included.
	DefaultTimeout = 60 * time.Second
	// DefaultRetries is how many times a request is repeated after a 429,
	// a 5xx, a refused connection or a timeout.
	DefaultRetries = 6
	// DefaultBackoffMax caps the exponential backoff.
	DefaultBackoffMax = 2 * time.Minute
	// DefaultMaxRetryAfter caps a Retry-After: a server asking for longer
	// is waited for this long, then asked again.
	DefaultMaxRetryAfter = 5 * time.Minute
	// DefaultMaxBody is the largest body read; ICE's files are ~100 KiB.
	DefaultMaxBody = 20 << 20
	// DefaultPageSize is the CDX limit per page of results.
	DefaultPageSize = 1000
	// minBackoff is the first retry's backoff when Delay is zero (tests):
	// a retry is never immediate.
	minBackoff = 50 * time.Millisecond
)

// Errors, wrapped with the URL they concern. Test with errors.Is.
var (
	// ErrStatus means an unexpected final status (after retries for 429
	// and 5xx).
	ErrStatus = errors.New("unexpected status")
	// ErrOffHost means a redirect left the archive's host, or led to a
	// capture of another host than the one asked for.
	ErrOffHost = errors.New("redirect off host")
	// ErrTooLarge means a body over Options.MaxBody.
	ErrTooLarge = errors.New("body too large")
	// ErrTruncated means the connection ended before Content-Length bytes.
	ErrTruncated = errors.New("body truncated in transfer")
	// ErrCDX means a CDX answer that does not parse.
	ErrCDX = errors.New("bad cdx answer")
)

// Options configure a Client. Zero fields take the Default values; a
// negative Delay means none (tests).
type Options struct {
	BaseURL   string
	UserAgent string
	Delay     time.Duration
	Timeout   time.Duration
	Retries   int
	// BackoffBase is the first retry's backoff, doubled each time (with
	// jitter) up to BackoffMax; zero means twice Delay (at least 50 ms).
	BackoffBase   time.Duration
	BackoffMax    time.Duration
	MaxRetryAfter time.Duration
	MaxBody       int64
	PageSize      int
	Logger        *slog.Logger
	// Sleep waits, returning early with ctx's error; tests may replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Transport replaces the HTTP transport.
	Transport http.RoundTripper
}

// Stats counts what a Client did.
type Stats struct {
	Requests int // every attempt, redirect hops and retries included
	Retries  int
}

// Client talks to one Wayback Machine, one request at a time.
type Client struct {
	opts Options
	base *url.URL
	hc   *http.Client
	log  *slog.Logger

	// mu serialises requests: it is held from the wait before a request
	// until its body is read, so no two requests ever overlap.
	mu    sync.Mutex
	last  time.Time // when the previous request finished
	stats Stats
}

// New returns a Client for opts.BaseURL.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("wayback: base url %q: not an absolute http(s) url", escape.RedactURL(opts.BaseURL))
	}
	switch {
	case opts.Delay == 0:
		opts.Delay = DefaultDelay
	case opts.Delay < 0:
		opts.Delay = 0
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Retries == 0 {
		opts.Retries = DefaultRetries
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = max(2*opts.Delay, minBackoff)
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.PageSize <= 0 {
		opts.PageSize = DefaultPageSize
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "watch287g-backfill/1.0 (+https://github.com/watch287g/watch287g)"
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tr := opts.Transport
	if tr == nil {
		// No keep-alive: Go's transport silently repeats a GET whose
		// reused connection the server closed, which would be a second
		// request inside the delay, uncounted. At one request per delay a
		// kept-alive connection would mostly have been closed anyway.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableKeepAlives = true
		tr = t
	}
	hc := &http.Client{
		Transport: tr,
		// Redirects are followed by get itself, so that each hop waits
		// the delay and is checked against the host.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Client{opts: opts, base: base, hc: hc, log: log.With(slog.String("component", "wayback"))}, nil
}

// Stats returns what the client has done so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// BaseURL is the archive's address.
func (c *Client) BaseURL() string { return c.base.String() }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// response is one finished request.
type response struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL // the URL that answered (after redirects)
}

// maxRedirects bounds a redirect chain.
const maxRedirects = 10

// get fetches u, following redirects that stay on the archive's host (and,
// when sameOriginal is set, on the captured host: check decides), retrying
// 429, 5xx, refused connections and timeouts. It returns the final
// response whatever its status.
func (c *Client) get(ctx context.Context, u *url.URL, check func(next *url.URL) error) (*response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for hop := 0; ; hop++ {
		r, err := c.attempt(ctx, u)
		if err != nil {
			return nil, err
		}
		if !isRedirect(r.status) {
			return r, nil
		}
		loc := r.header.Get("Location")
		next, err := u.Parse(loc)
		if loc == "" || err != nil {
			return r, nil
		}
		if hop >= maxRedirects {
			return nil, fmt.Errorf("%s: stopped after %d redirects", escape.RedactURL(u.String()), maxRedirects)
		}
		if !strings.EqualFold(next.Host, c.base.Host) || (next.Scheme != "http" && next.Scheme != "https") {
			return nil, fmt.Errorf("%w: %s redirects to %s", ErrOffHost, escape.RedactURL(u.String()), escape.RedactURL(next.String()))
		}
		if check != nil {
			if err := check(next); err != nil {
				return nil, err
			}
		}
		u = next
	}
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// attempt makes one request, with retries; c.mu is held.
func (c *Client) attempt(ctx context.Context, u *url.URL) (*response, error) {
	var retryAfter time.Duration
	for try := 0; ; try++ {
		wait := c.opts.Delay - time.Since(c.last)
		if try > 0 {
			wait = max(wait, retry.Backoff(c.opts.BackoffBase, c.opts.BackoffMax, try-1), retryAfter)
		}
		if c.stats.Requests > 0 || try > 0 {
			if err := c.opts.Sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%s: %w", escape.RedactURL(u.String()), err)
			}
		} else if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := c.once(ctx, u)
		c.last = time.Now()
		c.stats.Requests++
		again, why := false, ""
		retryAfter = 0
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, fmt.Errorf("%s: %w", escape.RedactURL(u.String()), ctx.Err())
		case err != nil:
			again, why = transient(err), err.Error()
		case r.status == http.StatusTooManyRequests || r.status >= 500:
			again, why = true, strconv.Itoa(r.status)
			if d, ok := retry.ParseRetryAfter(r.header.Get("Retry-After"), time.Now()); ok {
				retryAfter = min(d, c.opts.MaxRetryAfter)
			}
		}
		if !again {
			if err != nil {
				return nil, fmt.Errorf("%s: %w", escape.RedactURL(u.String()), err)
			}
			return r, nil
		}
		if try >= c.opts.Retries {
			if err != nil {
				return nil, fmt.Errorf("%s: %w (after %d tries)", escape.RedactURL(u.String()), err, try+1)
			}
			return nil, fmt.Errorf("%s: %w %d (after %d tries)", escape.RedactURL(u.String()), ErrStatus, r.status, try+1)
		}
		c.stats.Retries++
		c.log.Warn("archive busy, backing off", slog.String("url", escape.Terminal(escape.RedactURL(u.String()))),
			slog.String("why", escape.Terminal(why)), slog.Int("try", try+1), slog.Duration("retry_after", retryAfter))
	}
}

// transient reports whether a transport error is worth retrying: a refused
// or reset connection, a timeout, a connection that ended early.
func transient(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrTruncated) || errors.Is(err, io.EOF) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// once makes one HTTP request and reads its body, capped.
func (c *Client) once(ctx context.Context, u *url.URL) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.opts.MaxBody {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, c.opts.MaxBody)
	}
	if resp.ContentLength >= 0 && resp.ContentLength != int64(len(body)) && resp.Header.Get("Content-Encoding") == "" {
		return nil, fmt.Errorf("%w: got %d of %d bytes", ErrTruncated, len(body), resp.ContentLength)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body, url: u}, nil
}
