package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
)

// CronParser is the parser serve schedules with: five fields, or a
// descriptor (@hourly, @every 10m), with an optional CRON_TZ= prefix.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Validate checks every key and reports every problem, separated by "; ",
// each naming its key.
func (c *Config) Validate() error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	checkURL := func(key, s string, required bool) {
		if s == "" {
			if required {
				bad(key, "required")
			}
			return
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL may carry credentials; a message never shows them.
			bad(key, "%q is not an http(s) URL", escape.RedactURL(s))
		}
	}
	checkURL("page_url", c.PageURL, true)
	checkURL("wayback_url", c.WaybackURL, true)
	if c.Backfill != BackfillAuto && c.Backfill != BackfillOff {
		bad("backfill", "%q: write auto or off", c.Backfill)
	}
	if !c.publicURLDerived || c.PublicURL != "" {
		// A derived public_url is empty only when listen is bad, which
		// is reported below.
		checkURL("public_url", c.PublicURL, true)
	}
	if _, err := CronParser.Parse(c.Schedule); err != nil {
		bad("schedule", "%q: %v (write 5 fields such as \"*/30 6-22 * * *\", or @hourly, @every 10m, with an optional CRON_TZ=Zone prefix)", c.Schedule, err)
	}
	if strings.TrimSpace(c.UserAgent) == "" || strings.ContainsAny(c.UserAgent, "\r\n") {
		bad("user_agent", "must be one non-empty line")
	}
	// Any host, including none (all interfaces), is the operator's choice;
	// only the port is checked.
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port (%v)", c.Listen, err)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("listen", "%q: port %q is not a number 0-65535", c.Listen, port)
	}
	if c.StaleAfter <= 0 {
		bad("stale_after", "must be positive, not %s", c.StaleAfter)
	}
	if c.Guard.MaxDropShare <= 0 || c.Guard.MaxDropShare > 1 {
		bad("guard.max_drop_share", "must be a share above 0 and at most 1 (0.10 is 10%%), not %v", c.Guard.MaxDropShare)
	}
	if c.Guard.MaxDropRows < 0 {
		bad("guard.max_drop_rows", "must not be negative, not %d", c.Guard.MaxDropRows)
	}
	validateLifecycle(c.Lifecycle, bad)
	if c.Fetch.Delay < 0 {
		bad("fetch.delay", "must not be negative, not %s", c.Fetch.Delay)
	}
	if c.Fetch.Timeout <= 0 {
		bad("fetch.timeout", "must be positive, not %s", c.Fetch.Timeout)
	}
	if c.Fetch.MaxBody <= 0 {
		bad("fetch.max_body", "must be a positive number of bytes, not %d", c.Fetch.MaxBody)
	}
	if c.Fetch.Retries < 0 || c.Fetch.Retries > 10 {
		bad("fetch.retries", "must be 0 to 10, not %d", c.Fetch.Retries)
	}
	switch c.SMTP.TLS {
	case notify.TLSNone, notify.TLSStartTLS, notify.TLSImplicit:
	default:
		bad("smtp.tls", "must be none, starttls or tls, not %q", c.SMTP.TLS)
	}
	if c.SMTP.Port < 0 || c.SMTP.Port > 65535 {
		bad("smtp.port", "must be 1-65535 (or 0 for the TLS mode's usual port), not %d", c.SMTP.Port)
	}
	if strings.ContainsAny(c.SMTP.Host, " /\r\n") {
		bad("smtp.host", "%q is not a host name", escape.RedactURL(c.SMTP.Host))
	}
	if _, err := mail.ParseAddress(c.SMTP.From); err != nil {
		bad("smtp.from", "%q is not an email address (%v)", c.SMTP.From, err)
	}
	needSMTP := len(c.Subscribers) > 0 || len(c.Operator.Email) > 0
	if needSMTP && c.SMTP.Host == "" {
		bad("smtp.host", "required: subscribers or operator.email are configured")
	}
	for i, e := range c.Operator.Email {
		if err := checkAddress(e); err != nil {
			bad(fmt.Sprintf("operator.email[%d]", i), "%v", err)
		}
	}
	checkURL("operator.webhook", c.Operator.Webhook, false)
	if c.FailureAlertAfter < 1 {
		bad("failure_alert_after", "must be at least 1, not %d", c.FailureAlertAfter)
	}
	for _, kd := range []struct {
		key string
		d   Duration
	}{{"webhook_max_age", c.WebhookMaxAge}, {"webhook_timeout", c.WebhookTimeout}, {"email_max_age", c.EmailMaxAge}} {
		if kd.d <= 0 {
			bad(kd.key, "must be positive, not %s", kd.d)
		}
	}
	seen := map[string]bool{}
	for i, s := range c.Subscribers {
		key := fmt.Sprintf("subscribers[%d]", i)
		if err := checkAddress(s.Email); err != nil {
			bad(key+".email", "%v", err)
		} else if seen[strings.ToLower(s.Email)] {
			bad(key+".email", "%q is listed twice", s.Email)
		}
		seen[strings.ToLower(s.Email)] = true
		c.Subscribers[i].Filter = checkFilter(key, s.Filter, bad)
		switch s.Mode {
		case notify.ModeImmediate, notify.ModeDigest:
		default:
			bad(key+".mode", "must be immediate or digest, not %q", s.Mode)
		}
		if err := notify.ParseClock(s.DigestAt); err != nil {
			bad(key+".digest_at", "%v", err)
		}
		if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
			bad(key+".timezone", "unknown time zone %q", s.Timezone)
		}
	}
	seenHook := map[string]bool{}
	for i, w := range c.Webhooks {
		key := fmt.Sprintf("webhooks[%d]", i)
		checkURL(key+".url", w.URL, true)
		if seenHook[w.URL] {
			bad(key+".url", "%q is listed twice", escape.RedactURL(w.URL))
		}
		seenHook[w.URL] = true
		if !notify.ValidFormat(w.Format) {
			bad(key+".format", "%q: write %s", w.Format, strings.Join(notify.Formats, ", "))
		}
		// A chat webhook's URL is its secret; Slack and Teams check no
		// signature.
		if w.Secret == "" && !notify.IsChat(w.Format) {
			bad(key+".secret", "required: the key of the X-Watch287g-Signature HMAC (use ${VAR} to keep it out of the file)")
		}
		c.Webhooks[i].Filter = checkFilter(key, w.Filter, bad)
	}
	if len(errs) == 0 {
		return nil
	}
	// One line, so `config check` and the other commands fail with one
	// clear line; the keys are in file order. Values are quoted with
	// credentials masked above; RedactURL over the whole line is the net
	// for any message that quotes a URL-like value without it.
	return fmt.Errorf("%w: %s", ErrInvalid, escape.RedactURL(strings.Join(errs, "; ")))
}

func checkAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != strings.TrimSpace(s) {
		return fmt.Errorf("%q is not a bare email address like news@example.org", s)
	}
	return nil
}

// checkFilter reports each bad value of f under its key and returns f
// normalised by diff's rules (state names, model labels, any case), the
// form the notifier matches.
func checkFilter(key string, f diff.Filter, bad func(key, format string, args ...any)) diff.Filter {
	out, err := f.Normalize()
	if err == nil {
		return out
	}
	// Normalize joins one *FilterError per bad value; anything else is
	// still reported, never dropped (nor a panic on a changed contract).
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var fe *diff.FilterError
		if errors.As(e, &fe) {
			bad(fmt.Sprintf("%s.%ss[%d]", key, fe.Field, fe.Index), "%v", fe)
			continue
		}
		bad(key, "%v", e)
	}
	return f
}

// NotifyOptions is the notifier's part of the configuration.
func (c *Config) NotifyOptions() notify.Options {
	return notify.Options{
		SMTP:              c.SMTP,
		Subscribers:       c.Subscribers,
		Webhooks:          c.Webhooks,
		Operator:          c.Operator,
		PublicURL:         c.PublicURL,
		UserAgent:         c.UserAgent,
		WebhookTimeout:    time.Duration(c.WebhookTimeout),
		WebhookMaxAge:     time.Duration(c.WebhookMaxAge),
		EmailMaxAge:       time.Duration(c.EmailMaxAge),
		FailureAlertAfter: c.FailureAlertAfter,
		StaleAfter:        time.Duration(c.StaleAfter),
	}
}

// ScraperOptions is the scraper's part of the configuration. A zero
// delay or retry count means none (the scraper reads negative as none).
func (c *Config) ScraperOptions() scraper.Options {
	o := scraper.Options{
		PageURL:      c.PageURL,
		UserAgent:    c.UserAgent,
		Delay:        time.Duration(c.Fetch.Delay),
		Timeout:      time.Duration(c.Fetch.Timeout),
		MaxBody:      c.Fetch.MaxBody,
		Retries:      c.Fetch.Retries,
		IgnoreRobots: !c.Fetch.RespectRobots,
	}
	if o.Delay == 0 {
		o.Delay = -1
	}
	if o.Retries == 0 {
		o.Retries = -1
	}
	return o
}
