// Package moafetch keeps the document archive up to date: one Round
// collects every MOA and addendum address the agreements link, fetches the
// new ones first, then revalidates known ones on a rolling schedule with
// If-Modified-Since, one request at a time with a delay, and records each
// answer in the store, which decides (through diff.DocumentKind) whether it
// is a document change.
//
// It sits where tracker does: downstream of store (it needs the store to
// know what to fetch), upstream of cmd. It runs apart from the list's
// fetch cycle and never holds the store's write lock while waiting on the
// network, so it never delays or fails a list fetch. A 403 or 429 stops
// the round and alerts the operator: ICE is telling us to back off, and
// hammering on would risk the list fetches too.
package moafetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
)

// Store is what a round needs of *store.Store.
type Store interface {
	DocumentLinks(ctx context.Context) ([]store.DocumentLink, error)
	NoteDocumentLinks(ctx context.Context, links []store.DocumentLink, at time.Time) (int, error)
	DocumentURLs(ctx context.Context) ([]store.DocumentURL, error)
	RecordDocumentFetch(ctx context.Context, r store.DocumentResult, recipients []store.Recipient) (*store.DocumentOutcome, error)
	EnqueueAlert(ctx context.Context, recipient string, a store.Alert, at time.Time) (store.Delivery, error)
	RecordWaybackLookup(ctx context.Context, url string, c *store.DocumentCapture, body []byte, doc *moa.Document, at time.Time) error
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// Defaults for Options' zero values.
const (
	DefaultDelay         = 2 * time.Second
	DefaultRevalidate    = 7 * 24 * time.Hour
	DefaultMaxRevalidate = 100
	DefaultRetry         = time.Hour
	DefaultTimeout       = 60 * time.Second
	DefaultUserAgent     = "watch287g/1.0 (+https://github.com/watch287g/watch287g)"
	// AlertEvery is how often a round that keeps being blocked alerts the
	// operator again.
	AlertEvery = 24 * time.Hour
)

// Meta keys (store.Meta) the rounds keep.
const (
	// metaBaseline is set once a round has fetched every link the lists
	// had: until then document_added changes are recorded but announce
	// nothing, as a list's baseline announces nothing (a first round
	// archives hundreds of MOAs at once).
	metaBaseline = "documents/baseline"
	// metaBlockedAlert is when the last AlertDocumentsBlocked was queued.
	metaBlockedAlert = "documents/blocked_alert"
)

// ErrBlocked is returned (wrapped) when ICE answered 403 or 429 and the
// round stopped.
var ErrBlocked = errors.New("document fetching blocked")

// Options configure rounds. The zero value is usable.
type Options struct {
	// Client does the requests; nil: one with Timeout.
	Client  *http.Client
	Timeout time.Duration
	// UserAgent names watch287g to the server.
	UserAgent string
	// Delay is the pause between two requests of a round.
	Delay time.Duration
	// Revalidate is how long a known document rests between checks.
	Revalidate time.Duration
	// MaxRevalidate caps the known documents one round revalidates (the
	// rest wait for the next round, oldest check first); MaxNew caps the
	// new links (0: all of them).
	MaxRevalidate int
	MaxNew        int
	// Retry is the wait after a first failed fetch, doubled on each
	// further failure up to Revalidate.
	Retry time.Duration
	// Limits bound reading one PDF; Limits.MaxBytes is the size cap
	// (zero value: moa.DefaultLimits).
	Limits moa.Limits
	// Recipients receive document changes (after the baseline);
	// Operators receive AlertDocumentsBlocked.
	Recipients []store.Recipient
	Operators  []string
	Logger     *slog.Logger
	// Wayback, when set, is asked for a copy of a link that is dead
	// before any copy was archived here (the backfill client); a lookup
	// that found nothing rests WaybackEvery.
	Wayback      Wayback
	WaybackEvery time.Duration
	// Poll is how often Run looks for new data (a new list) to run a
	// round early; zero: DefaultPoll.
	Poll time.Duration
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Fetcher runs rounds against one store.
type Fetcher struct {
	st  Store
	opt Options
	log *slog.Logger
	// running keeps two rounds from overlapping (serve's schedule and an
	// operator's `documents fetch` through the API).
	running sync.Mutex
}

// New returns a Fetcher with opt's zero values defaulted.
func New(st Store, opt Options) *Fetcher {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: opt.Timeout}
	}
	if opt.Client.CheckRedirect == nil {
		c := *opt.Client
		c.CheckRedirect = checkRedirect
		opt.Client = &c
	}
	if opt.UserAgent == "" {
		opt.UserAgent = DefaultUserAgent
	}
	if opt.Delay < 0 {
		opt.Delay = 0
	} else if opt.Delay == 0 {
		opt.Delay = DefaultDelay
	}
	if opt.Revalidate <= 0 {
		opt.Revalidate = DefaultRevalidate
	}
	if opt.MaxRevalidate <= 0 {
		opt.MaxRevalidate = DefaultMaxRevalidate
	}
	if opt.Retry <= 0 {
		opt.Retry = DefaultRetry
	}
	if opt.Limits == (moa.Limits{}) {
		opt.Limits = moa.DefaultLimits
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Poll <= 0 {
		opt.Poll = DefaultPoll
	}
	if opt.WaybackEvery <= 0 {
		opt.WaybackEvery = DefaultWaybackEvery
	}
	log := opt.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Fetcher{st: st, opt: opt, log: log.With(slog.String("component", "moafetch"))}
}

// NoDelay, as Options.Delay, makes a round send its requests back to back
// (tests; a negative Delay means the same).
const NoDelay = time.Duration(-1)

// checkRedirect follows at most 5 redirects, to http(s) only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("more than 5 redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a %s: address", req.URL.Scheme)
	}
	return nil
}

