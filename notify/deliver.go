package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// Deliver drains the outbox once: every delivery due at now is sent, or
// rescheduled with backoff, or declared dead. A delivery is marked sent
// only after the receiving server accepted it, so a crash between the two
// repeats that one message (same delivery id, same Message-ID) and loses
// nothing. Messages go out one at a time for the same reason: at most one
// is ever in flight.
//
// One drain runs at a time. serve drains from its ticker while a cycle
// may still be inside Deliver; two drains reading the same due deliveries
// would each send them. A second caller therefore waits for the running
// drain (or for ctx) and then drains what is still due, so deliveries a
// cycle just committed go out in that cycle rather than a tick later.
// Across processes nothing more is needed: the outbox lives in the bbolt
// file, and bbolt's exclusive file lock lets only one process open it for
// writing (a `fetch` beside `serve` fails with store.ErrLocked).
//
// Deliver honours ctx between messages and inside each send (the HTTP
// request and the SMTP connection are bound to it); a send interrupted by
// ctx is not counted as a failed attempt and is retried by the next drain.
//
// Send failures are recorded in the outbox, not returned; Deliver returns
// an error when the store fails or ctx ends.
func (n *Notifier) Deliver(ctx context.Context, now time.Time) error {
	select {
	case n.drain <- struct{}{}:
	default:
		if n.drainWaiting != nil {
			n.drainWaiting()
		}
		n.log.Debug("waiting for the running drain")
		select {
		case n.drain <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-n.drain }()
	due, err := n.out.Due(ctx, now, DefaultBatch)
	if err != nil {
		return fmt.Errorf("notify: due deliveries: %w", err)
	}
	// Group by recipient, keeping the order in which recipients first
	// appear (oldest delivery first).
	var order []string
	groups := map[string][]store.Delivery{}
	for _, d := range due {
		if _, ok := groups[d.Recipient]; !ok {
			order = append(order, d.Recipient)
		}
		groups[d.Recipient] = append(groups[d.Recipient], d)
	}
	for _, rec := range order {
		if err := ctx.Err(); err != nil {
			return err
		}
		var changes []store.Delivery
		for _, d := range groups[rec] {
			if d.Alert != nil {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := n.deliverAlert(ctx, d, now); err != nil {
					return err
				}
				continue
			}
			changes = append(changes, d)
		}
		if len(changes) == 0 {
			continue
		}
		switch {
		case strings.HasPrefix(rec, "webhook:"):
			for _, d := range changes {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := n.deliverWebhook(ctx, d, now); err != nil {
					return err
				}
			}
		case strings.HasPrefix(rec, "email:"):
			if err := n.deliverEmail(ctx, rec, changes, now); err != nil {
				return err
			}
		default:
			for _, d := range changes {
				if err := n.out.MarkFailed(ctx, d.ID, "no such recipient in the configuration", now, true); err != nil {
					return fmt.Errorf("notify: mark %d dead: %w", d.ID, err)
				}
			}
		}
	}
	return nil
}

// deliverWebhook posts one change to one endpoint.
func (n *Notifier) deliverWebhook(ctx context.Context, d store.Delivery, now time.Time) error {
	hook, ok := n.hooks[d.Recipient]
	if !ok {
		return n.dropUnconfigured(ctx, d, now)
	}
	ch, err := n.out.Change(ctx, d.ChangeID)
	if errors.Is(err, store.ErrNotFound) {
		return n.fail(ctx, d, err, now, 0)
	}
	if err != nil {
		return fmt.Errorf("notify: change %d: %w", d.ChangeID, err)
	}
	body, event, err := changeBody(d, ch)
	if err != nil {
		return n.fail(ctx, d, err, now, 0)
	}
	err = n.post(ctx, hook.URL, hook.Secret, event, strconv.FormatUint(d.ID, 10), body)
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down is not the receiver's fault.
			return ctx.Err()
		}
		return n.fail(ctx, d, err, now, n.opt.WebhookMaxAge)
	}
	n.log.Info("webhook delivered", "delivery_id", d.ID, "url", hook.URL, "event", event)
	return n.markSent(ctx, []uint64{d.ID}, now)
}

