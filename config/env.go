package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
)

// envVar is one WATCH287G_* override.
type envVar struct {
	Name string
	Key  string
	set  func(c *Config, v string) error
}

func str(p func(c *Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(c *Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p(c) = n
		return nil
	}
}

func duration(p func(c *Config) *Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not a duration (write 90s, 10m, 26h)", v)
		}
		*p(c) = Duration(d)
		return nil
	}
}

// EnvVars lists every WATCH287G_* variable that overrides a key, in the
// order docs/configuration.md shows them.
var envVars = []envVar{
	{"WATCH287G_PAGE_URL", "page_url", str(func(c *Config) *string { return &c.PageURL })},
	{"WATCH287G_SCHEDULE", "schedule", str(func(c *Config) *string { return &c.Schedule })},
	{"WATCH287G_USER_AGENT", "user_agent", str(func(c *Config) *string { return &c.UserAgent })},
	{"WATCH287G_LISTEN", "listen", str(func(c *Config) *string { return &c.Listen })},
	{"WATCH287G_PUBLIC_URL", "public_url", str(func(c *Config) *string { return &c.PublicURL })},
	{"WATCH287G_WAYBACK_URL", "wayback_url", str(func(c *Config) *string { return &c.WaybackURL })},
	{"WATCH287G_BACKFILL", "backfill", str(func(c *Config) *string { return &c.Backfill })},
	{"WATCH287G_STALE_AFTER", "stale_after", duration(func(c *Config) *Duration { return &c.StaleAfter })},
	{"WATCH287G_GUARD_MAX_DROP_SHARE", "guard.max_drop_share", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		c.Guard.MaxDropShare = f
		return nil
	}},
	{"WATCH287G_GUARD_MAX_DROP_ROWS", "guard.max_drop_rows", integer(func(c *Config) *int { return &c.Guard.MaxDropRows })},
	{"WATCH287G_LIFECYCLE_CONFIRM_DAYS", "lifecycle.confirm_days", integer(func(c *Config) *int { return &c.Lifecycle.ConfirmDays })},
	{"WATCH287G_LIFECYCLE_CONFIRM_LISTS", "lifecycle.confirm_lists", integer(func(c *Config) *int { return &c.Lifecycle.ConfirmLists })},
	{"WATCH287G_FETCH_DELAY", "fetch.delay", duration(func(c *Config) *Duration { return &c.Fetch.Delay })},
	{"WATCH287G_FETCH_TIMEOUT", "fetch.timeout", duration(func(c *Config) *Duration { return &c.Fetch.Timeout })},
	{"WATCH287G_FETCH_MAX_BODY", "fetch.max_body", func(c *Config, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number of bytes", v)
		}
		c.Fetch.MaxBody = n
		return nil
	}},
	{"WATCH287G_FETCH_RETRIES", "fetch.retries", integer(func(c *Config) *int { return &c.Fetch.Retries })},
	{"WATCH287G_FETCH_RESPECT_ROBOTS", "fetch.respect_robots", func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		c.Fetch.RespectRobots = b
		return nil
	}},
	{"WATCH287G_SMTP_HOST", "smtp.host", str(func(c *Config) *string { return &c.SMTP.Host })},
	{"WATCH287G_SMTP_PORT", "smtp.port", integer(func(c *Config) *int { return &c.SMTP.Port })},
	{"WATCH287G_SMTP_TLS", "smtp.tls", str(func(c *Config) *string { return &c.SMTP.TLS })},
	{"WATCH287G_SMTP_USERNAME", "smtp.username", str(func(c *Config) *string { return &c.SMTP.Username })},
	{"WATCH287G_SMTP_PASSWORD", "smtp.password", str(func(c *Config) *string { return &c.SMTP.Password })},
	{"WATCH287G_SMTP_FROM", "smtp.from", str(func(c *Config) *string { return &c.SMTP.From })},
	{"WATCH287G_OPERATOR_EMAIL", "operator.email", func(c *Config, v string) error {
		c.Operator.Email = nil
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				c.Operator.Email = append(c.Operator.Email, e)
			}
		}
		return nil
	}},
	{"WATCH287G_OPERATOR_WEBHOOK", "operator.webhook", str(func(c *Config) *string { return &c.Operator.Webhook })},
	{"WATCH287G_FAILURE_ALERT_AFTER", "failure_alert_after", integer(func(c *Config) *int { return &c.FailureAlertAfter })},
	{"WATCH287G_WEBHOOK_MAX_AGE", "webhook_max_age", duration(func(c *Config) *Duration { return &c.WebhookMaxAge })},
	{"WATCH287G_WEBHOOK_TIMEOUT", "webhook_timeout", duration(func(c *Config) *Duration { return &c.WebhookTimeout })},
	{"WATCH287G_EMAIL_MAX_AGE", "email_max_age", duration(func(c *Config) *Duration { return &c.EmailMaxAge })},
}

// EnvVars returns the names of the WATCH287G_* variables that override
// keys, mapped to the key each overrides.
func EnvVars() map[string]string {
	out := make(map[string]string, len(envVars))
	for _, e := range envVars {
		out[e.Name] = e.Key
	}
	return out
}

// applyEnv overrides keys from WATCH287G_* variables; an empty variable
// is unset.
func (c *Config) applyEnv(getenv func(string) string) error {
	for _, e := range envVars {
		v := getenv(e.Name)
		if v == "" {
			continue
		}
		if err := e.set(c, v); err != nil {
			// The value is quoted; it may be a secret's URL in the wrong
			// variable, so credentials are masked.
			return fmt.Errorf("%w: %s (%s): %s", ErrInvalid, e.Name, e.Key, escape.RedactURL(err.Error()))
		}
	}
	return nil
}
