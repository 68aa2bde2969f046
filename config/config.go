// Package config reads watch287g's one optional YAML file into typed
// options for the packages that do the work. Every key has a default (the
// Default constants), `${VAR}` is expanded from the environment so secrets
// stay out of the file, WATCH287G_* variables override the file, and every
// error names the key (and line) at fault. See docs/configuration.md.
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

	"github.com/watch287g/watch287g/notify"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/store"
)

// Defaults of the keys that have no default elsewhere (scraper, store and
// notify export theirs).
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
	// PublicURL is the base of links in emails and feeds.
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

	// File is the path the configuration was read from, "" for none.
	File string `yaml:"-"`
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{
		PageURL:    scraper.DefaultPageURL,
		Schedule:   DefaultSchedule,
		UserAgent:  scraper.DefaultUserAgent,
		Listen:     DefaultListen,
		PublicURL:  DefaultPublicURL,
		StaleAfter: Duration(DefaultStaleAfter),
		Guard:      store.Guard{MaxDropShare: store.DefaultMaxDropShare, MaxDropRows: store.DefaultMaxDropRows},
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
	}
}

// Load reads the file at path (none when path is ""), expands ${VAR} from
// getenv, applies WATCH287G_* overrides and validates. getenv is
// os.Getenv in production; tests pass a map's lookup.
func Load(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := Default()
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
	cfg := Default()
	if err := decode(data, getenv, cfg); err != nil {
		return nil, err
	}
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
		return fmt.Errorf("%w: %s", ErrInvalid, describe(doc, err))
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
		for j, st := range s.Filter.States {
			s.Filter.States[j] = strings.ToUpper(strings.TrimSpace(st))
		}
	}
	for i := range c.Webhooks {
		for j, st := range c.Webhooks[i].Filter.States {
			c.Webhooks[i].Filter.States[j] = strings.ToUpper(strings.TrimSpace(st))
		}
	}
	if c.Operator.Email == nil {
		c.Operator.Email = []string{}
	}
}

// Masked returns a copy safe to print: passwords and secrets replaced.
func (c *Config) Masked() *Config {
	m := *c
	if m.SMTP.Password != "" {
		m.SMTP.Password = "********"
	}
	m.Webhooks = make([]notify.Webhook, len(c.Webhooks))
	for i, w := range c.Webhooks {
		if w.Secret != "" {
			w.Secret = "********"
		}
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