// deliverEmail sends one subscriber's due deliveries as one message: at
// once in immediate mode, at digest_at in its time zone in digest mode.
func (n *Notifier) deliverEmail(ctx context.Context, rec string, ds []store.Delivery, now time.Time) error {
	sub, ok := n.subs[rec]
	if !ok {
		for _, d := range ds {
			if err := n.dropUnconfigured(ctx, d, now); err != nil {
				return err
			}
		}
		return nil
	}
	prefix, intro := "287(g)", "Changes to ICE's 287(g) lists that match your subscription:"
	var today string
	if sub.Mode == ModeDigest {
		var due bool
		var err error
		today, due, err = n.digestDue(ctx, sub, now)
		if err != nil || !due {
			return err
		}
		prefix, intro = "287(g) daily digest", "Everything that changed in ICE's 287(g) lists since your last digest:"
	}
	var changes []diff.Change
	var ids []uint64
	for _, d := range ds {
		ch, err := n.out.Change(ctx, d.ChangeID)
		if errors.Is(err, store.ErrNotFound) {
			if err := n.fail(ctx, d, err, now, 0); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("notify: change %d: %w", d.ChangeID, err)
		}
		changes = append(changes, ch)
		ids = append(ids, d.ID)
	}
	if len(changes) == 0 {
		return nil
	}
	msg, err := n.renderChanges(prefix, intro, changes)
	if err == nil {
		err = n.send(ctx, []string{sub.Email}, msg, n.messageID(ids), now)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		maxAge := n.opt.EmailMaxAge
		if errors.Is(err, ErrNoChannel) {
			maxAge = 0
		}
		for _, d := range ds {
			if !containsID(ids, d.ID) {
				continue
			}
			if ferr := n.fail(ctx, d, err, now, maxAge); ferr != nil {
				return ferr
			}
		}
		return nil
	}
	n.log.Info("email delivered", "recipient", sub.Email, "deliveries", len(ids), "mode", sub.Mode)
	if err := n.markSent(ctx, ids, now); err != nil {
		return err
	}
	if today != "" {
		if err := n.out.SetMeta(ctx, digestKey(rec), today); err != nil {
			return fmt.Errorf("notify: record digest of %s: %w", sub.Email, err)
		}
	}
	return nil
}

