// Package tracker runs watch287g's fetch cycle — fetch ICE's page and files,
// commit them to the store in one transaction, tell the operator about
// failures, deliver the outbox — and schedules it for `serve`. `fetch` runs
// one cycle; `serve` runs them on a cron schedule. Both use this package so
// that a system cron job running `fetch` behaves exactly like `serve`.
package tracker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/store"
)

// Fetcher fetches ICE's page and files; *scraper.Scraper implements it.
type Fetcher interface {
	Fetch(ctx context.Context, validators func(url string) (lastModified, etag string)) (*scraper.Result, error)
}

// Notifier delivers the outbox and tracks fetch health for operator alerts;
// *notify.Notifier implements it.
type Notifier interface {
	Recipients() []store.Recipient
	Deliver(ctx context.Context, now time.Time) error
	FetchFailed(ctx context.Context, err error, now time.Time) error
	FetchSucceeded(ctx context.Context, now time.Time) error
}

// Observer hears about every cycle (metrics, /healthz); optional.
type Observer interface {
	// outcome is an Outcome; a string, so metrics need not import tracker.
	CycleDone(at time.Time, d time.Duration, outcome string, err error)
}

// Outcome is what a cycle did, as reported (Report.Outcome) and in
// metrics. It is not a check's outcome (store.CheckOutcome): the check
// record is written in the same transaction as the files, before their
// fate is known, so it says what the poll transferred.
type Outcome string

// Outcomes of a cycle.
const (
	OutcomeNew         Outcome = "new"         // at least one new snapshot
	OutcomeUnchanged   Outcome = "unchanged"   // files answered 304 or had bytes already archived
	OutcomeQuarantined Outcome = "quarantined" // a new snapshot was quarantined
	OutcomeError       Outcome = "error"       // the cycle failed (partly or wholly)
)

// Check outcomes, as store defines them (kept here for callers that knew
// them from the tracker).
const (
	CheckDownloaded  = store.CheckDownloaded
	CheckNotModified = store.CheckNotModified
)

// Store is what a cycle needs from the store; *store.Store implements it.
type Store interface {
	Commit(ctx context.Context, c store.Cycle) (*store.CycleResult, error)
	Validator(ctx context.Context, url string) (store.Validator, error)
	// LastSuccess is when the newest successful check was made.
	LastSuccess(ctx context.Context) (time.Time, error)
}

var _ Store = (*store.Store)(nil)

// Tracker runs fetch cycles.
type Tracker struct {
	Fetcher  Fetcher
	Store    Store
	Notifier Notifier
	Observer Observer
	Guard    store.Guard
	// Lifecycle confirms absences as endings (zero: diff's default).
	Lifecycle diff.ConfirmRule
	// Operators are the outbox recipient ids of the operator's channels,
	// for quarantine alerts (none: no alert).
	Operators []string
	PageURL   string
	Log       *slog.Logger
	Now       func() time.Time
}

// Report is what one cycle did.
type Report struct {
	Fetch   *scraper.Result
	Commit  *store.CycleResult
	Outcome Outcome
	// FetchErr is the fetch's failure, if any; what did succeed was still
	// committed.
	FetchErr error
}

// Quarantined reports whether the cycle quarantined a snapshot.
func (r *Report) Quarantined() bool { return r.Commit != nil && r.Commit.Quarantined() }

// Cycle runs one fetch cycle. It returns an error when the fetch failed
// (after committing whatever did succeed and telling the operator) or when
// the store could not commit; delivery failures are retried later by the
// outbox and are only logged.
func (t *Tracker) Cycle(ctx context.Context) (*Report, error) {
	return t.cycle(ctx, ctx)
}