// Summary is what a round did.
type Summary struct {
	Links    int `json:"links"`     // addresses the agreements link
	NewLinks int `json:"new_links"` // first seen this round
	Requests int `json:"requests"`
	// Archived counts PDFs whose bytes were new to the archive.
	Archived    int `json:"archived"`
	Unchanged   int `json:"unchanged"` // 200 with the bytes already held
	NotModified int `json:"not_modified"`
	Gone        int `json:"gone"`   // 404 or 410
	Failed      int `json:"failed"` // not a PDF, truncated, too large, other statuses, network errors
	Changes     int `json:"changes"`
	// Recovered counts dead links whose document was found in the
	// Wayback Machine.
	Recovered int `json:"recovered"`
	// Left counts addresses due that this round did not reach (caps, a
	// stop, cancellation).
	Left int `json:"left"`
	// Blocked is set when the round stopped on 403 or 429.
	Blocked       bool   `json:"blocked"`
	BlockedStatus int    `json:"blocked_status,omitempty"`
	BlockedURL    string `json:"blocked_url,omitempty"` // redacted
	Baseline      bool   `json:"baseline"`              // changes announced nothing
}

// Round runs one round now: note the links, fetch the new ones, then the
// known ones due for revalidation. It returns ErrBlocked (wrapped) after a
// 403 or 429, ctx's error when cancelled, with the summary so far.
func (f *Fetcher) Round(ctx context.Context) (Summary, error) {
	var sum Summary
	if !f.running.TryLock() {
		return sum, errors.New("moafetch: a round is already running")
	}
	defer f.running.Unlock()
	now := f.opt.Now().UTC()
	links, err := f.st.DocumentLinks(ctx)
	if err != nil {
		return sum, fmt.Errorf("moafetch: %w", err)
	}
	sum.Links = len(links)
	if sum.NewLinks, err = f.st.NoteDocumentLinks(ctx, links, now); err != nil {
		return sum, fmt.Errorf("moafetch: %w", err)
	}
	urls, err := f.st.DocumentURLs(ctx)
	if err != nil {
		return sum, fmt.Errorf("moafetch: %w", err)
	}
	queue, newCount, left := Plan(urls, now, f.opt)
	sum.Left = left
	baseline, err := f.st.Meta(ctx, metaBaseline)
	if err != nil {
		return sum, fmt.Errorf("moafetch: %w", err)
	}
	recipients := f.opt.Recipients
	if baseline == "" {
		sum.Baseline, recipients = true, nil
	}
	f.log.Info("document round", slog.Int("links", sum.Links), slog.Int("new_links", sum.NewLinks),
		slog.Int("due_new", newCount), slog.Int("due_known", len(queue)-newCount), slog.Bool("baseline", sum.Baseline))
	for i, u := range queue {
		if i > 0 && f.opt.Delay > 0 {
			if err := wait(ctx, f.opt.Delay); err != nil {
				sum.Left += len(queue) - i
				return sum, err
			}
		}
		if err := ctx.Err(); err != nil {
			sum.Left += len(queue) - i
			return sum, err
		}
		res, blocked := f.fetch(ctx, u)
		sum.Requests++
		if err := ctx.Err(); err != nil {
			// A cancelled request is no answer from the server: record nothing.
			sum.Left += len(queue) - i
			return sum, err
		}
		if blocked {
			sum.Blocked, sum.BlockedStatus, sum.BlockedURL = true, res.Status, escape.RedactURL(u.URL)
			sum.Left += len(queue) - i
			if _, err := f.st.RecordDocumentFetch(ctx, res, nil); err != nil {
				return sum, fmt.Errorf("moafetch: %w", err)
			}
			if err := f.alertBlocked(ctx, sum, res, now); err != nil {
				f.log.Error("document round blocked; alert not queued", slog.Any("error", err))
			}
			return sum, fmt.Errorf("moafetch: %w: HTTP %d for %s; round stopped", ErrBlocked, res.Status, sum.BlockedURL)
		}
		out, err := f.st.RecordDocumentFetch(ctx, res, recipients)
		if err != nil {
			return sum, fmt.Errorf("moafetch: %w", err)
		}
		count(&sum, res, out)
		if f.wantsWayback(out.URL, now) {
			found, err := f.recoverFromWayback(ctx, out.URL, now)
			if err != nil {
				sum.Left += len(queue) - i - 1
				return sum, err
			}
			if found {
				sum.Recovered++
			}
		}
	}
	if baseline == "" && sum.Links > 0 && sum.Left == 0 {
		if err := f.st.SetMeta(ctx, metaBaseline, now.Format(time.RFC3339)); err != nil {
			return sum, fmt.Errorf("moafetch: %w", err)
		}
	}
	if err := f.st.SetMeta(ctx, metaBlockedAlert, ""); err != nil {
		return sum, fmt.Errorf("moafetch: %w", err)
	}
	f.log.Info("document round done", slog.Int("requests", sum.Requests), slog.Int("archived", sum.Archived),
		slog.Int("not_modified", sum.NotModified), slog.Int("gone", sum.Gone), slog.Int("failed", sum.Failed),
		slog.Int("changes", sum.Changes), slog.Int("left", sum.Left))
	return sum, nil
}

