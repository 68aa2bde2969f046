// Package config reads watch287g's one optional YAML file into typed
// options for the packages that do the work. Every key has a default (the
// Default constants), `${VAR}` is expanded from the environment so secrets
// stay out of the file, WATCH287G_* variables override the file, and every
// error names the key (and line) at fault. See docs/configuration.md.
//
// The URLs here are operator-trusted configuration, not input: page_url,
// webhooks[].url and operator.webhook are requested as written (an
// internal address is the operator's choice, and no check here could tell
// a mistake from an intent). What watch287g does not trust is where they
// lead: the scraper follows redirects only within page_url's host, and
// webhooks follow none (a 3xx is a failed delivery, so a redirect cannot
// re-send a signed body elsewhere). Credentials in any of these URLs
// (user:pass@, ?token=) are masked wherever they are printed or logged.
//
// public_url, left unset, follows listen (DerivePublicURL), so moving the
// server moves the links in emails and feeds with it; Warnings says when
// the result probably cannot be opened by readers.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback"
)

// Defaults of the keys that have no default elsewhere (scraper, store and
// notify export theirs). DefaultPublicURL is the public_url the default
// listen address derives; an unset public_url follows listen
// (DerivePublicURL).
const (
	DefaultSchedule      = "CRON_TZ=America/New_York */30 6-22 * * *"
	DefaultListen        = "127.0.0.1:8287"
	DefaultPublicURL     = "http://127.0.0.1:8287"
	DefaultStaleAfter    = notify.DefaultStaleAfter
	DefaultSMTPTLS       = notify.TLSStartTLS
	DefaultSMTPFrom      = "watch287g <watch287g@localhost>"
	DefaultMode          = notify.ModeImmediate
	DefaultDigestAt      = "07:00"
	DefaultTimezone      = "UTC"
	DefaultRespectRobots = true
)

// ErrInvalid marks every configuration error; the message names the key.
var ErrInvalid = errors.New("invalid configuration")

// Duration is a time.Duration written as "26h", "90s" or "1h30m".
type Duration time.Duration

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return &lineError{line: n.Line, msg: fmt.Sprintf("%q is not a duration (write 90s, 10m, 26h)", n.Value)}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// String is the duration as Go writes it.
func (d Duration) String() string { return time.Duration(d).String() }

// Fetch tunes the scraper.
type Fetch struct {
	// Delay is the pause between two requests of one cycle.
	Delay Duration `yaml:"delay"`
	// Timeout bounds one request.
	Timeout Duration `yaml:"timeout"`
	// MaxBody is the largest file accepted, in bytes.
	MaxBody int64 `yaml:"max_body"`
	// Retries after a timeout, 5xx or 429.
	Retries int `yaml:"retries"`
	// RespectRobots honours ice.gov's robots.txt.
	RespectRobots bool `yaml:"respect_robots"`
}

// Config is the whole configuration.
type Config struct {
	PageURL   string `yaml:"page_url"`
	Schedule  string `yaml:"schedule"`
	UserAgent string `yaml:"user_agent"`
	Listen    string `yaml:"listen"`
	// PublicURL is the base of links in emails and feeds. Left unset, it
	// is derived from Listen (DerivePublicURL) when the configuration is
	// loaded, and follows SetListen; PublicURLDerived tells which.
	PublicURL string `yaml:"public_url"`
	// StaleAfter is how old the last successful fetch may get before
	// /healthz answers 503 and the operator is told.
	StaleAfter Duration        `yaml:"stale_after"`
	Guard      store.Guard     `yaml:"guard"`
	Fetch      Fetch           `yaml:"fetch"`
	SMTP       notify.SMTP     `yaml:"smtp"`
	Operator   notify.Operator `yaml:"operator"`
	// FailureAlertAfter consecutive failed fetches alert the operator.
	FailureAlertAfter int                 `yaml:"failure_alert_after"`
	WebhookMaxAge     Duration            `yaml:"webhook_max_age"`
	WebhookTimeout    Duration            `yaml:"webhook_timeout"`
	EmailMaxAge       Duration            `yaml:"email_max_age"`
	Subscribers       []notify.Subscriber `yaml:"subscribers"`
	Webhooks          []notify.Webhook    `yaml:"webhooks"`
	// WaybackURL is the archive `backfill` reads (tests point it at a
	// stand-in); Backfill is "auto" (serve backfills an empty store) or "off".
	WaybackURL string `yaml:"wayback_url"`
	Backfill   string `yaml:"backfill"`

	// Lifecycle confirms absences as endings (lifecycle.go).
	Lifecycle Lifecycle `yaml:"lifecycle"`

	// File is the path the configuration was read from, "" for none.
	File string `yaml:"-"`
	// publicURLDerived is true when public_url was not configured.
	publicURLDerived bool
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	c := defaults()
	c.resolvePublicURL(os.Hostname)
	return c
}

