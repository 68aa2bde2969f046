package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/notify"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "watch287g.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const designExample = `
page_url: https://www.ice.gov/identify-and-arrest/287g
schedule: "CRON_TZ=America/New_York */30 6-22 * * *"   # 5 fields, or @hourly, @every 10m
user_agent: "watch287g/1.0 (+mailto:newsroom@example.org)"
listen: 127.0.0.1:8287
public_url: http://127.0.0.1:8287        # base of links in emails and feeds
stale_after: 26h                         # /healthz turns 503, operator is told
guard: {max_drop_share: 0.10, max_drop_rows: 20}
smtp: {host: localhost, port: 1025, tls: none, username: "", password: "${SMTP_PASSWORD}",
       from: "287(g) watch <alerts@example.org>"}
operator: {email: [ops@example.org], webhook: ""}
subscribers:
  - {email: metro@example.org, states: [TX, OK], models: [task_force], kinds: [added, removed],
     lists: [participating], mode: digest, digest_at: "07:00", timezone: America/Chicago}
webhooks:
  - {url: "https://example.org/hooks/287g", secret: "${HOOK_SECRET}", states: [], kinds: []}
`

func TestLoadDesignExample(t *testing.T) {
	secret := `p#ss: "w'rd` // YAML-special characters must not change the structure
	cfg, err := Load(writeFile(t, designExample), env(map[string]string{"SMTP_PASSWORD": secret, "HOOK_SECRET": "h00k"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.SMTP.Password != secret || cfg.SMTP.Port != 1025 || cfg.SMTP.TLS != "none" {
		t.Errorf("got smtp %+v, want password %q, port 1025, tls none", cfg.SMTP, secret)
	}
	s := cfg.Subscribers[0]
	if s.Mode != "digest" || s.Timezone != "America/Chicago" || len(s.Filter.States) != 2 || s.Filter.Kinds[1] != diff.Removed {
		t.Errorf("got subscriber %+v", s)
	}
	if cfg.Webhooks[0].Secret != "h00k" || cfg.Guard.MaxDropRows != 20 || time.Duration(cfg.StaleAfter) != 26*time.Hour {
		t.Errorf("got webhook %+v guard %+v stale %s", cfg.Webhooks[0], cfg.Guard, cfg.StaleAfter)
	}
	if cfg.Fetch.Retries != Default().Fetch.Retries {
		t.Errorf("got fetch.retries %d, want the default", cfg.Fetch.Retries)
	}
	y, err := cfg.Masked().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(y), "h00k") || strings.Contains(string(y), "w'rd") || !strings.Contains(string(y), "********") {
		t.Errorf("masked YAML shows a secret:\n%s", y)
	}
	// The printed configuration loads again.
	if _, err := Parse(y, env(nil)); err != nil {
		t.Errorf("printed config does not parse: %v", err)
	}
}

func TestShippedExample(t *testing.T) {
	cfg, err := Load("../docs/config.example.yaml", env(map[string]string{"SMTP_PASSWORD": "x", "HOOK_SECRET": "y", "SLACK_HOOK_PATH": "T0/B0/x"}))
	if err != nil {
		t.Fatalf("docs/config.example.yaml: %v", err)
	}
	if len(cfg.Subscribers) == 0 || len(cfg.Webhooks) == 0 {
		t.Errorf("example has no subscribers or webhooks")
	}
}

func TestDefaultIsValid(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatalf("Load with no file: %v", err)
	}
	if cfg.Listen != DefaultListen || cfg.FailureAlertAfter != 3 || time.Duration(cfg.WebhookMaxAge) != 24*time.Hour || !cfg.Fetch.RespectRobots {
		t.Errorf("got %+v, want the defaults", cfg)
	}
}

func TestLoadErrors(t *testing.T) {
	base := "smtp: {host: localhost, from: a@example.org}\n"
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want string
	}{
		{"unknown top-level key", "page_urll: x\n", nil, "page_urll: unknown key (line 1)"},
		{"unknown nested key", base + "subscribers:\n  - email: a@example.org\n    emial: b\n", nil, "subscribers[0].emial: unknown key (line 4)"},
		{"unknown guard key", "guard: {max_drop: 3}\n", nil, "guard.max_drop: unknown key"},
		{"unset variable", "smtp: {password: \"${SMTP_PASSWORD}\"}\n", nil, "smtp.password: environment variable SMTP_PASSWORD is not set"},
		{"type error names the key", "smtp: {port: abc}\n", nil, "smtp.port: "},
		{"bad duration", "stale_after: 26 hours\n", nil, `stale_after: "26 hours" is not a duration`},
		{"time zone", base + "subscribers:\n  - {email: a@example.org, timezone: America/Chicago}\n  - {email: b@example.org, timezone: America/Chicgo}\n", nil,
			`subscribers[1].timezone: unknown time zone "America/Chicgo"`},
		{"state", base + "subscribers: [{email: a@example.org, states: [TX, XX]}]\n", nil, `subscribers[0].states[1]: unknown state "XX"`},
		{"model", base + "subscribers: [{email: a@example.org, models: [task_farce]}]\n", nil, `subscribers[0].models[0]: unknown model "task_farce"`},
		{"kind", base + "subscribers: [{email: a@example.org, kinds: [deleted]}]\n", nil, `subscribers[0].kinds[0]: unknown kind "deleted"`},
		{"list", base + "subscribers: [{email: a@example.org, lists: [signed]}]\n", nil, `subscribers[0].lists[0]: unknown list "signed"`},
		{"mode", base + "subscribers: [{email: a@example.org, mode: weekly}]\n", nil, `subscribers[0].mode: must be immediate or digest, not "weekly"`},
		{"digest_at", base + "subscribers: [{email: a@example.org, mode: digest, digest_at: \"7am\"}]\n", nil, `subscribers[0].digest_at: want HH:MM`},
		{"digest_at range", base + "subscribers: [{email: a@example.org, digest_at: \"25:00\"}]\n", nil, `subscribers[0].digest_at: want HH:MM`},
		{"subscriber email", base + "subscribers: [{email: not-an-address}]\n", nil, `subscribers[0].email: "not-an-address" is not a bare email address`},
		{"duplicate subscriber", base + "subscribers: [{email: a@example.org}, {email: A@example.org}]\n", nil, `subscribers[1].email: "A@example.org" is listed twice`},
		{"subscribers need smtp", "subscribers: [{email: a@example.org}]\n", nil, "smtp.host: required"},
		{"smtp tls", "smtp: {tls: ssl}\n", nil, `smtp.tls: must be none, starttls or tls, not "ssl"`},
		{"smtp from", "smtp: {from: \"nobody\"}\n", nil, `smtp.from: "nobody" is not an email address`},
		{"page url", "page_url: ftp://ice.gov/x\n", nil, `page_url: "ftp://ice.gov/x" is not an http(s) URL`},
		{"public url", "public_url: localhost:8287\n", nil, `public_url: "localhost:8287" is not an http(s) URL`},
		{"webhook url", "webhooks: [{url: \"example.org/hook\", secret: s}]\n", nil, `webhooks[0].url: "example.org/hook" is not an http(s) URL`},
		{"webhook secret", "webhooks: [{url: \"https://example.org/hook\"}]\n", nil, `webhooks[0].secret: required`},
		{"operator webhook", "operator: {webhook: \"nope\"}\n", nil, `operator.webhook: "nope" is not an http(s) URL`},
		{"operator email", base + "operator: {email: [ops]}\n", nil, `operator.email[0]: "ops" is not a bare email address`},
		{"guard share", "guard: {max_drop_share: 10}\n", nil, "guard.max_drop_share: must be a share above 0 and at most 1"},
		{"guard rows", "guard: {max_drop_rows: -1}\n", nil, "guard.max_drop_rows: must not be negative"},
		{"stale_after", "stale_after: 0s\n", nil, "stale_after: must be positive"},
		{"schedule", "schedule: \"*/30 6-22 * *\"\n", nil, `schedule: "*/30 6-22 * *": expected exactly 5 fields`},
		{"schedule zone", "schedule: \"CRON_TZ=Mars/Olympus @hourly\"\n", nil, "schedule: "},
		{"listen", "listen: 8287\n", nil, `listen: "8287" is not host:port`},
		{"failure_alert_after", "failure_alert_after: 0\n", nil, "failure_alert_after: must be at least 1"},
		{"fetch timeout", "fetch: {timeout: 0s}\n", nil, "fetch.timeout: must be positive"},
		{"fetch retries", "fetch: {retries: 99}\n", nil, "fetch.retries: must be 0 to 10"},
		{"fetch max_body", "fetch: {max_body: 0}\n", nil, "fetch.max_body: must be a positive number of bytes"},
		{"webhook_max_age", "webhook_max_age: -1h\n", nil, "webhook_max_age: must be positive"},
		{"not a mapping", "- a\n- b\n", nil, "the file must be a mapping"},
		{"env override bad number", "", map[string]string{"WATCH287G_SMTP_PORT": "twenty-five"}, `WATCH287G_SMTP_PORT (smtp.port): "twenty-five" is not a whole number`},
		{"env override validated", "", map[string]string{"WATCH287G_PUBLIC_URL": "nope"}, `public_url: "nope" is not an http(s) URL`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), env(tc.env))
			if err == nil {
				t.Fatalf("got no error, want one containing %q", tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want errors.Is ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("got a multi-line error %q, want one line", err)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		env   map[string]string
		check func(c *Config) bool
	}{
		{"default used", "smtp: {password: \"${PW:-fallback}\"}\n", nil, func(c *Config) bool { return c.SMTP.Password == "fallback" }},
		{"variable wins over default", "smtp: {password: \"${PW:-fallback}\"}\n", map[string]string{"PW": "set"}, func(c *Config) bool { return c.SMTP.Password == "set" }},
		{"int from variable", "smtp:\n  port: ${PORT}\n", map[string]string{"PORT": "2525"}, func(c *Config) bool { return c.SMTP.Port == 2525 }},
		{"inside text", "user_agent: \"watch287g (+mailto:${WHO})\"\n", map[string]string{"WHO": "me@example.org"}, func(c *Config) bool { return c.UserAgent == "watch287g (+mailto:me@example.org)" }},
		{"comments untouched", "# password: ${NOT_SET}\nlisten: 127.0.0.1:9000\n", nil, func(c *Config) bool { return c.Listen == "127.0.0.1:9000" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeFile(t, tc.yaml), env(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !tc.check(cfg) {
				t.Errorf("got %+v", cfg)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	file := "listen: 127.0.0.1:9000\nsmtp: {host: mail.example.org, port: 587}\n"
	tests := []struct {
		name  string
		env   map[string]string
		check func(c *Config) bool
	}{
		{"file value kept", nil, func(c *Config) bool { return c.Listen == "127.0.0.1:9000" }},
		{"WATCH287G_LISTEN", map[string]string{"WATCH287G_LISTEN": "0.0.0.0:80"}, func(c *Config) bool { return c.Listen == "0.0.0.0:80" }},
		{"WATCH287G_PAGE_URL", map[string]string{"WATCH287G_PAGE_URL": "http://127.0.0.1:1/287g"}, func(c *Config) bool { return c.PageURL == "http://127.0.0.1:1/287g" }},
		{"WATCH287G_SCHEDULE", map[string]string{"WATCH287G_SCHEDULE": "@every 10m"}, func(c *Config) bool { return c.Schedule == "@every 10m" }},
		{"WATCH287G_PUBLIC_URL", map[string]string{"WATCH287G_PUBLIC_URL": "https://w.example.org"}, func(c *Config) bool { return c.PublicURL == "https://w.example.org" }},
		{"WATCH287G_SMTP_HOST", map[string]string{"WATCH287G_SMTP_HOST": "smtp.example.org"}, func(c *Config) bool { return c.SMTP.Host == "smtp.example.org" }},
		{"WATCH287G_SMTP_PORT", map[string]string{"WATCH287G_SMTP_PORT": "2525"}, func(c *Config) bool { return c.SMTP.Port == 2525 }},
		{"WATCH287G_SMTP_PASSWORD", map[string]string{"WATCH287G_SMTP_PASSWORD": "pw"}, func(c *Config) bool { return c.SMTP.Password == "pw" }},
		{"WATCH287G_OPERATOR_EMAIL", map[string]string{"WATCH287G_OPERATOR_EMAIL": "a@example.org, b@example.org"}, func(c *Config) bool {
			return len(c.Operator.Email) == 2 && c.Operator.Email[1] == "b@example.org"
		}},
		{"WATCH287G_GUARD_MAX_DROP_SHARE", map[string]string{"WATCH287G_GUARD_MAX_DROP_SHARE": "0.25"}, func(c *Config) bool { return c.Guard.MaxDropShare == 0.25 }},
		{"WATCH287G_STALE_AFTER", map[string]string{"WATCH287G_STALE_AFTER": "2h"}, func(c *Config) bool { return time.Duration(c.StaleAfter) == 2*time.Hour }},
		{"WATCH287G_FETCH_RESPECT_ROBOTS", map[string]string{"WATCH287G_FETCH_RESPECT_ROBOTS": "false"}, func(c *Config) bool { return !c.Fetch.RespectRobots }},
		{"WATCH287G_FAILURE_ALERT_AFTER", map[string]string{"WATCH287G_FAILURE_ALERT_AFTER": "5"}, func(c *Config) bool { return c.FailureAlertAfter == 5 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeFile(t, file), env(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !tc.check(cfg) {
				t.Errorf("override not applied: %+v", cfg)
			}
		})
	}
	if len(EnvVars()) != len(envVars) || EnvVars()["WATCH287G_SMTP_HOST"] != "smtp.host" {
		t.Errorf("EnvVars does not map WATCH287G_SMTP_HOST to smtp.host")
	}
}

func TestNotifyOptions(t *testing.T) {
	cfg := Default()
	cfg.Subscribers = []notify.Subscriber{{Email: "a@example.org", Mode: "digest", DigestAt: "07:00", Timezone: "UTC"}}
	o := cfg.NotifyOptions()
	if o.WebhookMaxAge != 24*time.Hour || o.FailureAlertAfter != 3 || len(o.Subscribers) != 1 || o.PublicURL != DefaultPublicURL {
		t.Errorf("got %+v", o)
	}
	if _, err := notify.New(nil, o); err != nil {
		t.Errorf("notify.New rejects the options: %v", err)
	}
}