func count(sum *Summary, res store.DocumentResult, out *store.DocumentOutcome) {
	sum.Changes += len(out.Changes)
	switch {
	case res.Err != "":
		sum.Failed++
	case res.Status == http.StatusNotModified:
		sum.NotModified++
	case res.Status == http.StatusNotFound || res.Status == http.StatusGone:
		sum.Gone++
	case out.NewFile:
		sum.Archived++
	default:
		sum.Unchanged++
	}
}

// alertBlocked queues AlertDocumentsBlocked for each operator, at most
// once per AlertEvery while rounds keep being blocked.
func (f *Fetcher) alertBlocked(ctx context.Context, sum Summary, res store.DocumentResult, now time.Time) error {
	last, err := f.st.Meta(ctx, metaBlockedAlert)
	if err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339, last); err == nil && now.Sub(t) < AlertEvery {
		f.log.Warn("document round blocked again; operator already alerted", slog.Int("status", res.Status), slog.String("url", sum.BlockedURL))
		return nil
	}
	a := store.Alert{
		Kind:      store.AlertDocumentsBlocked,
		Subject:   fmt.Sprintf("document fetching blocked: HTTP %d", res.Status),
		Body:      blockedBody(sum, res),
		SourceURL: sum.BlockedURL,
	}
	var errs []error
	for _, op := range f.opt.Operators {
		if _, err := f.st.EnqueueAlert(ctx, op, a, now); err != nil {
			errs = append(errs, err)
		}
	}
	if len(f.opt.Operators) == 0 {
		f.log.Error("document round blocked; no operator channel configured", slog.Int("status", res.Status), slog.String("url", sum.BlockedURL))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return f.st.SetMeta(ctx, metaBlockedAlert, now.Format(time.RFC3339))
}

func blockedBody(sum Summary, res store.DocumentResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The server answered HTTP %d for %s, so this round of document fetches stopped after %d request(s); %d document(s) wait for a later round.\n",
		res.Status, sum.BlockedURL, sum.Requests, sum.Left)
	if res.Err != "" {
		fmt.Fprintf(&b, "Detail: %s\n", escape.Terminal(res.Err))
	}
	b.WriteString("List fetches are separate and continue. If this persists, raise the delay between document requests or check whether ice.gov blocks this address.\n")
	return b.String()
}

