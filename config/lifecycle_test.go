package config

import (
	"strings"
	"testing"

	"github.com/watch287g/watch287g/diff"
)

func TestLifecycleConfig(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want diff.ConfirmRule
		err  string
	}{
		{"default", "", nil, diff.DefaultConfirmRule(), ""},
		{"configured", "lifecycle: {confirm_days: 14, confirm_lists: 4}\n", nil, diff.ConfirmRule{MinDays: 14, MinLists: 4}, ""},
		{"one key keeps the other's default", "lifecycle: {confirm_days: 30}\n", nil, diff.ConfirmRule{MinDays: 30, MinLists: 3}, ""},
		{"environment", "", map[string]string{"WATCH287G_LIFECYCLE_CONFIRM_LISTS": "5"}, diff.ConfirmRule{MinDays: 10, MinLists: 5}, ""},
		{"negative", "lifecycle: {confirm_days: -1}\n", nil, diff.ConfirmRule{}, "lifecycle: confirmation rule: min_days -1"},
		{"shorter than a promotion", "lifecycle: {confirm_days: 3}\n", nil, diff.ConfirmRule{}, "lifecycle.confirm_days: must be at least 7"},
		{"no list", "lifecycle: {confirm_lists: 0}\n", nil, diff.ConfirmRule{}, "lifecycle.confirm_lists: must be at least 1"},
		{"unknown key", "lifecycle: {confirm_weeks: 2}\n", nil, diff.ConfirmRule{}, "lifecycle.confirm_weeks: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(writeFile(t, tt.yaml), env(tt.env))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got := c.Lifecycle.Rule(); got != tt.want {
				t.Errorf("got rule %+v, want %+v", got, tt.want)
			}
		})
	}
}