func containsID(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func digestKey(rec string) string { return "digest.last." + rec }

// digestDue reports whether a digest subscriber's digest is due at now:
// the local time is at or past digest_at and no digest went out today.
// today is the local date to record once it is sent.
func (n *Notifier) digestDue(ctx context.Context, sub Subscriber, now time.Time) (today string, due bool, err error) {
	loc := n.zones[sub.ID()]
	if loc == nil {
		loc = time.UTC
	}
	h, m, err := parseClock(sub.DigestAt)
	if err != nil {
		return "", false, fmt.Errorf("notify: %s digest_at: %w", sub.Email, err)
	}
	local := now.In(loc)
	at := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
	if local.Before(at) {
		return "", false, nil
	}
	today = local.Format(time.DateOnly)
	last, err := n.meta(ctx, digestKey(sub.ID()))
	if err != nil {
		return "", false, err
	}
	return today, last != today, nil
}

// deliverAlert sends an operator alert (or an alert addressed to a
// subscriber or webhook) through every channel of its recipient.
func (n *Notifier) deliverAlert(ctx context.Context, d store.Delivery, now time.Time) error {
	var to []string
	var hookURL, secret string
	switch rec := d.Recipient; {
	case rec == OperatorRecipient:
		to, hookURL = n.opt.Operator.Email, n.opt.Operator.Webhook
	case strings.HasPrefix(rec, "email:"):
		if s, ok := n.subs[rec]; ok {
			to = []string{s.Email}
		}
	case strings.HasPrefix(rec, "webhook:"):
		if h, ok := n.hooks[rec]; ok {
			hookURL, secret = h.URL, h.Secret
		}
	}
	if len(to) == 0 && hookURL == "" {
		return n.dropUnconfigured(ctx, d, now)
	}
	var errs []error
	if len(to) > 0 {
		errs = append(errs, n.send(ctx, to, alertMessage(d), n.messageID([]uint64{d.ID}), now))
	}
	if hookURL != "" {
		body, event, err := alertBody(d)
		if err == nil {
			err = n.post(ctx, hookURL, secret, event, strconv.FormatUint(d.ID, 10), body)
		}
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return n.fail(ctx, d, err, now, n.opt.WebhookMaxAge)
	}
	n.log.Info("alert delivered", "delivery_id", d.ID, "kind", d.Alert.Kind, "recipient", d.Recipient)
	return n.markSent(ctx, []uint64{d.ID}, now)
}

// alertMessage renders an operator alert as plain text. The store's
// quarantine alerts can quote file names, so the subject is flattened.
func alertMessage(d store.Delivery) message {
	subject := oneLine(d.Alert.Subject)
	if len(subject) > 200 {
		subject = subject[:200]
	}
	text := fmt.Sprintf("%s\n\n%s\n\n-- \nwatch287g operator alert (%s), raised %s, delivery %d\n",
		subject, d.Alert.Body, d.Alert.Kind, d.CreatedAt.UTC().Format(time.RFC3339), d.ID)
	return message{Subject: "[watch287g] " + subject, Text: text}
}

// fail records a failed attempt: retried with backoff until maxAge after
// the delivery was created, then dead, and the operator is told (unless
// the dead delivery was itself for the operator).
func (n *Notifier) fail(ctx context.Context, d store.Delivery, sendErr error, now time.Time, maxAge time.Duration) error {
	next := now.Add(n.backoff(d.Attempts))
	deadline := d.CreatedAt.Add(maxAge)
	dead := !now.Before(deadline)
	if !dead && next.After(deadline) {
		// One last attempt at the deadline rather than none.
		next = deadline
	}
	errText := sendErr.Error()
	n.log.Warn("delivery failed", "delivery_id", d.ID, "recipient", d.Recipient,
		"attempts", d.Attempts+1, "dead", dead, "next_attempt", next, "error", sendErr)
	if err := n.out.MarkFailed(ctx, d.ID, errText, next, dead); err != nil {
		return fmt.Errorf("notify: mark %d failed: %w", d.ID, err)
	}
	if !dead || d.Recipient == OperatorRecipient || n.Operator() == "" {
		return nil
	}
	a := store.Alert{
		Kind:    "dead_delivery",
		Subject: fmt.Sprintf("delivery %d is dead after %d attempts", d.ID, d.Attempts+1),
		Body: fmt.Sprintf("Delivery %d to %s (change %d), created %s, failed %d times and will not be retried.\n"+
			"Last error: %s\n\nFix the receiver, then run: watch287g outbox retry %d\n",
			d.ID, d.Recipient, d.ChangeID, d.CreatedAt.UTC().Format(time.RFC3339), d.Attempts+1, errText, d.ID),
	}
	if _, err := n.out.EnqueueAlert(ctx, OperatorRecipient, a, now); err != nil {
		return fmt.Errorf("notify: alert operator of dead delivery %d: %w", d.ID, err)
	}
	return nil
}

// dropUnconfigured declares dead a delivery whose recipient has left the
// configuration; the operator is not alerted, since removing a subscriber
// is deliberate.
func (n *Notifier) dropUnconfigured(ctx context.Context, d store.Delivery, now time.Time) error {
	n.log.Info("delivery dropped: recipient not configured", "delivery_id", d.ID, "recipient", d.Recipient)
	if err := n.out.MarkFailed(ctx, d.ID, "recipient is not in the configuration", now, true); err != nil {
		return fmt.Errorf("notify: mark %d dead: %w", d.ID, err)
	}
	return nil
}

func (n *Notifier) markSent(ctx context.Context, ids []uint64, now time.Time) error {
	if err := n.out.MarkSent(ctx, ids, now); err != nil {
		return fmt.Errorf("notify: mark %v sent: %w", ids, err)
	}
	return nil
}

// backoff is RetryBase doubled per attempt, capped at RetryCap, plus up
// to a fifth of random jitter so many failed receivers do not retry in
// lockstep.
func (n *Notifier) backoff(attempts int) time.Duration {
	d := n.opt.RetryCap
	if attempts < 30 {
		if b := n.opt.RetryBase << attempts; b > 0 && b < d {
			d = b
		}
	}
	return d + n.jitter(d/5)
}

func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// meta reads a small operator-state value; "" when unset.
func (n *Notifier) meta(ctx context.Context, key string) (string, error) {
	v, err := n.out.Meta(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("notify: read %s: %w", key, err)
	}
	return v, nil
}
