package escape

import (
	"strings"
	"testing"
)

func TestTerminal(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":     {"Harris County Sheriff's Office", "Harris County Sheriff's Office"},
		"accents":   {"Doña Ana", "Doña Ana"},
		"ansi":      {"x\x1b[31mred", "x\uFFFD[31mred"},
		"crlf":      {"a\r\nforged line", "a\uFFFD\uFFFDforged line"},
		"nul":       {"a\x00b", "a\uFFFDb"},
		"bidi":      {"abc\u202Etxt.exe", "abc\uFFFDtxt.exe"},
		"bad utf-8": {"a\xffb", "a\uFFFDb"},
		"c1":        {"a\u009bb", "a\uFFFDb"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Terminal(tt.in); got != tt.want {
				t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripControl(t *testing.T) {
	if got, want := StripControl("Polk\x00 County\r\n SO\x1b"), "Polk County SO"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFileName(t *testing.T) {
	long := strings.Repeat("a", 5000) + ".xlsx"
	tests := map[string]struct{ in, want string }{
		"plain":     {"participatingAgencies02132026.xlsx", "participatingAgencies02132026.xlsx"},
		"traversal": {"../../etc/passwd", "_.._etc_passwd"},
		"dotdot":    {"..", "file"},
		"empty":     {"", "file"},
		"backslash": {`a\b.xlsx`, "a_b.xlsx"},
		"controls":  {"a\x00b\r\nc\x1b[2J.xlsx", "a_b__c_[2J.xlsx"},
		"windows":   {`a:b*c?.xlsx`, "a_b_c_.xlsx"},
		"long":      {long, strings.Repeat("a", MaxFileName-5) + ".xlsx"},
		"dotfile":   {".hidden", "hidden"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := FileName(tt.in)
			if got != tt.want {
				t.Errorf("FileName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > MaxFileName {
				t.Errorf("len = %d, want <= %d", len(got), MaxFileName)
			}
		})
	}
}

func TestFileNameRuneBoundary(t *testing.T) {
	got := FileName(strings.Repeat("é", 300))
	if !strings.HasPrefix(got, "é") || len(got) > MaxFileName || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("FileName cut a rune: %q (%d bytes)", got, len(got))
	}
}

func TestCSVCell(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":   {"Harris County", "Harris County"},
		"formula": {"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		"plus":    {"+1", "'+1"},
		"minus":   {"-2+3", "'-2+3"},
		"at":      {"@SUM(A1)", "'@SUM(A1)"},
		"tab":     {"\t=1", "'\t=1"},
		"nul":     {"a\x00b", "ab"},
		"newline": {"a\nb", "a\nb"},
		"date":    {"2025-02-21", "2025-02-21"},
		"empty":   {"", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := CSVCell(tt.in); got != tt.want {
				t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTSVField(t *testing.T) {
	if got, want := TSVField("a\tb\nc\rd\x00e"), "a b c d e"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRedactURL(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":     {"https://example.org/hooks/287g", "https://example.org/hooks/287g"},
		"userinfo":  {"https://user:pa55@example.org/h", "https://***@example.org/h"},
		"user only": {"https://tok3n@example.org/h", "https://***@example.org/h"},
		"token":     {"https://example.org/h?token=s3cret&x=1", "https://example.org/h?token=***&x=1"},
		"api_key":   {"https://example.org/h?api_key=s3cret", "https://example.org/h?api_key=***"},
		"sig":       {"https://example.org/h?sig=abc", "https://example.org/h?sig=***"},
		"error text": {`Post "https://u:pa55@example.org/h?token=s3cret": EOF`,
			`Post "https://***@example.org/h?token=***": EOF`},
		"not a url": {"no url here", "no url here"},
		"slack":     {"https://hooks.slack.com/services/T0/B0/s3cret", "https://hooks.slack.com/***"},
		"discord":   {"https://discord.com/api/webhooks/1/s3cret", "https://discord.com/***"},
		"teams":     {"https://acme.webhook.office.com/webhookb2/x@y/IncomingWebhook/s3cret/z", "https://acme.webhook.office.com/***"},
		// A URL followed by ":" does not parse on its own; once this
		// recursed until the stack overflowed.
		"url then colon": {"webhook http://127.0.0.1:8080: status 500", "webhook http://127.0.0.1:8080: status 500"},
		"userinfo then colon": {"webhook https://u:pa55@example.org/h?token=s3cret: status 500",
			"webhook https://***@example.org/h?token=***: status 500"},
		"recipient id":              {"webhook:https://u:pa55@example.org/h?token=s3cret", "webhook:https://***@example.org/h?token=***"},
		"unparseable with userinfo": {"dial http://u:pa55@exa mple", "dial http://***@exa mple"},
		"bad port with userinfo":    {"get http://u:pa55@host:80:81/x failed", "get http://***@host:80:81/x failed"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := RedactURL(tt.in)
			if got != tt.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, secret := range []string{"pa55", "s3cret", "tok3n"} {
				if strings.Contains(got, secret) {
					t.Errorf("RedactURL(%q) = %q still holds %q", tt.in, got, secret)
				}
			}
		})
	}
}

func TestLinkURL(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"https":      {"https://www.ice.gov/doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf"},
		"http":       {"http://www.ice.gov/x.pdf", "http://www.ice.gov/x.pdf"},
		"javascript": {"javascript:alert(1)", ""},
		"data":       {"data:text/html,<script>alert(1)</script>", ""},
		"JS upper":   {"JAVASCRIPT://%0aalert(1)", ""},
		"relative":   {"/doclib/x.pdf", ""},
		"file":       {"file:///etc/passwd", ""},
		"no host":    {"https:/www.ice.gov/x.pdf", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := LinkURL(tt.in); got != tt.want {
				t.Errorf("LinkURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
