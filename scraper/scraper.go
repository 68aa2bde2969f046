// Package scraper fetches ICE's 287(g) page and the two spreadsheets it
// links, politely and defensively: it finds the links by text and href,
// downloads each file conditionally (If-Modified-Since), accepts a file only
// when it is a workbook the sheet reader opens, and records every request it
// makes as a Check. It also reads the dates ICE's file names claim
// (ParseName). It is built on colly, one collector per cycle.
package scraper

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// Defaults for Options fields left zero.
const (
	// DefaultPageURL is ICE's page that links the two lists.
	DefaultPageURL = "https://www.ice.gov/identify-and-arrest/287g"
	// DefaultUserAgent names watch287g to ICE's servers.
	DefaultUserAgent = "watch287g/1.0 (+https://github.com/watch287g/watch287g)"
	// DefaultTimeout bounds one request, body included.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxBody is the largest file accepted; ICE's files are about
	// 100 KiB, so anything near this is not a spreadsheet of agreements.
	DefaultMaxBody = 20 << 20
	// DefaultDelay is the pause between two requests of one cycle.
	DefaultDelay = 2 * time.Second
	// DefaultRetries is how many times a request is repeated after a
	// timeout, a 5xx or a 429.
	DefaultRetries = 3
	// DefaultBackoffBase is the first retry's backoff; it doubles each time.
	DefaultBackoffBase = 2 * time.Second
	// DefaultBackoffMax caps the exponential backoff.
	DefaultBackoffMax = 2 * time.Minute
	// DefaultMaxRetryAfter is the longest Retry-After honoured; a server
	// asking for more gets no retry in this cycle (the next cycle comes).
	DefaultMaxRetryAfter = 5 * time.Minute
)

// Outcomes of a Check.
const (
	OutcomeOK          = "ok"
	OutcomeNotModified = "not_modified"
	OutcomeError       = "error"
)

// Errors Fetch returns, wrapped with the URL they concern and joined with
// errors.Join when several requests failed. Test with errors.Is.
var (
	// ErrNoLinks means the page links neither list (or, joined with the
	// list's name, not one of them): the page changed, or is a block page.
	ErrNoLinks = errors.New("page links no agency list")
	// ErrNotWorkbook means a download is not an xlsx workbook: an HTML
	// block page served with 200, a corrupt or truncated zip.
	ErrNotWorkbook = errors.New("not an xlsx workbook")
	// ErrTooLarge means a body is over Options.MaxBody (never silently
	// truncated), or the workbook is over the reader's caps.
	ErrTooLarge = errors.New("body too large")
	// ErrTruncated means the connection ended before the body did.
	ErrTruncated = errors.New("body truncated")
	// ErrBlocked means the server answered 403 Forbidden; it is not retried.
	ErrBlocked = errors.New("blocked (403)")
	// ErrStatus means any other unexpected status, after retries for 5xx
	// and 429.
	ErrStatus = errors.New("unexpected status")
	// ErrTimeout means a request took longer than Options.Timeout, on
	// every attempt.
	ErrTimeout = errors.New("request timed out")
	// ErrRobots means robots.txt disallows the URL for our User-Agent.
	ErrRobots = errors.New("disallowed by robots.txt")
	// ErrOffHost means a redirect left the page URL's host.
	ErrOffHost = errors.New("off the page's host")
)

