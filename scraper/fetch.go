package scraper

import (
	"bytes"
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
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/temoto/robotstxt"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/internal/retry"
	"github.com/watch287g/watch287g/sheet"
)

// maxRedirects is Go's default, which a custom redirect check must repeat.
const maxRedirects = 10

// zipMagic starts every xlsx (a zip's local file header).
var zipMagic = []byte("PK\x03\x04")

// cycle is one Fetch: its own colly collector, so nothing (visited URLs,
// cookies, robots) leaks from one cycle into the next.
type cycle struct {
	s      *Scraper
	col    *colly.Collector
	page   *url.URL
	robots *robotstxt.RobotsData
	res    *Result
	// requests counts requests made, so the first goes without a delay.
	requests int
	// cur is the attempt in flight; colly's callbacks fill it.
	cur *attempt
}

// attempt is what colly's callbacks saw of one request.
type attempt struct {
	status      int
	header      http.Header
	contentType string
	body        []byte
	finalURL    *url.URL
	tooLarge    int64 // the Content-Length that made us abort, or 0
}

// response is a finished request whose status the caller handles.
type response struct {
	status      int
	header      http.Header
	contentType string
	body        []byte
	finalURL    *url.URL
	check       int // index in Result.Checks
}

// Fetch runs one cycle: robots.txt (unless ignored), the page, then each
// list's file, conditionally with the validators the caller last saw for
// that URL (validators may be nil). It returns a non-nil Result holding
// what succeeded, and an error joining every failure, each wrapped with its
// URL. A page that links neither list is ErrNoLinks.
func (s *Scraper) Fetch(ctx context.Context, validators func(url string) (lastModified, etag string)) (*Result, error) {
	res := &Result{}
	page, err := url.Parse(s.opts.PageURL)
	if err != nil || page.Host == "" || (page.Scheme != "http" && page.Scheme != "https") {
		return res, fmt.Errorf("scraper: page url %q: not an absolute http(s) url", escape.RedactURL(s.opts.PageURL))
	}
	c := s.newCycle(page, res)
	// Every URL in an error, a warning, a log line or a Check is shown
	// with its credentials masked: page_url may carry user:pass@ or a
	// token, and links resolved against it inherit the user:pass.
	shownPage := redact(page.String())

	if !s.opts.IgnoreRobots {
		if err := c.loadRobots(ctx); err != nil {
			return res, masked(fmt.Errorf("scraper: %s: %w", redact(robotsURL(page)), err))
		}
	}
	pr, err := c.fetch(ctx, page.String(), nil)
	if len(res.Checks) > 0 {
		res.Page = res.Checks[len(res.Checks)-1]
	}
	if err != nil {
		return res, masked(fmt.Errorf("scraper: page %s: %w", shownPage, err))
	}
	if pr.status != http.StatusOK {
		return res, fmt.Errorf("scraper: page %s: %w %d", shownPage, ErrStatus, pr.status)
	}
	links, warnings := findLinks(pr.finalURL, page.Host, pr.body)
	res.Warnings = append(res.Warnings, warnings...)
	if len(links) == 0 {
		c.fail(pr.check, ErrNoLinks)
		res.Page = res.Checks[pr.check]
		return res, fmt.Errorf("scraper: page %s: %w", redact(pr.finalURL.String()), ErrNoLinks)
	}

	var errs []error
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		l, ok := links[list]
		if !ok {
			errs = append(errs, fmt.Errorf("scraper: page %s: %w for the %s list", redact(pr.finalURL.String()), ErrNoLinks, list))
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("scraper: %s: %w", redact(l.url), err))
			break
		}
		f, err := c.download(ctx, l, validators)
		if f != nil {
			res.Files = append(res.Files, *f)
		}
		if err != nil {
			errs = append(errs, masked(fmt.Errorf("scraper: %s list %s: %w", list, redact(l.url), err)))
		}
	}
	return res, errors.Join(errs...)
}

// redact is a URL fit for an error, a log line or a Check: credentials
// masked (escape.RedactURL).
func redact(u string) string { return escape.RedactURL(u) }