// wait pauses d or until ctx is done.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Plan orders the addresses a round fetches: new links first (oldest
// linked first, at most opt.MaxNew when set), then known documents whose
// rest is over (oldest check first, at most opt.MaxRevalidate). A failed
// fetch is retried after opt.Retry, doubled per failure, capped at
// opt.Revalidate. It returns the queue, how many of it are new links, and
// how many due addresses the caps left for later. It is pure, so the
// schedule is table-tested.
func Plan(urls []store.DocumentURL, now time.Time, opt Options) (queue []store.DocumentURL, newCount, left int) {
	if opt.Revalidate <= 0 {
		opt.Revalidate = DefaultRevalidate
	}
	if opt.Retry <= 0 {
		opt.Retry = DefaultRetry
	}
	if opt.MaxRevalidate <= 0 {
		opt.MaxRevalidate = DefaultMaxRevalidate
	}
	var fresh, known []store.DocumentURL
	for _, u := range urls {
		if u.LastCheck.IsZero() {
			fresh = append(fresh, u)
			continue
		}
		rest := opt.Revalidate
		if u.Failures > 0 {
			rest = opt.Retry << min(u.Failures-1, 20)
			if rest <= 0 || rest > opt.Revalidate {
				rest = opt.Revalidate
			}
		}
		if now.Before(u.LastCheck.Add(rest)) {
			continue
		}
		if u.Status == store.DocumentNew {
			fresh = append(fresh, u)
		} else {
			known = append(known, u)
		}
	}
	slices.SortStableFunc(fresh, func(a, b store.DocumentURL) int {
		if c := a.LastCheck.Compare(b.LastCheck); c != 0 { // never tried before retried
			return c
		}
		if c := a.FirstLinked.Compare(b.FirstLinked); c != 0 {
			return c
		}
		return strings.Compare(a.URL, b.URL)
	})
	slices.SortStableFunc(known, func(a, b store.DocumentURL) int {
		if c := a.LastCheck.Compare(b.LastCheck); c != 0 {
			return c
		}
		return strings.Compare(a.URL, b.URL)
	})
	if opt.MaxNew > 0 && len(fresh) > opt.MaxNew {
		left += len(fresh) - opt.MaxNew
		fresh = fresh[:opt.MaxNew]
	}
	if len(known) > opt.MaxRevalidate {
		left += len(known) - opt.MaxRevalidate
		known = known[:opt.MaxRevalidate]
	}
	return append(fresh, known...), len(fresh), left
}

// fetch requests one address and turns the answer into what the store
// records. blocked is true for 403 and 429.
func (f *Fetcher) fetch(ctx context.Context, u store.DocumentURL) (res store.DocumentResult, blocked bool) {
	res = store.DocumentResult{URL: u.URL, At: f.opt.Now().UTC()}
	shown := escape.RedactURL(u.URL)
	log := f.log.With(slog.String("url", shown))
	fail := func(format string, args ...any) (store.DocumentResult, bool) {
		res.Err = fmt.Sprintf(format, args...)
		log.Warn("document fetch failed", slog.Int("status", res.Status), slog.String("error", res.Err))
		return res, false
	}
	if escape.LinkURL(u.URL) == "" {
		return fail("not an http(s) address")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.URL, nil)
	if err != nil {
		return fail("request: %s", escape.RedactURL(err.Error()))
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	req.Header.Set("Accept", "application/pdf")
	// Only a copy held makes a 304 useful; ICE ignores If-None-Match.
	conditional := u.SHA256 != "" && u.LastModified != ""
	if conditional {
		req.Header.Set("If-Modified-Since", u.LastModified)
	}
	resp, err := f.opt.Client.Do(req)
	if err != nil {
		// The client's error quotes the address: redact it.
		return fail("%s", redactErr(err, u.URL))
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusTooManyRequests:
		res.Err = fmt.Sprintf("HTTP %d", resp.StatusCode)
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			res.Err += " (Retry-After: " + escape.Terminal(ra) + ")"
		}
		log.Warn("document fetch blocked", slog.Int("status", res.Status))
		return res, true
	case http.StatusNotModified:
		if !conditional {
			return fail("HTTP 304 to a request that was not conditional")
		}
		log.Debug("document not modified")
		return res, false
	case http.StatusNotFound, http.StatusGone:
		log.Info("document gone", slog.Int("status", res.Status))
		return res, false
	case http.StatusOK:
	default:
		return fail("HTTP %d", resp.StatusCode)
	}
	limit := f.opt.Limits.MaxBytes
	if resp.ContentLength > limit {
		return fail("%d bytes, over the size cap of %d", resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return fail("read body: %s", redactErr(err, u.URL))
	}
	if int64(len(body)) > limit {
		return fail("over the size cap of %d bytes", limit)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return fail("truncated: %d of %d bytes", len(body), resp.ContentLength)
	}
	doc, err := moa.Read(ctx, body, f.opt.Limits)
	if err != nil {
		return fail("%s", escape.Terminal(err.Error()))
	}
	res.Body, res.Doc = body, doc
	res.LastModified = resp.Header.Get("Last-Modified")
	res.ETag = resp.Header.Get("ETag")
	log.Info("document fetched", slog.String("sha256", doc.SHA256), slog.Int64("bytes", doc.Size), slog.Int("pages", doc.Pages))
	return res, false
}

// redactErr is err's text with the address (as requested) redacted.
func redactErr(err error, url string) string {
	return escape.Terminal(strings.ReplaceAll(err.Error(), url, escape.RedactURL(url)))
}
