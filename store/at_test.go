package store

import (
	"context"
	"errors"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestParseAt(t *testing.T) {
	tests := []struct {
		in   string
		date string
		id   uint64
		bad  bool
	}{
		{"", "", 0, false},
		{"1", "", 1, false},
		{"287", "", 287, false},
		{"2026-02-27", "2026-02-27", 0, false},
		{"2024-02-29", "2024-02-29", 0, false},
		{"0", "", 0, true},
		{"-3", "", 0, true},
		{"+3", "", 0, true},
		{"18446744073709551616", "", 0, true},
		{"2026-02-30", "", 0, true},
		{"2026-2-3", "", 0, true},
		{"27/02/2026", "", 0, true},
		{"2026-02-27T00:00:00Z", "", 0, true},
		{" 12", "", 0, true},
		{"yesterday", "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			date, id, err := ParseAt(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrBadAt) {
					t.Errorf("got %q %d %v, want ErrBadAt", date, id, err)
				}
				return
			}
			if err != nil || date != tc.date || id != tc.id {
				t.Errorf("got %q %d %v, want %q %d", date, id, err, tc.date, tc.id)
			}
		})
	}
}

func TestAgreementsAsOf(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-01", span(0, 5))}})
	commit(t, s, Cycle{Inputs: []Input{input(t, sheet.Participating, "2025-06-10", span(0, 7))}})
	for at, want := range map[string]uint64{"": 2, "1": 1, "2": 2, "2025-06-05": 1, "2025-06-10": 2} {
		snap, _, err := s.AgreementsAsOf(ctx, sheet.Participating, at)
		if err != nil || snap.ID != want {
			t.Errorf("at %q: got snapshot %d (%v), want %d", at, snap.ID, err, want)
		}
	}
	if _, _, err := s.AgreementsAsOf(ctx, sheet.Participating, "soon"); !errors.Is(err, ErrBadAt) {
		t.Errorf("at soon: got %v, want ErrBadAt", err)
	}
	if _, _, err := s.AgreementsAsOf(ctx, sheet.Participating, "2025-05-01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("before the baseline: got %v, want ErrNotFound", err)
	}
}
