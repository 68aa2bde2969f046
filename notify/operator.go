package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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

// FetchFailed records one failed cycle: the fetch failed, or what was
// fetched could not be committed. After FailureAlertAfter consecutive
// failures the operator is told, once per streak.
//
// The streak is kept in memory as well as in the store, because the store
// may be what fails (a full disk): then the streak still counts, and an
// alert the outbox cannot take is sent at once, outside it.
func (n *Notifier) FetchFailed(ctx context.Context, fetchErr error, now time.Time) error {
	n.healthMu.Lock()
	defer n.healthMu.Unlock()
	n.loadStreak(ctx)
	n.streak++
	if n.streak == 1 {
		n.failingSince = now.UTC().Format(time.RFC3339)
	}
	var errs []error
	if err := n.out.SetMeta(ctx, metaFailures, strconv.Itoa(n.streak)); err != nil {
		errs = append(errs, fmt.Errorf("notify: record fetch failure: %w", err))
	} else if n.streak == 1 {
		if err := n.out.SetMeta(ctx, metaFailingSince, n.failingSince); err != nil {
			errs = append(errs, fmt.Errorf("notify: record fetch failure: %w", err))
		}
	}
	if n.streak == n.opt.FailureAlertAfter && n.opt.Operator.Configured() {
		errs = append(errs, n.alert(ctx, fetchFailingAlert(n.streak, n.failingSince, fetchErr), now))
	}
	return errors.Join(errs...)
}

// FetchSucceeded records a successful fetch cycle and, when it ends a
// streak that was alerted, tells the operator it recovered.
func (n *Notifier) FetchSucceeded(ctx context.Context, now time.Time) error {
	n.healthMu.Lock()
	defer n.healthMu.Unlock()
	n.loadStreak(ctx)
	streak := n.streak
	if streak == 0 {
		return nil
	}
	n.streak = 0
	var errs []error
	if err := n.out.SetMeta(ctx, metaFailures, "0"); err != nil {
		errs = append(errs, fmt.Errorf("notify: record fetch success: %w", err))
	}
	if streak >= n.opt.FailureAlertAfter && n.opt.Operator.Configured() {
		errs = append(errs, n.alert(ctx, recoveredAlert(streak, n.failingSince, now), now))
	}
	return errors.Join(errs...)
}

// loadStreak reads the streak the store kept (from before a restart) the
// first time it is needed; from then on the memory is authoritative,
// since only this process writes the store while it holds it.
func (n *Notifier) loadStreak(ctx context.Context) {
	if n.streakLoaded {
		return
	}
	n.streakLoaded = true
	v, err := n.meta(ctx, metaFailures)
	if err != nil {
		n.log.Warn("read fetch failure streak; counting from zero", slog.Any("error", err))
		return
	}
	if v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s < 0 {
			// A corrupt counter restarts the streak rather than failing fetches.
			n.log.Warn("bad fetch failure counter", "value", v)
			return
		}
		n.streak = s
	}
	if since, err := n.meta(ctx, metaFailingSince); err == nil {
		n.failingSince = since
	}
}

// Stale tells the operator when the last successful fetch is older than
// StaleAfter, at most once per StaleAfter.
func (n *Notifier) Stale(ctx context.Context, lastSuccess, now time.Time) error {
	if lastSuccess.IsZero() || now.Sub(lastSuccess) < n.opt.StaleAfter || !n.opt.Operator.Configured() {
		return nil
	}
	last, err := n.meta(ctx, metaStaleAlert)
	if err != nil {
		return err
	}
	if t, err := time.Parse(time.RFC3339, last); err == nil && now.Sub(t) < n.opt.StaleAfter {
		return nil
	}
	if err := n.alert(ctx, staleAlert(lastSuccess, now, n.opt.StaleAfter), now); err != nil {
		return err
	}
	if err := n.out.SetMeta(ctx, metaStaleAlert, now.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("notify: record stale alert: %w", err)
	}
	return nil
}

// alert queues a for every operator channel, one delivery each, so a
// failing webhook never repeats the email. A channel the outbox cannot
// take it for (the store is failing) gets it at once, outside the outbox:
// the operator must hear of a broken store.
func (n *Notifier) alert(ctx context.Context, a store.Alert, now time.Time) error {
	n.log.Warn("operator alert", "kind", a.Kind, "subject", a.Subject)
	var errs []error
	for _, rec := range n.Operators() {
		_, err := n.out.EnqueueAlert(ctx, rec, a, now)
		if err == nil {
			continue
		}
		n.log.Error("operator alert not queued; sending it now", "kind", a.Kind,
			"recipient", shownRecipient(rec), slog.Any("error", err))
		ch, ok := n.alertChannel(rec)
		if !ok {
			continue
		}
		d := store.Delivery{Recipient: rec, Alert: &a, CreatedAt: now}
		if serr := n.sendAlert(ctx, ch, d, now); serr != nil {
			errs = append(errs, fmt.Errorf("notify: %s alert to %s: not queued (%w), not sent (%w)",
				a.Kind, shownRecipient(rec), err, serr))
		}
	}
	return errors.Join(errs...)
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
