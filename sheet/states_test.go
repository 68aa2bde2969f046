package sheet

import (
	"reflect"
	"testing"
)

func TestStates(t *testing.T) {
	all := States()
	if len(all) != 56 {
		t.Errorf("got %d states and territories, want 56 (50 states, DC, AS, GU, MP, PR, VI)", len(all))
	}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Code] {
			t.Errorf("got %s twice, want each code once", s.Code)
		}
		seen[s.Code] = true
		if !ValidState(s.Code) || StateName(s.Code) != s.Name {
			t.Errorf("%s: got valid %v name %q, want true %q", s.Code, ValidState(s.Code), StateName(s.Code), s.Name)
		}
		if code, fuzzy, ok := stateCode(s.Name); code != s.Code || fuzzy || !ok {
			t.Errorf("stateCode(%q): got %s %v %v, want %s exact", s.Name, code, fuzzy, ok, s.Code)
		}
	}
	tests := map[string]struct {
		code, name string
		valid      bool
	}{
		"territory":       {"PR", "Puerto Rico", true},
		"district":        {"DC", "District of Columbia", true},
		"lower case":      {"tx", "", false},
		"not a code":      {"XX", "", false},
		"empty":           {"", "", false},
		"military postal": {"AE", "", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ValidState(tc.code); got != tc.valid {
				t.Errorf("ValidState(%q): got %v, want %v", tc.code, got, tc.valid)
			}
			if got := StateName(tc.code); got != tc.name {
				t.Errorf("StateName(%q): got %q, want %q", tc.code, got, tc.name)
			}
		})
	}
	all[0].Name = "changed"
	if StateName(all[0].Code) == "changed" {
		t.Error("got the table changed through States' result, want a copy")
	}
	for alias, code := range map[string]string{"Washington, D.C.": "DC", "US Virgin Islands": "VI", "Commonwealth of the Northern Mariana Islands": "MP", "tx": "TX"} {
		if got, _, ok := stateCode(alias); got != code || !ok {
			t.Errorf("stateCode(%q): got %s %v, want %s", alias, got, ok, code)
		}
	}
}

func TestModels(t *testing.T) {
	if got, want := ModelIDs(), []string{JailEnforcement, WarrantServiceOfficer, TaskForce}; !reflect.DeepEqual(got, want) {
		t.Errorf("ModelIDs: got %q, want %q", got, want)
	}
	for _, m := range Models() {
		if !ValidModel(m.ID) || ModelLabel(m.ID) != m.Label {
			t.Errorf("%s: got valid %v label %q, want true %q", m.ID, ValidModel(m.ID), ModelLabel(m.ID), m.Label)
		}
	}
	for _, m := range []string{"task-force", "Task Force", "", "Dragon Model"} {
		if ValidModel(m) {
			t.Errorf("ValidModel(%q): got true, want false", m)
		}
	}
	if got := ModelLabel("Dragon Model"); got != "Dragon Model" {
		t.Errorf("ModelLabel of an unknown label: got %q, want it unchanged", got)
	}
}
