package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Meta keys of the operator state kept in the store.
const (
	metaFailures     = "fetch.failures"
	metaFailingSince = "fetch.failing_since"
	metaStaleAlert   = "stale.alerted_at"
)

// FetchFailed records one failed fetch cycle. After FailureAlertAfter
// consecutive failures the operator is told, once per streak.
func (n *Notifier) FetchFailed(ctx context.Context, fetchErr error, now time.Time) error {
	streak, err := n.streak(ctx)
	if err != nil {
		return err
	}
	streak++
	if err := n.out.SetMeta(ctx, metaFailures, strconv.Itoa(streak)); err != nil {
		return fmt.Errorf("notify: record fetch failure: %w", err)
	}
	if streak == 1 {
		if err := n.out.SetMeta(ctx, metaFailingSince, now.UTC().Format(time.RFC3339)); err != nil {
			return fmt.Errorf("notify: record fetch failure: %w", err)
		}
	}
	if streak != n.opt.FailureAlertAfter || n.Operator() == "" {
		return nil
	}
	since, err := n.meta(ctx, metaFailingSince)
	if err != nil {
		return err
	}
	a := store.Alert{
		Kind:    "fetch_failing",
		Subject: fmt.Sprintf("fetching ICE's 287(g) page failed %d times in a row", streak),
		Body: fmt.Sprintf("The last %d fetch cycles failed (the first at %s).\nLast error: %v\n\n"+
			"You will hear again when a fetch succeeds.\n", streak, since, fetchErr),
	}
	return n.alert(ctx, a, now)
}

// FetchSucceeded records a successful fetch cycle and, when it ends a
// streak that was alerted, tells the operator it recovered.
func (n *Notifier) FetchSucceeded(ctx context.Context, now time.Time) error {
	streak, err := n.streak(ctx)
	if err != nil || streak == 0 {
		return err
	}
	since, err := n.meta(ctx, metaFailingSince)
	if err != nil {
		return err
	}
	if err := n.out.SetMeta(ctx, metaFailures, "0"); err != nil {
		return fmt.Errorf("notify: record fetch success: %w", err)
	}
	if streak < n.opt.FailureAlertAfter || n.Operator() == "" {
		return nil
	}
	a := store.Alert{
		Kind:    "recovered",
		Subject: fmt.Sprintf("fetching works again after %d failures", streak),
		Body:    fmt.Sprintf("Fetching ICE's 287(g) page succeeded at %s after %d consecutive failures since %s.\n", now.UTC().Format(time.RFC3339), streak, since),
	}
	return n.alert(ctx, a, now)
}

// Stale tells the operator when the last successful fetch is older than
// StaleAfter, at most once per StaleAfter.
func (n *Notifier) Stale(ctx context.Context, lastSuccess, now time.Time) error {
	if lastSuccess.IsZero() || now.Sub(lastSuccess) < n.opt.StaleAfter || n.Operator() == "" {
		return nil
	}
	last, err := n.meta(ctx, metaStaleAlert)
	if err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339, last); err == nil && now.Sub(t) < n.opt.StaleAfter {
		return nil
	}
	a := store.Alert{
		Kind:    "stale",
		Subject: fmt.Sprintf("no successful fetch for %s", now.Sub(lastSuccess).Round(time.Minute)),
		Body: fmt.Sprintf("The last successful fetch was at %s, more than %s ago. /healthz answers 503.\n",
			lastSuccess.UTC().Format(time.RFC3339), n.opt.StaleAfter),
	}
	if err := n.alert(ctx, a, now); err != nil {
		return err
	}
	if err := n.out.SetMeta(ctx, metaStaleAlert, now.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("notify: record stale alert: %w", err)
	}
	return nil
}

func (n *Notifier) streak(ctx context.Context) (int, error) {
	v, err := n.meta(ctx, metaFailures)
	if err != nil || v == "" {
		return 0, err
	}
	s, err := strconv.Atoi(v)
	if err != nil {
		// A corrupt counter restarts the streak rather than failing fetches.
		n.log.Warn("bad fetch failure counter", "value", v)
		return 0, nil
	}
	return s, nil
}

func (n *Notifier) alert(ctx context.Context, a store.Alert, now time.Time) error {
	if _, err := n.out.EnqueueAlert(ctx, OperatorRecipient, a, now); err != nil {
		return fmt.Errorf("notify: enqueue %s alert: %w", a.Kind, err)
	}
	n.log.Warn("operator alert", "kind", a.Kind, "subject", a.Subject)
	return nil
}

// Test sends a sample message through each configured channel, outside
// the outbox: an email to `to` (or, when empty, to every subscriber and
// operator address) and a sample change to every webhook and the
// operator's webhook.
func (n *Notifier) Test(ctx context.Context, to string) error {
	now := time.Now()
	sample := SampleChange(now)
	var errs []error
	sent := 0
	var rcpts []string
	if to != "" {
		rcpts = []string{to}
	} else {
		seen := map[string]bool{}
		for _, s := range n.opt.Subscribers {
			if !seen[s.Email] {
				seen[s.Email] = true
				rcpts = append(rcpts, s.Email)
			}
		}
		for _, e := range n.opt.Operator.Email {
			if !seen[e] {
				seen[e] = true
				rcpts = append(rcpts, e)
			}
		}
	}
	if len(rcpts) > 0 {
		msg, err := n.renderChanges("287(g) test", "This is a test message from watch287g: your email settings work.", []diff.Change{sample})
		if err == nil {
			id := fmt.Sprintf("watch287g.test.%d@%s", now.UnixNano(), n.messageHost())
			err = n.send(ctx, rcpts, msg, id, now)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("email to %v: %w", rcpts, err))
		} else {
			sent++
		}
	}
	delivery := "test-" + strconv.FormatInt(now.UnixNano(), 10)
	hooks := append([]Webhook(nil), n.opt.Webhooks...)
	if n.opt.Operator.Webhook != "" {
		hooks = append(hooks, Webhook{URL: n.opt.Operator.Webhook})
	}
	for _, h := range hooks {
		body, _, err := changeBody(store.Delivery{}, sample)
		if err == nil {
			err = n.post(ctx, h.URL, h.Secret, "test", delivery, body)
		}
		if err != nil {
			errs = append(errs, err)
		} else {
			sent++
		}
	}
	if sent == 0 && len(errs) == 0 {
		return fmt.Errorf("%w: no email recipient and no webhook", ErrNoChannel)
	}
	return errors.Join(errs...)
}

// SampleChange is a made-up change used by Test.
func SampleChange(now time.Time) diff.Change {
	day := now.UTC().Format(time.DateOnly)
	return diff.Change{
		Kind:        diff.Added,
		List:        sheet.Participating,
		AgreementID: "sample",
		After: &sheet.Record{
			State: "TX", StateName: "TEXAS", Agency: "Sample County Sheriff's Office (test)",
			Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
			Signed: day, MOAURL: "https://www.ice.gov/doclib/about/offices/ero/287g/sample.pdf",
		},
		AfterPublished: day,
		DetectedAt:     now.UTC(),
	}
}