// maskedError shows an error with every URL in its text masked, for
// errors that hold text from below (a transport error quoting the URL
// it failed on); errors.Is and errors.As see the error unchanged.
type maskedError struct {
	err error
	msg string
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// masked wraps err as a maskedError when its text holds a credential.
func masked(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if m := escape.RedactURL(msg); m != msg {
		return &maskedError{err: err, msg: m}
	}
	return err
}

// sentinelError is err classified as a sentinel of ours without repeating
// the sentinel's text when err already says it ("not an xlsx workbook:
// xlsx: …: not an xlsx workbook"): errors.Is matches both.
type sentinelError struct {
	sentinel error
	err      error
}

func (e *sentinelError) Error() string   { return e.err.Error() }
func (e *sentinelError) Unwrap() []error { return []error{e.sentinel, e.err} }

// classifyAs makes err match sentinel, saying the sentinel's text only
// when err does not already.
func classifyAs(sentinel, err error) error {
	if strings.Contains(err.Error(), sentinel.Error()) {
		return &sentinelError{sentinel: sentinel, err: err}
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// newCycle builds the cycle's collector. colly is told to hand every
// status to us (ParseHTTPErrorResponse), to allow revisits (retries are
// revisits), and to read one byte more than MaxBody so that its silent
// truncation (io.LimitReader) shows as a body over the cap.
func (s *Scraper) newCycle(page *url.URL, res *Result) *cycle {
	col := colly.NewCollector(
		colly.UserAgent(s.opts.UserAgent),
		colly.AllowURLRevisit(),
		colly.ParseHTTPErrorResponse(),
		colly.MaxBodySize(maxBodySize(s.opts.MaxBody)),
		colly.AllowedDomains(page.Hostname()),
		// Robots are checked by the cycle itself: colly fetches
		// robots.txt without the request's context, so a cancel or a
		// timeout would not reach it, and it would make no Check.
		colly.IgnoreRobotsTxt(),
	)
	// NewCollector applies COLLY_* environment variables after the
	// options; a stray COLLY_CACHE_DIR would answer from disk and
	// COLLY_MAX_BODY_SIZE would truncate, so what we rely on is set again.
	col.CacheDir = ""
	col.Async = false
	col.DetectCharset = false
	col.MaxBodySize = maxBodySize(s.opts.MaxBody)
	col.AllowURLRevisit = true
	col.ParseHTTPErrorResponse = true
	col.IgnoreRobotsTxt = true
	col.AllowedDomains = []string{page.Hostname()}
	col.DisallowedDomains, col.URLFilters, col.DisallowedURLFilters = nil, nil, nil
	col.MaxDepth, col.MaxRequests = 0, 0
	col.SetRequestTimeout(s.opts.Timeout)
	if s.opts.Transport != nil {
		col.WithTransport(s.opts.Transport)
	}
	c := &cycle{s: s, col: col, page: page, res: res}
	col.SetRedirectHandler(c.checkRedirect)
	col.OnResponseHeaders(func(r *colly.Response) {
		a := c.cur
		if a == nil {
			return
		}
		// colly re-encodes a body whose Content-Type names a charset and
		// gunzips one whose type says gzip; the bytes must stay exactly
		// as served, so it sees no Content-Type (ours is kept aside).
		a.contentType = r.Headers.Get("Content-Type")
		r.Headers.Del("Content-Type")
		if n, err := strconv.ParseInt(r.Headers.Get("Content-Length"), 10, 64); err == nil && n > s.opts.MaxBody {
			a.tooLarge = n
			r.Request.Abort()
		}
	})
	col.OnResponse(func(r *colly.Response) {
		a := c.cur
		if a == nil {
			return
		}
		a.status = r.StatusCode
		if r.Headers != nil {
			a.header = r.Headers.Clone()
		}
		a.body = r.Body
		if r.Request != nil {
			a.finalURL = r.Request.URL
		}
	})
	return c
}

// maxBodySize is colly's read limit: one byte over our cap, so that a body
// over it shows instead of being cut to size.
func maxBodySize(maxBody int64) int {
	const maxInt = int64(^uint(0) >> 1)
	return int(min(maxBody, maxInt-1) + 1)
}

// checkRedirect follows redirects only within the page's host (ICE moved
// the page over the years; a redirect elsewhere is not ICE's page), and
// only where robots.txt allows.
func (c *cycle) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	if req.URL.Host != c.page.Host {
		return fmt.Errorf("redirect to %s: %w", redact(req.URL.String()), ErrOffHost)
	}
	if !c.allowed(req.URL) {
		return fmt.Errorf("redirect to %s: %w", redact(req.URL.String()), ErrRobots)
	}
	return nil
}

// robotsURL is the robots.txt of the page's host.
func robotsURL(page *url.URL) string {
	return (&url.URL{Scheme: page.Scheme, Host: page.Host, Path: "/robots.txt"}).String()
}

// loadRobots fetches and parses robots.txt. A 4xx means no rules; a 5xx
// (after retries) means everything is disallowed, as the robots standard
// (RFC 9309) asks.
func (c *cycle) loadRobots(ctx context.Context) error {
	r, err := c.fetchStatus(ctx, robotsURL(c.page), nil, func(status int) bool {
		return status < 500 && status != http.StatusTooManyRequests
	})
	var data *robotstxt.RobotsData
	switch {
	case err != nil && r == nil:
		return err
	case r.status >= 500:
		data, err = robotstxt.FromStatusAndBytes(r.status, nil)
	default:
		data, err = robotstxt.FromStatusAndBytes(r.status, r.body)
	}
	if err != nil {
		c.fail(r.check, err)
		return fmt.Errorf("parse: %w", err)
	}
	c.robots = data
	return nil
}

// allowed says whether robots.txt lets us fetch u.
func (c *cycle) allowed(u *url.URL) bool {
	if c.robots == nil {
		return true
	}
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return c.robots.TestAgent(p, c.s.opts.UserAgent)
}

// download fetches one list's file and validates it.
func (c *cycle) download(ctx context.Context, l link, validators func(string) (string, string)) (*File, error) {
	hdr := http.Header{}
	// The URL a File is known by, and the validators' key, has its
	// credentials masked: it is stored and shown.
	known := redact(l.url)
	var lastMod, etag string
	if validators != nil {
		lastMod, etag = validators(known)
	}
	if lastMod != "" {
		hdr.Set("If-Modified-Since", lastMod)
	}
	if etag != "" {
		hdr.Set("If-None-Match", etag)
	}
	r, err := c.fetch(ctx, l.url, hdr)
	if err != nil {
		return nil, err
	}
	name := servedName(r.header.Get("Content-Disposition"), r.finalURL)
	if len(name) > MaxNameBytes {
		// The name is the publisher's data and is kept as served, but a
		// 5,000-character header is no file name: keep the start, say so.
		c.warn(fmt.Sprintf("%s: the served file name is %d bytes; kept its first %d: %s",
			known, len(name), MaxNameBytes, escape.Terminal(truncateName(name, 80))+"…"))
		name = truncateName(name, MaxNameBytes)
	}
	c.s.log.Debug("file", slog.String("url", known), slog.String("name", escape.Terminal(name)), slog.Int("status", r.status))
	f := &File{
		URL:          known,
		LinkList:     l.list,
		List:         l.list,
		Name:         name,
		LastModified: r.header.Get("Last-Modified"),
		ETag:         r.header.Get("ETag"),
		FetchedAt:    c.res.Checks[r.check].At,
		Status:       r.status,
	}
	ref := f.FetchedAt
	if t, err := http.ParseTime(f.LastModified); err == nil {
		ref = t
	}
	f.Published, _, _ = ParseName(f.Name, ref)
	if r.status == http.StatusNotModified {
		f.NotModified = true
		if f.LastModified == "" {
			f.LastModified = lastMod
		}
		if f.ETag == "" {
			f.ETag = etag
		}
		return f, nil
	}
	if r.status != http.StatusOK {
		err := fmt.Errorf("%w %d", ErrStatus, r.status)
		c.fail(r.check, err)
		return nil, err
	}
	if err := c.validate(r); err != nil {
		c.fail(r.check, err)
		return nil, err
	}
	f.Body = r.body
	parsed, parseErr, err := readWorkbook(ctx, c.s.parse, r.body)
	switch {
	case ctx.Err() != nil:
		return nil, err
	case err != nil:
		c.fail(r.check, err)
		return nil, err
	case parseErr != nil:
		// Archived and quarantined downstream, not a download failure.
		f.ParseErr = parseErr
		c.warn(fmt.Sprintf("%s: %s: %v", known, f.Name, parseErr))
	default:
		f.Parsed = parsed
		if parsed.List != "" {
			f.List = parsed.List
		}
		if parsed.List != "" && parsed.List != l.list {
			c.warn(fmt.Sprintf("%s: the %s link serves a %s list (by its columns); the columns win", known, l.list, parsed.List))
		}
	}
	return f, nil
}

// readWorkbook reads a body that starts as a zip does and judges it, as
// every download (live or archived) is judged: parsed; or parseErr, a
// header the reader does not recognise (such a file is archived and
// quarantined); or err, a file to refuse (ErrTooLarge over the reader's
// caps, ErrNotWorkbook corrupt), or ctx's error when the read was
// cancelled, which is no verdict on the file.
func readWorkbook(ctx context.Context, parse func(context.Context, []byte) (*sheet.File, error), body []byte) (parsed *sheet.File, parseErr, err error) {
	parsed, err = safeParse(func(b []byte) (*sheet.File, error) { return parse(ctx, b) }, body)
	switch {
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case err == nil:
		return parsed, nil, nil
	case errors.Is(err, sheet.ErrNoHeader):
		return nil, err, nil
	case errors.Is(err, sheet.ErrTooLarge):
		return nil, nil, classifyAs(ErrTooLarge, err)
	}
	return nil, nil, classifyAs(ErrNotWorkbook, err)
}

// parse runs the reader, turning a panic on hostile bytes into an error:
// a bug there must cost one file, not the process.
func safeParse(parse func([]byte) (*sheet.File, error), b []byte) (f *sheet.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("%w: reader panicked: %v", sheet.ErrNotXLSX, p)
		}
	}()
	f, err = parse(b)
	if err == nil && f == nil {
		err = sheet.ErrNotXLSX
	}
	return f, err
}

