package notify

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
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
		switch kind, _, _ := store.ParseRecipient(rec); kind {
		case store.RecipientWebhook:
			if hook, ok := n.hooks[rec]; ok && IsChat(hook.Format) {
				if err := n.deliverChat(ctx, hook, changes, now); err != nil {
					return err
				}
				continue
			}
			for _, d := range changes {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := n.deliverWebhook(ctx, d, now); err != nil {
					return err
				}
			}
		case store.RecipientEmail:
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
	ch, ok, err := n.changeOf(ctx, d, now)
	if !ok || err != nil {
		return err
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
	n.log.Info("webhook delivered", "delivery_id", d.ID, "url", escape.RedactURL(hook.URL), "event", event)
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
		ch, ok, err := n.changeOf(ctx, d, now)
		if err != nil {
			return err
		}
		if !ok {
			continue
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

// alertChannel is the one channel an alert delivery goes through.
type alertChannel struct {
	to      []string // email recipients, or
	hookURL string   // a webhook
	secret  string
	maxAge  time.Duration
}

// alertChannel resolves an alert's recipient id against the configuration;
// false when the recipient is no longer configured.
func (n *Notifier) alertChannel(rec string) (alertChannel, bool) {
	kind, addr, _ := store.ParseRecipient(rec)
	switch kind {
	case store.RecipientOperatorEmail:
		if slices.Contains(n.opt.Operator.Email, addr) {
			return alertChannel{to: []string{addr}, maxAge: n.opt.EmailMaxAge}, true
		}
	case store.RecipientOperatorWebhook:
		if addr == n.opt.Operator.Webhook {
			return alertChannel{hookURL: addr, maxAge: n.opt.WebhookMaxAge}, true
		}
	case store.RecipientEmail:
		if s, ok := n.subs[rec]; ok {
			return alertChannel{to: []string{s.Email}, maxAge: n.opt.EmailMaxAge}, true
		}
	case store.RecipientWebhook:
		if h, ok := n.hooks[rec]; ok {
			return alertChannel{hookURL: h.URL, secret: h.Secret, maxAge: n.opt.WebhookMaxAge}, true
		}
	}
	return alertChannel{}, false
}

// deliverAlert sends an alert through the one channel its recipient
// names. An alert for the operator as a whole is first split into one
// delivery per channel.
func (n *Notifier) deliverAlert(ctx context.Context, d store.Delivery, now time.Time) error {
	if d.Recipient == string(store.RecipientOperator) {
		return n.splitOperatorAlert(ctx, d, now)
	}
	ch, ok := n.alertChannel(d.Recipient)
	if !ok {
		return n.dropUnconfigured(ctx, d, now)
	}
	if err := n.sendAlert(ctx, ch, d, now); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return n.fail(ctx, d, err, now, ch.maxAge)
	}
	n.log.Info("alert delivered", "delivery_id", d.ID, "kind", d.Alert.Kind, "recipient", shownRecipient(d.Recipient))
	return n.markSent(ctx, []uint64{d.ID}, now)
}

// splitOperatorAlert turns an alert for the operator as a whole (the one
// recipient stores before per-channel deliveries used) into one delivery
// per operator channel, marks the original sent, and sends the new ones.
// A crash between queueing the copies and marking the original repeats
// the split, so an operator may then get that alert twice on a channel;
// never none.
func (n *Notifier) splitOperatorAlert(ctx context.Context, d store.Delivery, now time.Time) error {
	recs := n.Operators()
	if len(recs) == 0 {
		return n.dropUnconfigured(ctx, d, now)
	}
	var split []store.Delivery
	for _, rec := range recs {
		nd, err := n.out.EnqueueAlert(ctx, rec, *d.Alert, now)
		if err != nil {
			return fmt.Errorf("notify: split alert %d for %s: %w", d.ID, shownRecipient(rec), err)
		}
		split = append(split, nd)
	}
	if err := n.markSent(ctx, []uint64{d.ID}, now); err != nil {
		return err
	}
	for _, nd := range split {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := n.deliverAlert(ctx, nd, now); err != nil {
			return err
		}
	}
	return nil
}

// sendAlert sends one alert through one channel. A delivery with no id
// (sent outside the outbox because the store failed) gets a Message-ID and
// webhook delivery id of its own.
func (n *Notifier) sendAlert(ctx context.Context, ch alertChannel, d store.Delivery, now time.Time) error {
	ids, delivery := []uint64{d.ID}, strconv.FormatUint(d.ID, 10)
	if d.ID == 0 {
		ids, delivery = nil, "direct-"+strconv.FormatInt(now.UnixNano(), 10)
	}
	if len(ch.to) > 0 {
		return n.send(ctx, ch.to, alertMessage(d), n.messageID(ids), now)
	}
	body, event, err := alertBody(d)
	if err != nil {
		return err
	}
	return n.post(ctx, ch.hookURL, ch.secret, event, delivery, body)
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
	// The error may quote a URL with credentials (a receiver's redirect,
	// a library's message): it is stored and logged redacted.
	errText := escape.RedactURL(sendErr.Error())
	n.log.Warn("delivery failed", "delivery_id", d.ID, "recipient", shownRecipient(d.Recipient),
		"attempts", d.Attempts+1, "dead", dead, "next_attempt", next, "error", errText)
	if err := n.out.MarkFailed(ctx, d.ID, errText, next, dead); err != nil {
		return fmt.Errorf("notify: mark %d failed: %w", d.ID, err)
	}
	if !dead || isOperator(d.Recipient) || !n.opt.Operator.Configured() {
		return nil
	}
	if err := n.alert(ctx, deadDeliveryAlert(d, errText), now); err != nil {
		return fmt.Errorf("notify: alert operator of dead delivery %d: %w", d.ID, err)
	}
	return nil
}

// dropUnconfigured declares dead a delivery whose recipient has left the
// configuration; the operator is not alerted, since removing a subscriber
// is deliberate.
func (n *Notifier) dropUnconfigured(ctx context.Context, d store.Delivery, now time.Time) error {
	n.log.Info("delivery dropped: recipient not configured", "delivery_id", d.ID, "recipient", shownRecipient(d.Recipient))
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

// shownRecipient is a recipient id as logs and alerts show it: a webhook's
// id holds its URL, whose credentials are redacted.
func shownRecipient(id string) string { return escape.RedactURL(id) }

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

// changeOf reads the change delivery d announces. A change the store no
// longer has fails the delivery for good (ok false, err nil unless marking
// it failed did): there is nothing left to send.
func (n *Notifier) changeOf(ctx context.Context, d store.Delivery, now time.Time) (ch diff.Change, ok bool, err error) {
	ch, err = n.out.Change(ctx, d.ChangeID)
	if errors.Is(err, store.ErrNotFound) {
		return ch, false, n.fail(ctx, d, err, now, 0)
	}
	if err != nil {
		return ch, false, fmt.Errorf("notify: change %d: %w", d.ChangeID, err)
	}
	return ch, true, nil
}
