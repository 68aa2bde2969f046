package sheet

import "testing"

func TestRecordField(t *testing.T) {
	r := &Record{State: "TX", Agency: "Harris County Sheriff's Office", Model: TaskForce, Signed: "2025-02-20",
		MOAURL: "https://www.ice.gov/doclib/287gMOA/x.pdf", Extra: map[string]string{"COUNTY": "Harris"}}
	tests := map[string]struct {
		rec  *Record
		name string
		want string
	}{
		"state":         {r, "state", "TX"},
		"agency":        {r, "agency", "Harris County Sheriff's Office"},
		"model":         {r, "model", TaskForce},
		"signed":        {r, "signed", "2025-02-20"},
		"moa":           {r, "moa_url", "https://www.ice.gov/doclib/287gMOA/x.pdf"},
		"extra":         {r, "extra.COUNTY", "Harris"},
		"missing extra": {r, "extra.ADDENDUM", ""},
		"unknown":       {r, "nonsense", ""},
		"nil record":    {nil, "agency", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.rec.Field(tc.name); got != tc.want {
				t.Fatalf("Field(%q): got %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestModelLabel(t *testing.T) {
	for m, want := range map[string]string{TaskForce: "Task Force", JailEnforcement: "Jail Enforcement",
		WarrantServiceOfficer: "Warrant Service Officer", "Tribal Model": "Tribal Model"} {
		if got := ModelLabel(m); got != want {
			t.Errorf("ModelLabel(%q): got %q, want %q", m, got, want)
		}
	}
}
