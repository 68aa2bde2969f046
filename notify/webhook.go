package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
)

// Webhook headers.
const (
	HeaderEvent     = "X-Watch287g-Event"
	HeaderDelivery  = "X-Watch287g-Delivery"
	HeaderSignature = "X-Watch287g-Signature"
)

// maxResponseBody is how much of a receiver's answer is read (and
// discarded) so the connection can be reused.
const maxResponseBody = 64 << 10

// ErrStatus means a webhook receiver answered with a non-2xx status.
var ErrStatus = errors.New("webhook receiver refused the delivery")

// ErrRedirect means a webhook receiver answered with a redirect. It is
// never followed: following it would re-POST the body and its signature to
// an address the operator did not configure.
var ErrRedirect = errors.New("webhook receiver redirected")

// noRedirects makes a client hand back a 3xx response instead of following
// it; post turns that response into ErrRedirect.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ChangePayload is the JSON body of a change webhook: the change as the
// API shows it, plus the delivery id and the event name.
type ChangePayload struct {
	DeliveryID uint64 `json:"delivery_id"`
	Event      string `json:"event"`
	diff.Change
}

// AlertPayload is the JSON body of an operator alert webhook.
type AlertPayload struct {
	DeliveryID uint64      `json:"delivery_id"`
	Event      string      `json:"event"`
	Alert      store.Alert `json:"alert"`
	CreatedAt  time.Time   `json:"created_at"`
}

// EventFor is the event name of a change: "change.added", …
func EventFor(k diff.Kind) string { return "change." + string(k) }

// Signature is the X-Watch287g-Signature value for body: "sha256=" and the
// hex HMAC-SHA256 of the body keyed with the endpoint's secret.
func Signature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends one webhook. delivery is the X-Watch287g-Delivery value,
// stable across retries so receivers can drop repeats. Webhook URLs are
// operator-trusted configuration but may carry credentials (user:pass@,
// ?token=), so every error names the URL redacted.
func (n *Notifier) post(ctx context.Context, target, secret, event, delivery string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, n.opt.WebhookTimeout)
	defer cancel()
	shown := escape.RedactURL(target)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		// url.Parse's errors quote the whole URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook %s: %w", shown, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.opt.UserAgent)
	req.Header.Set(HeaderEvent, event)
	req.Header.Set(HeaderDelivery, delivery)
	if secret != "" {
		req.Header.Set(HeaderSignature, Signature(secret, body))
	}
	resp, err := n.http.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, credentials included; keep
		// only its cause (context errors stay visible to errors.Is).
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook %s: %w", shown, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return fmt.Errorf("webhook %s: %w: status %d: redirect to %q not followed",
			shown, ErrRedirect, resp.StatusCode, escape.RedactURL(escape.Terminal(resp.Header.Get("Location"))))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: %w: status %d", shown, ErrStatus, resp.StatusCode)
	}
	return nil
}

// changeBody marshals a change delivery.
func changeBody(d store.Delivery, ch diff.Change) ([]byte, string, error) {
	p := ChangePayload{DeliveryID: d.ID, Event: EventFor(ch.Kind), Change: ch}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", fmt.Errorf("marshal delivery %d: %w", d.ID, err)
	}
	return b, p.Event, nil
}

// alertBody marshals an alert delivery. The alert's data goes as it is,
// with its subject and body worded (see alertWords).
func alertBody(d store.Delivery) ([]byte, string, error) {
	a := *d.Alert
	a.Subject, a.Body = alertWords(d.Alert)
	p := AlertPayload{DeliveryID: d.ID, Event: "alert." + string(a.Kind), Alert: a, CreatedAt: d.CreatedAt}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, "", fmt.Errorf("marshal delivery %d: %w", d.ID, err)
	}
	return b, p.Event, nil
}
