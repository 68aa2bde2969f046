package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/watch287g/watch287g/internal/escape"
)

// DerivePublicURL is the public_url used when none is set: http:// and
// the listen address, so that moving `listen` moves every link in emails
// and feeds with it. A wildcard host (":9000", "0.0.0.0:9000", "[::]:9000")
// names no address a reader can open, so hostname (the machine's host
// name) stands in for it, or 127.0.0.1 when that is empty too; `config
// check` warns that such a derived URL is a guess. It returns "" for a
// listen address that is not host:port (Validate reports that).
func DerivePublicURL(listen, hostname string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return ""
	}
	if wildcardHost(host) {
		host = strings.TrimSpace(hostname)
		if host == "" {
			host = "127.0.0.1"
		}
	}
	// A zone (fe80::1%eth0) is written %25 in a URL.
	host = strings.ReplaceAll(host, "%", "%25")
	if port == "80" {
		return "http://" + bracket(host)
	}
	return "http://" + net.JoinHostPort(host, port)
}

// bracket writes an IPv6 literal as a URL host.
func bracket(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// wildcardHost reports a listen host that means every interface.
func wildcardHost(host string) bool {
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// loopbackHost reports a host only this machine can reach.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// resolvePublicURL fills public_url from listen when the configuration
// left it unset; hostname is os.Hostname outside tests.
func (c *Config) resolvePublicURL(hostname func() (string, error)) {
	if c.PublicURL != "" && !c.publicURLDerived {
		return
	}
	c.publicURLDerived = true
	c.PublicURL = DerivePublicURL(c.Listen, machineName(c.Listen, hostname))
}

// machineName asks for the host name only when listen needs it.
func machineName(listen string, hostname func() (string, error)) string {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || !wildcardHost(host) || hostname == nil {
		return ""
	}
	name, err := hostname()
	if err != nil {
		return ""
	}
	return name
}

// PublicURLDerived reports whether public_url was not configured and
// comes from listen (DerivePublicURL).
func (c *Config) PublicURLDerived() bool { return c.publicURLDerived }

// SetListen changes the listen address (serve --listen) and, when
// public_url was not configured, the public_url derived from it, so a
// flag moves the links as the key does.
func (c *Config) SetListen(listen string) {
	c.Listen = listen
	if c.publicURLDerived {
		c.resolvePublicURL(os.Hostname)
	}
}

// Warnings lists what is valid but probably wrong, for `config check` and
// serve's start: a public_url that readers of emails and feeds cannot
// open. Each names its key; URLs are shown with credentials masked.
func (c *Config) Warnings() []string {
	var out []string
	warn := func(format string, args ...any) { out = append(out, "public_url: "+fmt.Sprintf(format, args...)) }
	shown := escape.RedactURL(c.PublicURL)
	listenHost, listenPort, listenErr := net.SplitHostPort(c.Listen)
	u, err := url.Parse(c.PublicURL)
	if c.PublicURL == "" || err != nil || listenErr != nil {
		return nil // Validate reports these
	}
	notifies := len(c.Subscribers) > 0 || len(c.Webhooks) > 0 || len(c.Operator.Email) > 0 || c.Operator.Webhook != ""
	if c.publicURLDerived {
		switch {
		case listenPort == "0":
			warn("not set, and listen %q picks its port at start, so the derived %s is no address; set public_url", c.Listen, shown)
		case wildcardHost(listenHost):
			warn("not set; links use %s, a guess from listen %q (every interface) and this machine's host name; set public_url to the address readers open (e.g. https://watch.example.org)", shown, c.Listen)
		case loopbackHost(listenHost) && notifies:
			warn("not set; links in emails and webhooks use %s, which opens only on this machine; set public_url to the address readers open", shown)
		}
		return out
	}
	host := u.Hostname()
	switch {
	case wildcardHost(host):
		warn("%s names no host a reader can open (%s means every interface); write the name readers use", shown, host)
	case loopbackHost(host) && !loopbackHost(listenHost):
		warn("%s opens only on this machine, but listen %q serves other machines; links in emails and feeds will not open elsewhere", shown, c.Listen)
	case loopbackHost(host) && notifies:
		warn("%s opens only on this machine; links in emails and webhooks will not open for their readers", shown)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		warn("%s has a query or fragment; links are made by appending /agreements/ID, which would land inside it", shown)
	}
	if u.User != nil {
		warn("%s carries credentials, which every link in every email and feed would repeat", shown)
	}
	return out
}
