package web

import (
	"html/template"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestFieldHTML(t *testing.T) {
	tests := map[string]struct {
		rec   *sheet.Record
		field string
		want  template.HTML
	}{
		"MOA link named by its file": {
			&sheet.Record{MOAURL: "https://www.ice.gov/doclib/287gMOA/16thJudicialDistrictDrugTask%20Force%20AR_TFM_MOA_09222025.pdf"}, "moa_url",
			`<a href="https://www.ice.gov/doclib/287gMOA/16thJudicialDistrictDrugTask%20Force%20AR_TFM_MOA_09222025.pdf">16thJudicialDistrictDrugTask Force AR_TFM_MOA_09222025.pdf</a>`,
		},
		"blank":        {&sheet.Record{}, "moa_url", "—"},
		"model words":  {&sheet.Record{Model: sheet.TaskForce}, "model", "Task Force"},
		"hostile text": {&sheet.Record{Agency: `<script>alert(1)</script>`}, "agency", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		"not a link": {&sheet.Record{MOAURL: `javascript:alert("x")`}, "moa_url",
			"javascript:alert(&#34;x&#34;)"},
		"quote in link": {&sheet.Record{MOAURL: `https://example.org/a"onmouseover="x.pdf`}, "moa_url",
			`<a href="https://example.org/a%22onmouseover=%22x.pdf">a&#34;onmouseover=&#34;x.pdf</a>`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fieldHTML(tc.rec, tc.field); got != tc.want {
				t.Fatalf("fieldHTML: got %s, want %s", got, tc.want)
			}
		})
	}
}
