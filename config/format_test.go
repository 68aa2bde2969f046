package config

import (
	"strings"
	"testing"
)

// TestWebhookFormat: format is checked, and a chat webhook needs no
// secret (its URL is the secret; Slack and Teams check no signature).
func TestWebhookFormat(t *testing.T) {
	tests := []struct {
		name, yaml, want string // want: "" when valid
	}{
		{"default json needs a secret", "webhooks: [{url: \"https://example.org/h\"}]\n", "webhooks[0].secret: required"},
		{"json", "webhooks: [{url: \"https://example.org/h\", secret: s, format: json}]\n", ""},
		{"slack without secret", "webhooks: [{url: \"https://hooks.slack.com/services/T/B/X\", format: slack}]\n", ""},
		{"teams without secret", "webhooks: [{url: \"https://example.webhook.office.com/x\", format: teams}]\n", ""},
		{"unknown", "webhooks: [{url: \"https://example.org/h\", secret: s, format: discord}]\n", `webhooks[0].format: "discord": write json, slack, teams`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.yaml), env(nil))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want it valid", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
