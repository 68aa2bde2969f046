package diff

import (
	"strings"
	"testing"
)

func TestAgencyID(t *testing.T) {
	tests := []struct{ state, agency, want string }{
		{"TX", "Harris County Sheriff's Office", "tx-harris-county-sheriffs-office"},
		{"TX", "Harris County Sheriff’s  Office", "tx-harris-county-sheriffs-office"},
		{"NM", "Doña Ana County Sheriff's Office", "nm-dona-ana-county-sheriffs-office"},
		{"FL", "St. Johns County / Sheriff", "fl-st-johns-county-sheriff"},
		{"", "Nowhere PD", "xx-nowhere-pd"},
		{"GA", "<script>", "ga-script"},
		{"TX", "'); DROP TABLE agencies; --\x00", "tx-drop-table-agencies"},
	}
	for _, tc := range tests {
		t.Run(tc.agency, func(t *testing.T) {
			if got := AgencyID(tc.state, tc.agency); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// A name of any length gives an id short enough for a URL.
	if got := AgencyID("TX", strings.Repeat("Harris ", 1000)); len(got) > 170 {
		t.Errorf("long name: got an id of %d bytes, want at most 170", len(got))
	}
}
