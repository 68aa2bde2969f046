// Package escape makes names that come from outside (file names, agency
// names, URLs) safe where they become something else: a path element, a
// terminal or log line, a CSV or TSV cell, a link. Values stay data: these
// functions never interpret them, they only neutralise what could be read as
// control (an ANSI escape, a path separator, a spreadsheet formula).
package escape

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileName is the longest file name FileName returns, in bytes. Most
// file systems allow 255; the margin leaves room for a de-duplicating suffix.
const MaxFileName = 200

// Terminal returns s fit for one line of a terminal or a log: control
// characters (CR, LF, ESC, NUL, C1 controls, bidi overrides) become U+FFFD,
// so a name cannot move the cursor, recolour the screen or forge a line.
// Invalid UTF-8 is replaced too.
func Terminal(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unsafeRune(r) {
			b.WriteRune('\uFFFD')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// clean reports whether s is valid UTF-8 with no rune Terminal would replace.
func clean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune reports control and format characters: C0/C1 controls (tab
// included: it shifts columns) and the bidirectional overrides that can make
// a name display reversed.
func unsafeRune(r rune) bool {
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
		return true
	}
	return false
}

// StripControl removes control and format characters (see Terminal) and
// invalid UTF-8 from s, for values that are normalised rather than shown.
func StripControl(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "") {
		if !unsafeRune(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FileName returns s as one safe path element: no separators, no control
// characters, no leading dot (so never "." or ".."), no characters Windows
// refuses, at most MaxFileName bytes on a rune boundary (the extension kept),
// and never empty ("file" stands in).
func FileName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "_") {
		switch {
		case unsafeRune(r), r == utf8.RuneError:
			b.WriteByte('_')
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	name := strings.TrimSpace(b.String())
	name = strings.TrimLeft(name, ".")
	name = strings.TrimRight(name, ". ")
	if len(name) > MaxFileName {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i >= 0 && len(name)-i <= 10 {
			ext = name[i:]
		}
		name = truncate(name[:len(name)-len(ext)], MaxFileName-len(ext)) + ext
	}
	if name == "" {
		return "file"
	}
	return name
}

// truncate cuts s to at most n bytes without splitting a rune.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// CSVCell returns s fit for a CSV cell that a spreadsheet will open:
// control characters other than newlines are removed, and a cell starting
// with = + - @ (or a tab or CR, which some spreadsheets skip before one) is
// prefixed with a single quote so it is shown as text, never run as a
// formula (OWASP's CSV injection advice). Quoting is the csv writer's job.
func CSVCell(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' {
			return r
		}
		if unsafeRune(r) && r != '\t' && r != '\r' {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// TSVField returns s fit for one field of a tab-separated line: tabs,
// newlines and other control characters become spaces, so a value can
// neither add a column nor forge a row.
func TSVField(s string) string {
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))
}

// secretKeys are query parameters whose values RedactURL hides.
var secretKeys = []string{"token", "key", "secret", "password", "passwd", "pass", "pwd", "sig", "signature", "auth", "code", "credential", "session"}

// secretPath reports hosts of chat webhooks whose URL path is the secret.
func secretPath(host string) bool {
	host = strings.ToLower(host)
	for _, h := range []string{"hooks.slack.com", "discord.com", "discordapp.com", "webhook.office.com", "hooks.zapier.com", "chat.googleapis.com"} {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range secretKeys {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// RedactURL returns s with its credentials hidden, for logs and printed
// settings: the userinfo of https://user:pass@host becomes "***", and the
// value of any query parameter whose name looks secret (token, key, secret,
// password, sig, auth, …) becomes "***". A string that does not parse as a
// URL is searched for "://user:pass@" all the same, so an error message
// holding a URL is safe to pass in.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	// An opaque URL can hold another one: "webhook:https://u:p@host/" (an
	// outbox recipient id) parses with the inner URL as its Opaque part.
	if err != nil || u.Scheme == "" || u.Opaque != "" || strings.ContainsAny(s, " \t\n") {
		return redactEmbedded(s)
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	if secretPath(u.Host) && u.Path != "" && u.Path != "/" {
		// The token is the path: Slack's hooks.slack.com/services/T/B/TOKEN,
		// Discord's /api/webhooks/ID/TOKEN, Teams' webhook.office.com.
		u.Path, u.RawPath = "/***", ""
	}
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if secretKey(k) {
				q[k] = []string{"***"}
				changed = true
			}
		}
		if changed {
			u.RawQuery = strings.ReplaceAll(q.Encode(), "%2A%2A%2A", "***")
		}
	}
	out := strings.Replace(u.String(), "%2A%2A%2A@", "***@", 1)
	return strings.Replace(out, "/%2A%2A%2A", "/***", 1)
}

// redactEmbedded redacts every URL found inside free text (an error
// message such as `Post "https://u:p@host/x?token=t": EOF`).
func redactEmbedded(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(s[start-1]) {
			start--
		}
		end := i + 3
		for end < len(s) && !strings.ContainsRune(" \t\r\n\"'<>`", rune(s[end])) {
			end++
		}
		b.WriteString(s[:start])
		if start == i { // "://" with no scheme: not a URL, keep as is
			b.WriteString(s[i:end])
		} else {
			b.WriteString(redactCandidate(s[start:end]))
		}
		s = s[end:]
	}
}

// redactCandidate redacts one URL found in free text. It never calls back
// into redactEmbedded: a candidate that does not parse (a URL followed by
// ":" in an error message, "http://host:80:") would otherwise recurse
// forever. Trailing punctuation is kept out of the URL, and what still
// does not parse has everything up to an "@" in its authority masked.
func redactCandidate(c string) string {
	trimmed := strings.TrimRight(c, ".,;:)]}")
	tail := c[len(trimmed):]
	if u, err := url.Parse(trimmed); err == nil && u.Scheme != "" {
		return RedactURL(trimmed) + tail
	}
	i := strings.Index(trimmed, "://") + 3
	authority := trimmed[i:]
	if j := strings.IndexAny(authority, "/?#"); j >= 0 {
		authority = authority[:j]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		trimmed = trimmed[:i] + "***" + trimmed[i+at:]
	}
	return trimmed + tail
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// LinkURL returns s when it is an absolute http or https URL with a host,
// the only links watch287g turns into hyperlinks or moa_url values, and ""
// otherwise (javascript:, data:, file:, relative or malformed).
func LinkURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return s
	}
	return ""
}
