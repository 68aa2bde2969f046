package moa

import (
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestContradicts(t *testing.T) {
	benton := Fields{LEA: "Benton County Sheriff's Office", LEAPage: 1, Model: sheet.JailEnforcement, ModelPage: 1}
	tests := []struct {
		name          string
		fields        Fields
		agency, model string
		want          []string // substrings, one per reason
	}{
		{"same agency and model", benton, "Benton County Sheriff's Office", sheet.JailEnforcement, nil},
		{"spelled differently", benton, "BENTON CO. SHERIFFS OFFICE", sheet.JailEnforcement, nil},
		{"OCR damage", Fields{LEA: "Fmklin County Sheriffs Office", LEAPage: 1}, "Franklin County Sheriff's Office", "", nil},
		{"OCR digit", Fields{LEA: "Canadian County Shenff1s Office", LEAPage: 1}, "Canadian County Sheriff's Office", "", nil},
		{"another agency", benton, "Galveston County Sheriff's Office", sheet.JailEnforcement, []string{`names "Benton County Sheriff's Office"`}},
		{"another model", benton, "Benton County Sheriff's Office", sheet.TaskForce, []string{"Jail Enforcement MOA (page 1), the agreement is Task Force"}},
		{"both", benton, "Tavares Police Department", sheet.WarrantServiceOfficer, []string{"Tavares", "Warrant Service Officer"}},
		{"blank LEA contradicts nothing", Fields{Model: sheet.TaskForce, ModelPage: 1}, "Anyone", sheet.TaskForce, nil},
		{"blank model contradicts nothing", Fields{LEA: "Benton County Sheriff's Office", LEAPage: 1}, "Benton County Sheriff's Office", sheet.TaskForce, nil},
		{"unknown agreement model is not compared", benton, "Benton County Sheriff's Office", "Jail Enforcment Modle", nil},
		{"only generic words", Fields{LEA: "County Sheriff's Office", LEAPage: 1}, "Polk County Sheriff's Office", "", nil},
		{"state agency", Fields{LEA: "Oklahoma State Bureau of Investigation", LEAPage: 1}, "Oklahoma Bureau of Investigation", "", nil},
		{"state agency of another state", Fields{LEA: "Kansas Bureau of Investigation", LEAPage: 1}, "Oklahoma Bureau of Investigation", "", []string{"Kansas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Contradicts(tt.fields, tt.agency, tt.model)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %d reasons matching %q", got, len(tt.want), tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(strings.Join(got, "; "), w) {
					t.Errorf("got %q, want a reason containing %q", got, w)
				}
			}
		})
	}
}
