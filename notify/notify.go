// Package notify tells people what changed: email to subscribers (one
// message per drain, or a daily digest), signed webhooks (one change per
// POST) and operator alerts. It drains the outbox the store writes in the
// same transaction as the changes, and marks a delivery sent only after the
// receiving server accepted it, so nothing is lost and a crash repeats at
// most the one message in flight (see docs/delivery.md).
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// Subscriber modes.
const (
	ModeImmediate = "immediate"
	ModeDigest    = "digest"
)

// SMTP TLS modes.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Defaults for Options.
const (
	DefaultWebhookTimeout    = 10 * time.Second
	DefaultWebhookMaxAge     = 24 * time.Hour
	DefaultEmailMaxAge       = 72 * time.Hour
	DefaultRetryBase         = time.Minute
	DefaultRetryCap          = time.Hour
	DefaultFailureAlertAfter = 3
	DefaultStaleAfter        = 26 * time.Hour
	DefaultBatch             = 1000
	DefaultUserAgent         = "watch287g/1.0"
	DefaultSMTPTimeout       = 30 * time.Second
)

// Subscriber is one email recipient with a filter and a mode.
type Subscriber struct {
	Email  string      `yaml:"email" json:"email"`
	Filter diff.Filter `yaml:",inline" json:"filter"`
	// Mode is ModeImmediate (one message per drain) or ModeDigest.
	Mode string `yaml:"mode" json:"mode"`
	// DigestAt is the local time of day ("07:00") a digest goes out.
	DigestAt string `yaml:"digest_at" json:"digest_at,omitempty"`
	// Timezone is the IANA zone DigestAt is read in.
	Timezone string `yaml:"timezone" json:"timezone,omitempty"`
}

// ID is the subscriber's outbox recipient id.
func (s Subscriber) ID() string { return store.RecipientID(store.RecipientEmail, s.Email) }

// Webhook is one endpoint that receives each change as a signed POST, or
// (Format slack or teams) one chat message per published list.
type Webhook struct {
	URL    string      `yaml:"url" json:"url"`
	Secret string      `yaml:"secret" json:"-"`
	Filter diff.Filter `yaml:",inline" json:"filter"`
	// Format is FormatJSON (the default when empty), FormatSlack or
	// FormatTeams (chat.go).
	Format string `yaml:"format" json:"format,omitempty"`
}

// ID is the webhook's outbox recipient id.
func (w Webhook) ID() string { return store.RecipientID(store.RecipientWebhook, w.URL) }

// SMTP is the mail server email goes through.
type SMTP struct {
	Host string `yaml:"host" json:"host"`
	Port int    `yaml:"port" json:"port"`
	// TLS is TLSNone, TLSStartTLS or TLSImplicit.
	TLS      string `yaml:"tls" json:"tls"`
	Username string `yaml:"username" json:"username,omitempty"`
	Password string `yaml:"password" json:"-"`
	// From is the sender, "Name <addr>" or a bare address.
	From string `yaml:"from" json:"from"`
}

// Operator is where operator alerts go.
type Operator struct {
	Email   []string `yaml:"email" json:"email"`
	Webhook string   `yaml:"webhook" json:"webhook,omitempty"`
}

// Configured reports whether the operator has any channel.
func (o Operator) Configured() bool { return len(o.Email) > 0 || o.Webhook != "" }

// IDs are the outbox recipient ids of the operator's channels: one per
// email address and one for the webhook. Each channel is its own
// delivery, so a webhook answering 500 is retried without re-sending the
// email that already went out.
func (o Operator) IDs() []string {
	var ids []string
	for _, e := range o.Email {
		ids = append(ids, store.RecipientID(store.RecipientOperatorEmail, e))
	}
	if o.Webhook != "" {
		ids = append(ids, store.RecipientID(store.RecipientOperatorWebhook, o.Webhook))
	}
	return ids
}

// Outbox is what the notifier needs from the store.
type Outbox interface {
	Due(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error)
	MarkSent(ctx context.Context, ids []uint64, at time.Time) error
	MarkFailed(ctx context.Context, id uint64, errText string, next time.Time, dead bool) error
	EnqueueAlert(ctx context.Context, recipient string, a store.Alert, at time.Time) (store.Delivery, error)
	Change(ctx context.Context, id uint64) (diff.Change, error)
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
}

// Options configures a Notifier. Zero durations take the defaults.
type Options struct {
	SMTP        SMTP
	Subscribers []Subscriber
	Webhooks    []Webhook
	Operator    Operator
	// PublicURL is the base of links to agreement pages.
	PublicURL string
	UserAgent string
	// WebhookTimeout bounds one POST.
	WebhookTimeout time.Duration
	// WebhookMaxAge is how long a webhook delivery is retried, counted
	// from its creation, before it is dead and the operator is told.
	WebhookMaxAge time.Duration
	// EmailMaxAge is the same for email; longer, because a digest
	// delivery legitimately waits up to a day before its first attempt.
	EmailMaxAge time.Duration
	// RetryBase and RetryCap shape the exponential backoff.
	RetryBase time.Duration
	RetryCap  time.Duration
	// FailureAlertAfter consecutive failed cycles (the fetch failed, or
	// its commit did) alert the operator.
	FailureAlertAfter int
	// StaleAfter is how old the last successful fetch may be before the
	// operator is told.
	StaleAfter time.Duration
	// HTTPClient posts webhooks; a client with WebhookTimeout when nil.
	// The notifier uses a copy that never follows redirects.
	HTTPClient *http.Client
	// Mailer sends email; an SMTPMailer for SMTP when nil and SMTP.Host
	// is set.
	Mailer Mailer
	Logger *slog.Logger
}