// cycle runs one fetch cycle with ctx and drains the outbox with drainCtx.
// serve lets a running cycle finish its commit after a signal, but a
// drain can stop at once (what it did not send is retried on the next
// start), so the scheduler passes a drainCtx that ends with the signal.
func (t *Tracker) cycle(ctx, drainCtx context.Context) (*Report, error) {
	start := t.now()
	res, ferr := t.Fetcher.Fetch(ctx, t.validator(ctx))
	if res == nil {
		res = &scraper.Result{}
	}
	rep := &Report{Fetch: res, FetchErr: ferr}
	cycle := store.Cycle{
		At:         start.UTC(),
		Recipients: t.Notifier.Recipients(),
		Guard:      t.Guard,
		Lifecycle:  t.Lifecycle,
		Operators:  t.Operators,
	}
	for _, f := range res.Files {
		if f.NotModified {
			continue
		}
		cycle.Validators = append(cycle.Validators, store.Validator{URL: f.URL, LastModified: f.LastModified, ETag: f.ETag})
		cycle.Inputs = append(cycle.Inputs, store.Input{
			Source: f.URL, Name: f.Name, Body: f.Body, Parsed: f.Parsed, ParseErr: f.ParseErr,
			Published: f.Published, LastModified: f.LastModified, ETag: f.ETag, SeenAt: f.FetchedAt.UTC(),
		})
	}
	check := summarize(t.PageURL, start, t.now(), res, len(cycle.Inputs), ferr)
	cycle.Checks = []store.Check{check}

	cr, cerr := t.Store.Commit(ctx, cycle)
	if cerr != nil {
		cerr = fmt.Errorf("commit cycle: %w", cerr)
		rep.Outcome = OutcomeError
		t.observe(start, OutcomeError, errors.Join(ferr, cerr))
	} else {
		rep.Commit = cr
		rep.Outcome = outcome(cr, ferr)
		t.observe(start, rep.Outcome, ferr)
	}

	// A cycle whose commit fails (a full disk, a broken file) failed as
	// surely as one whose fetch did: it counts in the failure streak, or
	// the operator would never hear of it.
	now := t.now()
	if failure := errors.Join(ferr, cerr); failure != nil {
		t.Log.Error("cycle failed", errAttr(failure))
		if err := t.Notifier.FetchFailed(ctx, failure, now); err != nil {
			t.Log.Error("operator alert", errAttr(err))
		}
	} else if err := t.Notifier.FetchSucceeded(ctx, now); err != nil {
		t.Log.Error("operator recovery alert", errAttr(err))
	}
	// Drained even after a failed commit: what is already in the outbox
	// (an alert about this very failure included) still goes out.
	if err := t.Notifier.Deliver(drainCtx, now); err != nil {
		t.Log.Warn("deliveries will be retried", errAttr(err))
	}
	if cerr != nil {
		return rep, cerr
	}
	if ferr != nil {
		return rep, fmt.Errorf("fetch: %w", ferr)
	}
	return rep, nil
}

func (t *Tracker) validator(ctx context.Context) func(string) (string, string) {
	return func(url string) (string, string) {
		v, err := t.Store.Validator(ctx, url)
		if err != nil {
			t.Log.Warn("read validator", slog.String("url", escape.RedactURL(url)), errAttr(err))
			return "", ""
		}
		return v.LastModified, v.ETag
	}
}

func (t *Tracker) observe(start time.Time, outcome Outcome, err error) {
	if t.Observer != nil {
		t.Observer.CycleDone(start, t.now().Sub(start), string(outcome), err)
	}
}

func (t *Tracker) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// summarize turns one cycle into the single small check record the store keeps per poll.
func summarize(pageURL string, start, end time.Time, res *scraper.Result, downloads int, ferr error) store.Check {
	c := store.Check{At: start.UTC(), URL: pageURL, Duration: end.Sub(start), Status: res.Page.Status, Outcome: CheckNotModified}
	if downloads > 0 {
		c.Outcome = CheckDownloaded
	}
	for _, rc := range res.Checks {
		c.Bytes += rc.Bytes
	}
	if ferr != nil {
		c.Outcome, c.Error = store.CheckError, escape.RedactURL(ferr.Error())
	}
	return c
}

func outcome(cr *store.CycleResult, ferr error) Outcome {
	switch {
	case ferr != nil:
		return OutcomeError
	case cr.Quarantined():
		return OutcomeQuarantined
	}
	for _, o := range cr.Outcomes {
		if o.New {
			return OutcomeNew
		}
	}
	return OutcomeUnchanged
}

// errAttr logs an error with any credentials in the URLs it quotes
// redacted: the page URL, a file's link or a webhook may carry user:pass@
// or ?token=.
func errAttr(err error) slog.Attr {
	return slog.String("error", escape.RedactURL(err.Error()))
}