// defaults is Default before public_url is derived: a file read over it
// must be able to leave public_url unset.
func defaults() *Config {
	return &Config{
		PageURL:    scraper.DefaultPageURL,
		Schedule:   DefaultSchedule,
		UserAgent:  scraper.DefaultUserAgent,
		Listen:     DefaultListen,
		StaleAfter: Duration(DefaultStaleAfter),
		Guard:      store.Guard{MaxDropShare: store.DefaultMaxDropShare, MaxDropRows: store.DefaultMaxDropRows},
		Lifecycle:  Lifecycle{ConfirmDays: diff.DefaultConfirmDays, ConfirmLists: diff.DefaultConfirmLists},
		Fetch: Fetch{
			Delay:         Duration(scraper.DefaultDelay),
			Timeout:       Duration(scraper.DefaultTimeout),
			MaxBody:       scraper.DefaultMaxBody,
			Retries:       scraper.DefaultRetries,
			RespectRobots: DefaultRespectRobots,
		},
		SMTP:              notify.SMTP{TLS: DefaultSMTPTLS, From: DefaultSMTPFrom},
		Operator:          notify.Operator{Email: []string{}},
		FailureAlertAfter: notify.DefaultFailureAlertAfter,
		WebhookMaxAge:     Duration(notify.DefaultWebhookMaxAge),
		WebhookTimeout:    Duration(notify.DefaultWebhookTimeout),
		EmailMaxAge:       Duration(notify.DefaultEmailMaxAge),
		WaybackURL:        wayback.DefaultBaseURL,
		Backfill:          BackfillAuto,
	}
}

// The values of the backfill key.
const (
	BackfillAuto = "auto"
	BackfillOff  = "off"
)

// Load reads the file at path (none when path is ""), expands ${VAR} from
// getenv, applies WATCH287G_* overrides and validates. getenv is
// os.Getenv in production; tests pass a map's lookup.
func Load(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := defaults()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := decode(data, getenv, cfg); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.File = path
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg.fillDefaults()
	cfg.resolvePublicURL(os.Hostname)
	if err := cfg.Validate(); err != nil {
		if path != "" {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// Parse reads configuration text over the defaults, without env overrides
// or validation; Load is what commands use.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	cfg := defaults()
	if err := decode(data, getenv, cfg); err != nil {
		return nil, err
	}
	cfg.resolvePublicURL(os.Hostname)
	return cfg, nil
}

// lineError is an error found at a line of the file; decode turns it into
// one that names the key.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func decode(data []byte, getenv func(string) string, cfg *Config) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if len(root.Content) == 0 {
		return nil // an empty file: all defaults
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: line %d: the file must be a mapping of keys (page_url: …)", ErrInvalid, doc.Line)
	}
	if err := expand(doc, getenv, ""); err != nil {
		return err
	}
	if err := checkKeys(doc, reflect.TypeOf(cfg).Elem(), ""); err != nil {
		return err
	}
	if err := doc.Decode(cfg); err != nil {
		// yaml quotes the offending value, which may be a URL with
		// credentials (a secret expanded into the wrong key).
		return fmt.Errorf("%w: %s", ErrInvalid, escape.RedactURL(describe(doc, err)))
	}
	return nil
}

// describe rewrites yaml's errors ("line 7: cannot unmarshal !!str `x`
// into int") to name the key at that line.
func describe(doc *yaml.Node, err error) string {
	var le *lineError
	if errors.As(err, &le) {
		return fmt.Sprintf("%s: %s (line %d)", keyAt(doc, le.line, ""), le.msg, le.line)
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var msgs []string
		for _, e := range te.Errors {
			var line int
			if _, scanErr := fmt.Sscanf(e, "line %d:", &line); scanErr == nil {
				rest := strings.TrimSpace(e[strings.Index(e, ":")+1:])
				rest = strings.Replace(rest, "cannot unmarshal !!str", "cannot read", 1)
				rest = strings.Replace(rest, "cannot unmarshal !!", "cannot read !!", 1)
				msgs = append(msgs, fmt.Sprintf("%s: %s (line %d)", keyAt(doc, line, ""), rest, line))
				continue
			}
			msgs = append(msgs, e)
		}
		return strings.Join(msgs, "; ")
	}
	return err.Error()
}