// Options configure a Scraper. Zero fields take the Default values; a
// negative Delay or Retries means none.
type Options struct {
	PageURL   string
	UserAgent string
	// Delay is the pause between two requests of one cycle.
	Delay time.Duration
	// Timeout bounds each request (each attempt), body included.
	Timeout time.Duration
	// MaxBody is the largest body accepted, in bytes.
	MaxBody int64
	// Retries is how many times a timed-out, 5xx or 429 request is repeated.
	Retries int
	// IgnoreRobots skips robots.txt, which is honoured by default.
	IgnoreRobots bool
	// BackoffBase and BackoffMax shape the exponential backoff (with
	// jitter) between retries; MaxRetryAfter caps a Retry-After.
	BackoffBase   time.Duration
	BackoffMax    time.Duration
	MaxRetryAfter time.Duration
	Logger        *slog.Logger
	// Now is the clock for Check.At, File.FetchedAt and Retry-After dates.
	Now func() time.Time
	// Sleep waits between requests; it must return early with ctx's error
	// when ctx ends. Tests pass one that records and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Transport replaces the HTTP transport (tests, proxies).
	Transport http.RoundTripper
}

// Scraper fetches ICE's page and files. It holds no state between cycles
// (validators come from the caller), so one Scraper serves many cycles,
// though not concurrently: one request at a time is the point.
type Scraper struct {
	opts Options
	log  *slog.Logger
	// parse reads a workbook, giving up when ctx ends (a cancelled cycle
	// must not wait for a big file); sheet.ParseContext, replaceable in
	// this package's tests.
	parse func(context.Context, []byte) (*sheet.File, error)
}

// New returns a Scraper with opts, defaults filled in.
func New(opts Options) *Scraper {
	if opts.PageURL == "" {
		opts.PageURL = DefaultPageURL
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	opts.Delay = orDefault(opts.Delay, DefaultDelay)
	opts.Timeout = orDefault(opts.Timeout, DefaultTimeout)
	opts.BackoffBase = orDefault(opts.BackoffBase, DefaultBackoffBase)
	opts.BackoffMax = orDefault(opts.BackoffMax, DefaultBackoffMax)
	opts.MaxRetryAfter = orDefault(opts.MaxRetryAfter, DefaultMaxRetryAfter)
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = DefaultRetries
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scraper{opts: opts, log: log.With(slog.String("component", "scraper")), parse: sheet.ParseContext}
}

// orDefault maps zero to def and negative to zero.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

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

// Result is what one fetch cycle found. Fetch returns it even with an
// error, holding what did succeed.
type Result struct {
	// Page is the last request for the page itself.
	Page Check
	// Files holds each list's download (or its 304).
	Files []File
	// Checks holds one entry per request made, robots.txt and retries
	// included, in order.
	Checks []Check
	// Warnings are things an operator should know that did not fail the
	// cycle: a list whose columns contradict its link, links ignored.
	Warnings []string
}

// File is one list's download.
type File struct {
	// URL is the link as found on the page (resolved), with any
	// credentials masked (escape.RedactURL: it is stored and shown), the
	// key for validators; redirects do not change it.
	URL string
	// LinkList is the list the link claims; List is the list the file
	// holds: its columns when the reader recognised them, else LinkList.
	LinkList sheet.List
	List     sheet.List
	// Name is the original file name: Content-Disposition's, else the
	// URL's last path segment (also on a 304, which rarely repeats it).
	// It is the publisher's data, kept as served (control characters
	// included) but capped at MaxNameBytes: escape it where it becomes a
	// path, a terminal line or a cell.
	Name string
	// Body is the file's bytes, unchanged; nil when NotModified.
	Body []byte
	// Parsed is the reader's result; nil with ParseErr set when the
	// workbook's header is not recognised (the store quarantines it).
	Parsed   *sheet.File
	ParseErr error
	// Published is the date Name claims (YYYY-MM-DD), or empty.
	Published string
	// LastModified and ETag are the response's validators (on a 304, the
	// ones sent when the server repeats none).
	LastModified string
	ETag         string
	FetchedAt    time.Time
	// NotModified is true when the server answered 304.
	NotModified bool
	Status      int
}

// Check is one HTTP request made.
type Check struct {
	At time.Time
	// URL is the request's URL with credentials masked.
	URL      string
	Status   int
	Bytes    int64
	Duration time.Duration
	// Outcome is OutcomeOK, OutcomeNotModified or OutcomeError.
	Outcome string
	Error   string
}