// Notifier drains the outbox and raises operator alerts.
type Notifier struct {
	out    Outbox
	opt    Options
	mailer Mailer
	http   *http.Client
	log    *slog.Logger
	subs   map[string]Subscriber
	hooks  map[string]Webhook
	zones  map[string]*time.Location
	from   *mail.Address
	// jitter returns a random duration in [0, d); replaced in tests.
	jitter func(d time.Duration) time.Duration
	// drain holds one token while a Deliver runs: one drain at a time.
	drain chan struct{}
	// healthMu guards the fetch failure streak, which is kept in memory
	// too (see FetchFailed).
	healthMu     sync.Mutex
	streakLoaded bool
	streak       int
	failingSince string
	// drainWaiting, when set, is called when Deliver has to wait for
	// another drain; tests synchronise on it.
	drainWaiting func()
}

// ErrNoChannel means a message could not be sent because no channel is
// configured for it (no SMTP server, no subscriber by that id, no
// operator address).
var ErrNoChannel = errors.New("no channel configured")

// New returns a Notifier over out. The options are expected to be
// validated (config does); New still refuses what it cannot use.
func New(out Outbox, opt Options) (*Notifier, error) {
	if opt.WebhookTimeout <= 0 {
		opt.WebhookTimeout = DefaultWebhookTimeout
	}
	if opt.WebhookMaxAge <= 0 {
		opt.WebhookMaxAge = DefaultWebhookMaxAge
	}
	if opt.EmailMaxAge <= 0 {
		opt.EmailMaxAge = DefaultEmailMaxAge
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = DefaultRetryBase
	}
	if opt.RetryCap <= 0 {
		opt.RetryCap = DefaultRetryCap
	}
	if opt.FailureAlertAfter <= 0 {
		opt.FailureAlertAfter = DefaultFailureAlertAfter
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = DefaultStaleAfter
	}
	if opt.UserAgent == "" {
		opt.UserAgent = DefaultUserAgent
	}
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	n := &Notifier{
		out:    out,
		opt:    opt,
		mailer: opt.Mailer,
		http:   opt.HTTPClient,
		log:    opt.Logger,
		subs:   map[string]Subscriber{},
		hooks:  map[string]Webhook{},
		zones:  map[string]*time.Location{},
		jitter: randomJitter,
		drain:  make(chan struct{}, 1),
	}
	if n.log == nil {
		n.log = slog.Default()
	}
	n.log = n.log.With("component", "notify")
	// A copy, so the caller's client is not changed, that never follows
	// a redirect (see ErrRedirect).
	client := http.Client{Timeout: opt.WebhookTimeout}
	if n.http != nil {
		client = *n.http
	}
	client.CheckRedirect = noRedirects
	n.http = &client
	if opt.SMTP.From != "" {
		from, err := mail.ParseAddress(opt.SMTP.From)
		if err != nil {
			return nil, fmt.Errorf("notify: smtp.from %q: %w", opt.SMTP.From, err)
		}
		n.from = from
	}
	if n.mailer == nil && opt.SMTP.Host != "" {
		n.mailer = NewSMTPMailer(opt.SMTP)
	}
	for i, s := range opt.Subscribers {
		if s.Mode == "" {
			s.Mode = ModeImmediate
		}
		if s.Mode == ModeDigest {
			loc, err := time.LoadLocation(s.Timezone)
			if err != nil {
				return nil, fmt.Errorf("notify: subscribers[%d].timezone: %w", i, err)
			}
			if _, _, err := parseClock(s.DigestAt); err != nil {
				return nil, fmt.Errorf("notify: subscribers[%d].digest_at: %w", i, err)
			}
			n.zones[s.ID()] = loc
		}
		n.subs[s.ID()] = s
	}
	for _, w := range opt.Webhooks {
		n.hooks[w.ID()] = w
	}
	return n, nil
}

// Recipients is what the store enqueues deliveries for: every subscriber
// and webhook with its filter. The operator receives alerts only.
func (n *Notifier) Recipients() []store.Recipient {
	var out []store.Recipient
	for _, s := range n.opt.Subscribers {
		out = append(out, recipientFor(s))
	}
	for _, w := range n.opt.Webhooks {
		out = append(out, store.Recipient{ID: w.ID(), Filter: w.Filter})
	}
	return out
}

// Operators returns the recipient ids of the operator's channels, for
// store.Cycle.Operators (none when no channel is configured).
func (n *Notifier) Operators() []string { return n.opt.Operator.IDs() }

// isOperator reports whether rec is the operator or one of its channels:
// a dead delivery to the operator raises no alert about itself.
func isOperator(rec string) bool {
	kind, _, _ := store.ParseRecipient(rec)
	switch kind {
	case store.RecipientOperator, store.RecipientOperatorEmail, store.RecipientOperatorWebhook:
		return true
	}
	return false
}

// parseClock reads "HH:MM".
func parseClock(s string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, 0, fmt.Errorf("want HH:MM (24-hour), not %q", s)
	}
	return t.Hour(), t.Minute(), nil
}

// ParseClock validates a digest time "HH:MM"; exported for config.
func ParseClock(s string) error {
	_, _, err := parseClock(s)
	return err
}

// The store is the outbox in production.
var _ Outbox = (*store.Store)(nil)
