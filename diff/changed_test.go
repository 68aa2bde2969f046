package diff

import (
	"slices"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

// TestChangedFieldsNormalized: equal cells are no change, cells that
// differ only in white space (or state name case) are none either, and a
// real difference is named, whether the fast path for equal cells or the
// normalizing comparison decides.
func TestChangedFieldsNormalized(t *testing.T) {
	base := sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office",
		Type: "County", Model: tfm, Signed: "2025-06-01", Extra: map[string]string{"COUNTY": "Harris"}}
	tests := []struct {
		name string
		edit func(r *sheet.Record)
		want []string
	}{
		{"equal", func(r *sheet.Record) {}, nil},
		{"state name case and blanks", func(r *sheet.Record) { r.StateName = " texas " }, nil},
		{"type blanks", func(r *sheet.Record) { r.Type = "County  " }, nil},
		{"extra blanks", func(r *sheet.Record) { r.Extra = map[string]string{"COUNTY": " Harris"} }, nil},
		{"extra empty against absent", func(r *sheet.Record) { r.Extra = map[string]string{"COUNTY": "Harris", "ADDENDUM": ""} }, nil},
		{"extra dropped", func(r *sheet.Record) { r.Extra = nil }, []string{"extra.COUNTY"}},
		{"extra changed", func(r *sheet.Record) { r.Extra = map[string]string{"COUNTY": "Fort Bend"} }, []string{"extra.COUNTY"}},
		{"state name", func(r *sheet.Record) { r.StateName = "TEXSA" }, []string{"state_name"}},
		{"type", func(r *sheet.Record) { r.Type = "Municipality" }, []string{"type"}},
		{"several", func(r *sheet.Record) {
			r.Signed, r.Type, r.Extra = "2025-06-02", "State", map[string]string{"COUNTY": "x", "B": "y"}
		},
			[]string{"type", "signed", "extra.B", "extra.COUNTY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := base
			tt.edit(&after)
			if got := changedFields(&base, &after); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
