package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "smtp:\n  host: localhost\n  password: \"${TEST_SMTP_PASSWORD}\"\nsubscribers:\n  - {email: a@example.org, states: [TX]}\n")
	write(bad, "smtp: {host: localhost}\nsubscribers:\n  - {email: a@example.org, timezone: America/Chicgo}\n")
	t.Setenv("TEST_SMTP_PASSWORD", "hunter2")
	t.Setenv("WATCH287G_LISTEN", "127.0.0.1:9999")

	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut []string
	}{
		{"valid file", []string{"--config", good, "config", "check"}, "", []string{"configuration OK: " + good, "listen: 127.0.0.1:9999", "password: '********'", "- TX"}},
		{"no file", []string{"config", "check"}, "", []string{"configuration OK: defaults", "page_url: https://www.ice.gov/identify-and-arrest/287g"}},
		{"bad time zone", []string{"--config", bad, "config", "check"}, `subscribers[0].timezone: unknown time zone "America/Chicgo"`, nil},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml"), "config", "check"}, "no such file", nil},
		{"no subcommand", []string{"config"}, "takes one subcommand: check", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, strings.NewReader(""), &stdout, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("got a multi-line error %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			for _, want := range tc.wantOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
			if strings.Contains(stdout.String(), "hunter2") {
				t.Errorf("output shows the SMTP password")
			}
		})
	}
}
