package config

import (
	"strings"
	"testing"
)

// The defect: `config check` printed credentials in URLs
// (https://user:pass@…, ?token=…) as they were.
func TestCheckReportMasksCredentials(t *testing.T) {
	const file = `
page_url: "https://scraper:pagepass@ice.example.org/287g?token=pagetoken"
public_url: "https://viewer:publicpass@watch.example.org/"
listen: 0.0.0.0:8287
smtp: {host: localhost, from: a@example.org, username: mailer, password: "${SMTP_PASSWORD}"}
operator: {email: [ops@example.org], webhook: "https://ops:opspass@hooks.example.org/alert?api_key=opskey"}
webhooks:
  - {url: "https://hooks.example.org/287g?token=hooktoken&channel=news", secret: "${HOOK_SECRET}"}
  - {url: "https://bot:botpass@chat.example.org/hook?sig=botsig", secret: s2}
`
	secrets := []string{"pagepass", "pagetoken", "publicpass", "smtpsecret", "opspass", "opskey", "hooktoken", "hooksecret", "botpass", "botsig"}
	cfg, err := Load(writeFile(t, file), env(map[string]string{"SMTP_PASSWORD": "smtpsecret", "HOOK_SECRET": "hooksecret"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	out, err := cfg.CheckReport()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if strings.Contains(string(out), s) {
			t.Errorf("config check output shows %q:\n%s", s, out)
		}
	}
	for _, want := range []string{"# configuration OK: ", "https://***@ice.example.org/287g?token=***", "channel=news", "# warning: public_url: "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("got output\n%s\nwant it to contain %q", out, want)
		}
	}
	// The printed settings read back as a configuration.
	if _, err := Parse(out, env(nil)); err != nil {
		t.Errorf("printed config does not parse: %v", err)
	}
	// Masking works on a copy.
	if cfg.Webhooks[0].URL != "https://hooks.example.org/287g?token=hooktoken&channel=news" {
		t.Errorf("got webhook url %q after CheckReport, want it unchanged", cfg.Webhooks[0].URL)
	}
}

func TestErrorsMaskCredentials(t *testing.T) {
	base := "smtp: {host: localhost, from: a@example.org}\n"
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"page_url not http", "page_url: \"ftp://u:s3cret@ice.example.org/x\"\n", `page_url: "ftp://***@ice.example.org/x" is not an http(s) URL`},
		{"webhook without host", base + "webhooks: [{url: \"https:///hook?token=s3cret\", secret: s}]\n", `webhooks[0].url: "https:///hook?token=***" is not an http(s) URL`},
		{"webhook twice", base + "webhooks: [{url: \"https://u:s3cret@example.org/h\", secret: s}, {url: \"https://u:s3cret@example.org/h\", secret: s}]\n", `webhooks[1].url: "https://***@example.org/h" is listed twice`},
		{"operator webhook", "operator: {webhook: \"mailto://u:s3cret@example.org\"}\n", `operator.webhook: "mailto://***@example.org" is not an http(s) URL`},
		{"url in a number", "smtp: {port: \"https://u:s3cret@example.org\"}\n", "smtp.port: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), env(nil))
			if err == nil {
				t.Fatalf("got no error, want %q", tc.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("got %q, want the secret masked", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestEnvErrorMasksCredentials(t *testing.T) {
	_, err := Load("", env(map[string]string{"WATCH287G_SMTP_PORT": "https://u:s3cret@example.org/?token=t0k"}))
	if err == nil {
		t.Fatal("got no error, want one for WATCH287G_SMTP_PORT")
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "t0k") {
		t.Errorf("got %q, want the credentials masked", err)
	}
	if !strings.Contains(err.Error(), "WATCH287G_SMTP_PORT (smtp.port)") {
		t.Errorf("got %q, want it to name WATCH287G_SMTP_PORT (smtp.port)", err)
	}
}