// keyAt finds the dotted key whose value starts at line.
func keyAt(n *yaml.Node, line int, path string) string {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if v.Line == line && (v.Kind == yaml.ScalarNode || k.Line == line) {
				if v.Kind == yaml.ScalarNode {
					return p
				}
				if got := keyAt(v, line, p); got != "" {
					return got
				}
				return p
			}
			if got := keyAt(v, line, p); got != "" {
				return got
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind == yaml.ScalarNode && c.Line == line {
				return p
			}
			if got := keyAt(c, line, p); got != "" {
				return got
			}
		}
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var varRE = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in every scalar value. It
// works on the parsed tree, not the text, so a secret containing '#', ':'
// or quotes cannot change the file's structure, and comments are left
// alone.
func expand(n *yaml.Node, getenv func(string) string, path string) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		var missing string
		out := varRE.ReplaceAllStringFunc(n.Value, func(m string) string {
			sub := varRE.FindStringSubmatch(m)
			if v := getenv(sub[1]); v != "" {
				return v
			}
			if sub[2] != "" {
				return sub[3]
			}
			if missing == "" {
				missing = sub[1]
			}
			return ""
		})
		if missing != "" {
			return fmt.Errorf("%w: %s: environment variable %s is not set (line %d; write ${%s:-default} for a default)",
				ErrInvalid, path, missing, n.Line, missing)
		}
		n.Value = out
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
			// Let yaml resolve the type again: port: ${SMTP_PORT} is an int.
			n.Tag = ""
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := expand(n.Content[i+1], getenv, join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if err := expand(c, getenv, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkKeys rejects keys the configuration does not have, naming the key
// and its line. (yaml.v3's KnownFields works on text, not on the tree the
// expansion rewrote, so the check is done here.)
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			p := join(path, k.Value)
			ft, ok := fields[k.Value]
			if !ok {
				return fmt.Errorf("%w: %s: unknown key (line %d)", ErrInvalid, p, k.Line)
			}
			if err := checkKeys(n.Content[i+1], ft, p); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			if err := checkKeys(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectFields maps yaml key names to field types, following inline
// structs (a subscriber's filter keys sit beside its email).
func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if strings.Contains(opts, "inline") {
			collectFields(f.Type, out)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
}

// fillDefaults gives list entries their per-entry defaults.
func (c *Config) fillDefaults() {
	for i := range c.Subscribers {
		s := &c.Subscribers[i]
		s.Email = strings.TrimSpace(s.Email)
		if s.Mode == "" {
			s.Mode = DefaultMode
		}
		if s.DigestAt == "" {
			s.DigestAt = DefaultDigestAt
		}
		if s.Timezone == "" {
			s.Timezone = DefaultTimezone
		}
	}
	// Filters are normalised (case, state names, model labels) by
	// diff's rules in Validate, the one place that knows them.
	if c.Operator.Email == nil {
		c.Operator.Email = []string{}
	}
}

// Masked returns a copy safe to print: passwords and secrets replaced,
// and credentials in every URL (user:pass@, ?token=…) masked with
// escape.RedactURL.
func (c *Config) Masked() *Config {
	m := *c
	if m.SMTP.Password != "" {
		m.SMTP.Password = "********"
	}
	// A host or user name can hold a pasted URL with credentials too.
	m.SMTP.Host = escape.RedactURL(m.SMTP.Host)
	m.SMTP.Username = escape.RedactURL(m.SMTP.Username)
	m.PageURL = escape.RedactURL(m.PageURL)
	m.WaybackURL = escape.RedactURL(m.WaybackURL)
	m.PublicURL = escape.RedactURL(m.PublicURL)
	m.Operator.Webhook = escape.RedactURL(m.Operator.Webhook)
	m.Webhooks = make([]notify.Webhook, len(c.Webhooks))
	for i, w := range c.Webhooks {
		if w.Secret != "" {
			w.Secret = "********"
		}
		w.URL = escape.RedactURL(w.URL)
		m.Webhooks[i] = w
	}
	return &m
}

// YAML renders the configuration as a file would hold it.
func (c *Config) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return b.Bytes(), nil
}

// CheckReport is what `config check` prints for a configuration that
// loaded: where it came from, each warning (Warnings), and the effective
// settings with secrets and URL credentials masked. Every line before the
// settings is a YAML comment, so the whole report reads back as a file.
func (c *Config) CheckReport() ([]byte, error) {
	out, err := c.Masked().YAML()
	if err != nil {
		return nil, err
	}
	source := "defaults and environment (no --config file)"
	if c.File != "" {
		source = escape.Terminal(c.File)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# configuration OK: %s\n", source)
	if c.publicURLDerived {
		fmt.Fprintf(&b, "# public_url is not set: derived from listen\n")
	}
	for _, w := range c.Warnings() {
		fmt.Fprintf(&b, "# warning: %s\n", escape.Terminal(w))
	}
	fmt.Fprintf(&b, "# effective settings, secrets masked:\n%s", out)
	return b.Bytes(), nil
}
