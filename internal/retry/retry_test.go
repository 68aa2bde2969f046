package retry

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := map[string]struct {
		base, max time.Duration
		try       int
		lo, hi    time.Duration
	}{
		"first":     {time.Second, time.Minute, 0, 500 * time.Millisecond, time.Second},
		"third":     {time.Second, time.Minute, 2, 2 * time.Second, 4 * time.Second},
		"capped":    {time.Second, 10 * time.Second, 20, 5 * time.Second, 10 * time.Second},
		"huge try":  {time.Second, time.Hour, 1 << 20, 30 * time.Minute, time.Hour},
		"zero base": {0, time.Second, 3, 0, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for range 200 {
				if got := Backoff(tt.base, tt.max, tt.try); got < tt.lo || got > tt.hi {
					t.Fatalf("Backoff(%s, %s, %d) = %s, want within [%s, %s]", tt.base, tt.max, tt.try, got, tt.lo, tt.hi)
				}
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 2, 13, 12, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		"seconds":       {"120", 2 * time.Minute, true},
		"spaces":        {" 5 ", 5 * time.Second, true},
		"zero":          {"0", 0, true},
		"negative":      {"-1", 0, false},
		"empty":         {"", 0, false},
		"junk":          {"soon", 0, false},
		"overflow":      {"99999999999999999", MaxRetryAfter, true},
		"date":          {"Fri, 13 Feb 2026 12:01:00 GMT", time.Minute, true},
		"date past":     {"Fri, 13 Feb 2026 11:00:00 GMT", 0, true},
		"date far away": {"Fri, 13 Feb 2099 12:00:00 GMT", MaxRetryAfter, true},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
