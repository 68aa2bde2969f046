package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/watch287g/watch287g/diff"
)

// TestFiltersNormalised: filters are written as people type them
// ("Texas", "task-force"); Validate leaves them in the form the notifier
// matches, so such a subscriber hears of Texas task force changes rather
// than of nothing.
func TestFiltersNormalised(t *testing.T) {
	yaml := "smtp: {host: localhost, from: a@example.org}\n" +
		"subscribers: [{email: a@example.org, states: [Texas, ok], models: [task-force, \"Jail Enforcement\"], kinds: [Added], lists: [Pending]}]\n" +
		"webhooks: [{url: \"https://example.org/h\", secret: s, models: [WSO]}]\n"
	path := filepath.Join(t.TempDir(), "watch287g.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("Load: got %v, want nil", err)
	}
	want := diff.Filter{States: []string{"TX", "OK"}, Models: []string{"task_force", "jail_enforcement"},
		Kinds: []diff.Kind{diff.Added}, Lists: []string{"pending"}}
	if got := c.Subscribers[0].Filter; !reflect.DeepEqual(got, want) {
		t.Errorf("subscriber filter: got %+v, want %+v", got, want)
	}
	if got := c.Webhooks[0].Filter.Models; !reflect.DeepEqual(got, []string{"warrant_service_officer"}) {
		t.Errorf("webhook models: got %v, want [warrant_service_officer]", got)
	}
}
