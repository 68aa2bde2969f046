package diff

import (
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// result builds a Result of list with n agreements, removed dropped ones
// (promoted of them to participating) and on agreements already
// participating.
func guardResult(list sheet.List, n, removed, promoted, on int) *Result {
	r := &Result{List: list, Agreements: make([]Agreement, n), OnParticipating: on}
	for i := range removed {
		c := Change{Kind: Removed}
		if i < promoted {
			c.PromotedTo = "7"
		}
		r.Removed = append(r.Removed, c)
	}
	return r
}

func TestGuardCheck(t *testing.T) {
	tests := map[string]struct {
		guard   Guard
		prev    int
		res     *Result
		want    GuardReason
		dropped int
	}{
		"nothing dropped":                   {Guard{}, 1000, guardResult(sheet.Participating, 1000, 0, 0, 0), "", 0},
		"few dropped":                       {Guard{}, 1000, guardResult(sheet.Participating, 980, 20, 0, 0), "", 20},
		"many rows, small share":            {Guard{}, 1000, guardResult(sheet.Participating, 900, 100, 0, 0), "", 100},
		"over share and rows":               {Guard{}, 1000, guardResult(sheet.Participating, 899, 101, 0, 0), GuardDrops, 101},
		"over share, under rows":            {Guard{}, 100, guardResult(sheet.Participating, 80, 20, 0, 0), "", 20},
		"over share and rows, small list":   {Guard{}, 100, guardResult(sheet.Participating, 79, 21, 0, 0), GuardDrops, 21},
		"promotions are not drops":          {Guard{}, 100, guardResult(sheet.Pending, 50, 50, 45, 0), "", 5},
		"custom share":                      {Guard{MaxDropShare: 0.5}, 100, guardResult(sheet.Participating, 60, 40, 0, 0), "", 40},
		"custom rows":                       {Guard{MaxDropRows: 5}, 20, guardResult(sheet.Participating, 14, 6, 0, 0), GuardDrops, 6},
		"negative fields take defaults":     {Guard{MaxDropShare: -1, MaxDropRows: -1}, 1000, guardResult(sheet.Participating, 899, 101, 0, 0), GuardDrops, 101},
		"pending mostly participating":      {Guard{}, 100, guardResult(sheet.Pending, 300, 0, 0, 200), GuardParticipatingAsPending, 0},
		"pending, some participating":       {Guard{}, 100, guardResult(sheet.Pending, 300, 0, 0, 100), "", 0},
		"pending, few but most":             {Guard{}, 10, guardResult(sheet.Pending, 30, 0, 0, 20), "", 0},
		"participating list is not checked": {Guard{}, 100, guardResult(sheet.Participating, 300, 0, 0, 300), "", 0},
		"drops win over participating":      {Guard{}, 1000, guardResult(sheet.Pending, 300, 700, 0, 250), GuardDrops, 700},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := tc.guard.Check(tc.prev, tc.res)
			if v.Reason != tc.want || v.Quarantine != (tc.want != "") {
				t.Errorf("got quarantine %v reason %q, want %v %q", v.Quarantine, v.Reason, tc.want != "", tc.want)
			}
			if v.Dropped != tc.dropped || v.Previous != tc.prev || v.Agreements != len(tc.res.Agreements) {
				t.Errorf("got counts dropped %d previous %d agreements %d, want %d %d %d", v.Dropped, v.Previous, v.Agreements, tc.dropped, tc.prev, len(tc.res.Agreements))
			}
			if g := v.Guard; g.MaxDropShare <= 0 || g.MaxDropRows <= 0 {
				t.Errorf("got guard %+v, want defaults filled in", g)
			}
			if (v.String() != "") != v.Quarantine {
				t.Errorf("got explanation %q for quarantine %v", v.String(), v.Quarantine)
			}
		})
	}
}

func TestGuardWithDefaults(t *testing.T) {
	if got := (Guard{}).WithDefaults(); got != (Guard{DefaultMaxDropShare, DefaultMaxDropRows}) {
		t.Errorf("got %+v, want the defaults", got)
	}
	if got := (Guard{0.3, 7}).WithDefaults(); got != (Guard{0.3, 7}) {
		t.Errorf("got %+v, want {0.3 7} kept", got)
	}
}