// validate refuses bodies that are not whole workbooks.
func (c *cycle) validate(r *response) error {
	if int64(len(r.body)) > c.s.opts.MaxBody {
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, c.s.opts.MaxBody)
	}
	if cl := r.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n != int64(len(r.body)) {
			return fmt.Errorf("%w: got %d of %d bytes", ErrTruncated, len(r.body), n)
		}
	}
	if !bytes.HasPrefix(r.body, zipMagic) {
		return fmt.Errorf("%w: %s body starts %q", ErrNotWorkbook, escape.Terminal(orUnknown(r.contentType)), snippet(r.body))
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// snippet is the start of a body, for an error message.
func snippet(b []byte) string {
	b = b[:min(len(b), 40)]
	return strings.ToValidUTF8(string(b), "?")
}

// fetch GETs u and returns a 200 or a 304; any other final status is an
// error (403 ErrBlocked, others ErrStatus).
func (c *cycle) fetch(ctx context.Context, u string, hdr http.Header) (*response, error) {
	r, err := c.fetchStatus(ctx, u, hdr, func(status int) bool {
		return status == http.StatusOK || status == http.StatusNotModified
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// fetchStatus GETs u with retries and returns the response when accept
// takes its status. Timeouts, network errors, 5xx and 429 are retried with
// exponential backoff and jitter (Retry-After honoured up to its cap); 403,
// 404 and other statuses are not. A refused final status is an error; for
// a 5xx the response is returned along with it.
func (c *cycle) fetchStatus(ctx context.Context, u string, hdr http.Header, accept func(int) bool) (*response, error) {
	parsed, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", err)
	}
	if parsed.Host != c.page.Host {
		return nil, fmt.Errorf("%s: %w", redact(parsed.String()), ErrOffHost)
	}
	if parsed.Path != "/robots.txt" && !c.allowed(parsed) {
		return nil, ErrRobots
	}
	var wait time.Duration
	for try := 0; ; try++ {
		if c.requests > 0 {
			if err := c.s.opts.Sleep(ctx, max(wait, c.s.opts.Delay)); err != nil {
				return nil, err
			}
		}
		c.requests++
		r, err := c.once(ctx, u, hdr)
		if ctx.Err() != nil {
			// The caller cancelled: stop at once, whatever the attempt saw.
			return nil, ctx.Err()
		}
		retryable := false
		switch {
		case err != nil:
			retryable = errors.Is(err, ErrTimeout) || errors.Is(err, ErrTruncated) || isNetError(err)
		case accept(r.status):
			c.res.Checks[r.check].Outcome = OutcomeOK
			if r.status == http.StatusNotModified {
				c.res.Checks[r.check].Outcome = OutcomeNotModified
			}
			return r, nil
		case r.status == http.StatusForbidden:
			err = ErrBlocked
		case r.status == http.StatusTooManyRequests || r.status == http.StatusRequestTimeout || r.status >= 500:
			err = fmt.Errorf("%w %d", ErrStatus, r.status)
			retryable = true
		default:
			err = fmt.Errorf("%w %d", ErrStatus, r.status)
		}
		if r != nil {
			c.fail(r.check, err)
		}
		if !retryable || try >= c.s.opts.Retries {
			if r != nil && r.status >= 500 {
				return r, err
			}
			return nil, err
		}
		wait = retry.Backoff(c.s.opts.BackoffBase, c.s.opts.BackoffMax, try)
		if r != nil {
			if ra, ok := retry.ParseRetryAfter(r.header.Get("Retry-After"), c.s.opts.Now()); ok {
				if ra > c.s.opts.MaxRetryAfter {
					return nil, fmt.Errorf("%w; Retry-After %s is over the %s cap", err, ra, c.s.opts.MaxRetryAfter)
				}
				wait = ra
			}
		}
		c.s.log.Info("retrying", slog.String("url", redact(u)), slog.Int("attempt", try+2),
			slog.Duration("wait", wait), slog.Any("error", err))
	}
}

// once makes one request and records its Check. A non-nil response comes
// with any status; errors are transport failures and caps.
func (c *cycle) once(ctx context.Context, u string, hdr http.Header) (*response, error) {
	h := http.Header{}
	for k, v := range hdr {
		h[k] = v
	}
	// Set on every request, robots.txt included (colly would too, but
	// being explicit keeps it true whatever colly changes).
	h.Set("User-Agent", c.s.opts.UserAgent)

	reqCtx, cancel := context.WithTimeout(ctx, c.s.opts.Timeout)
	defer cancel()
	c.col.Context = reqCtx
	a := &attempt{}
	c.cur = a
	defer func() { c.cur = nil }()

	check := Check{At: c.s.opts.Now(), URL: redact(u)}
	start := time.Now()
	err := c.col.Request(http.MethodGet, u, nil, nil, h)
	check.Duration = time.Since(start)
	check.Status = a.status
	check.Bytes = int64(len(a.body))
	check.Outcome = OutcomeOK

	switch {
	case a.tooLarge > 0:
		err = fmt.Errorf("%w: Content-Length %d is over %d bytes", ErrTooLarge, a.tooLarge, c.s.opts.MaxBody)
	case err == nil && a.status == 0:
		err = errors.New("no response")
	case err != nil:
		err = masked(classify(ctx, reqCtx, err))
	}
	if err != nil {
		check.Outcome = OutcomeError
		check.Error = err.Error()
		c.res.Checks = append(c.res.Checks, check)
		c.s.log.Debug("request failed", slog.String("url", check.URL), slog.Any("error", err))
		return nil, err
	}
	c.res.Checks = append(c.res.Checks, check)
	c.s.log.Debug("request", slog.String("url", check.URL), slog.Int("status", a.status), slog.Int("bytes", len(a.body)))
	final := a.finalURL
	if final == nil {
		final, _ = url.Parse(u)
	}
	hd := a.header
	if hd == nil {
		hd = http.Header{}
	}
	return &response{status: a.status, header: hd, contentType: a.contentType, body: a.body,
		finalURL: final, check: len(c.res.Checks) - 1}, nil
}

// classify maps a transport error to our sentinels.
func classify(ctx, reqCtx context.Context, err error) error {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, ErrOffHost), errors.Is(err, ErrRobots):
		return err
	case errors.Is(reqCtx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	case errors.Is(err, colly.ErrForbiddenDomain):
		return fmt.Errorf("%w: %w", ErrOffHost, err)
	}
	return err
}

// isNetError says whether err is a network failure worth retrying (a
// refused or reset connection, a server that closed it without answering),
// as opposed to a refusal of ours such as a redirect off the host.
func isNetError(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, io.EOF)
}

// fail marks a recorded Check as failed.
func (c *cycle) fail(i int, err error) {
	if i < 0 || i >= len(c.res.Checks) || err == nil {
		return
	}
	c.res.Checks[i].Outcome = OutcomeError
	c.res.Checks[i].Error = err.Error()
}

// warn records a warning, fit for a terminal line: warnings are printed
// by `fetch` and logged, and may quote a served name.
func (c *cycle) warn(s string) {
	s = escape.Terminal(s)
	c.res.Warnings = append(c.res.Warnings, s)
	c.s.log.Warn(s)
}
