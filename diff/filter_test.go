package diff

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestFilterMatch(t *testing.T) {
	tx := &sheet.Record{State: "TX", Model: sheet.TaskForce}
	ok := &sheet.Record{State: "OK", Model: sheet.JailEnforcement}
	moved := &Change{Kind: Changed, List: sheet.Participating, Before: tx, After: ok}
	added := &Change{Kind: Added, List: sheet.Pending, After: tx}
	tests := map[string]struct {
		f    Filter
		c    *Change
		want bool
	}{
		"empty matches all":         {Filter{}, added, true},
		"state":                     {Filter{States: []string{"TX"}}, added, true},
		"other state":               {Filter{States: []string{"FL"}}, added, false},
		"moved out of a state":      {Filter{States: []string{"TX"}}, moved, true},
		"model before or after":     {Filter{Models: []string{sheet.JailEnforcement}}, moved, true},
		"kind":                      {Filter{Kinds: []Kind{Removed}}, added, false},
		"list":                      {Filter{Lists: []string{"participating"}}, added, false},
		"all dimensions must match": {Filter{States: []string{"TX"}, Kinds: []Kind{Added}, Lists: []string{"pending"}}, added, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.f.Match(tc.c); got != tc.want {
				t.Fatalf("Match: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterAgreements(t *testing.T) {
	aggs := []Agreement{
		{ID: "1", Record: sheet.Record{State: "TX", Model: sheet.TaskForce}},
		{ID: "2", Record: sheet.Record{State: "TX", Model: sheet.JailEnforcement}},
		{ID: "3", Record: sheet.Record{State: "FL", Model: sheet.TaskForce}},
	}
	got := Filter{States: []string{"TX"}, Models: []string{sheet.TaskForce}, Kinds: []Kind{Removed}}.Agreements(aggs)
	if len(got) != 1 || got[0].ID != "1" {
		t.Fatalf("Agreements: got %+v, want only agreement 1 (kinds do not apply to agreements)", got)
	}
	if got := (Filter{States: []string{"CA"}}).Agreements(aggs); got == nil || len(got) != 0 {
		t.Fatalf("Agreements with no match: got %#v, want an empty, non-nil slice", got)
	}
}

func TestParseFilter(t *testing.T) {
	type in struct{ states, models, kinds, lists []string }
	tests := map[string]struct {
		in      in
		want    Filter
		wantErr *FilterError
	}{
		"empty":              {in{}, Filter{}, nil},
		"state code":         {in{states: []string{"TX"}}, Filter{States: []string{"TX"}}, nil},
		"state code, lower":  {in{states: []string{" tx "}}, Filter{States: []string{"TX"}}, nil},
		"state name":         {in{states: []string{"Texas"}}, Filter{States: []string{"TX"}}, nil},
		"state name, spaced": {in{states: []string{"new  york"}}, Filter{States: []string{"NY"}}, nil},
		"territory name":     {in{states: []string{"u.s. virgin islands"}}, Filter{States: []string{"VI"}}, nil},
		"duplicates dropped": {in{states: []string{"TX", "texas", "tx"}}, Filter{States: []string{"TX"}}, nil},
		"unknown code":       {in{states: []string{"XX"}}, Filter{}, &FilterError{"state", 0, "XX"}},
		"unknown name":       {in{states: []string{"TX", "Texass"}}, Filter{}, &FilterError{"state", 1, "Texass"}},
		"blank state":        {in{states: []string{" "}}, Filter{}, &FilterError{"state", 0, " "}},
		"model constant":     {in{models: []string{"task_force"}}, Filter{Models: []string{sheet.TaskForce}}, nil},
		"model hyphen":       {in{models: []string{"task-force"}}, Filter{Models: []string{sheet.TaskForce}}, nil},
		"model label":        {in{models: []string{"Task Force"}}, Filter{Models: []string{sheet.TaskForce}}, nil},
		"model upper":        {in{models: []string{"WARRANT_SERVICE_OFFICER"}}, Filter{Models: []string{sheet.WarrantServiceOfficer}}, nil},
		"model with 'model'": {in{models: []string{"Jail Enforcement Model"}}, Filter{Models: []string{sheet.JailEnforcement}}, nil},
		"model initials":     {in{models: []string{"tf", "WSO", "jem"}}, Filter{Models: []string{sheet.TaskForce, sheet.WarrantServiceOfficer, sheet.JailEnforcement}}, nil},
		"model first word":   {in{models: []string{"jail", "Warrant", "task"}}, Filter{Models: []string{sheet.JailEnforcement, sheet.WarrantServiceOfficer, sheet.TaskForce}}, nil},
		"unknown model":      {in{models: []string{"task_farce"}}, Filter{}, &FilterError{"model", 0, "task_farce"}},
		"kind":               {in{kinds: []string{"Added", "removed"}}, Filter{Kinds: []Kind{Added, Removed}}, nil},
		"unknown kind":       {in{kinds: []string{"deleted"}}, Filter{}, &FilterError{"kind", 0, "deleted"}},
		"list":               {in{lists: []string{"PENDING"}}, Filter{Lists: []string{"pending"}}, nil},
		"unknown list":       {in{lists: []string{"signed"}}, Filter{}, &FilterError{"list", 0, "signed"}},
		"first error wins":   {in{states: []string{"ZZ"}, lists: []string{"x"}}, Filter{}, &FilterError{"state", 0, "ZZ"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseFilter(tc.in.states, tc.in.models, tc.in.kinds, tc.in.lists)
			if tc.wantErr != nil {
				var fe *FilterError
				if !errors.As(err, &fe) || *fe != *tc.wantErr {
					t.Fatalf("error: got %v, want %+v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("error: got %v, want nil", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFilterErrorMessage(t *testing.T) {
	tests := map[string]struct {
		err  *FilterError
		want []string
	}{
		"state": {&FilterError{"state", 0, "XX"}, []string{`unknown state "XX"`, "TX", "WY", "PR"}},
		"model": {&FilterError{"model", 0, "task_farce"}, []string{`unknown model "task_farce"`, "task_force", "jail_enforcement", `"Warrant Service Officer"`}},
		"kind":  {&FilterError{"kind", 0, "new"}, []string{`unknown kind "new"`, "added, removed, changed"}},
		"list":  {&FilterError{"list", 0, "x"}, []string{`unknown list "x"`, "participating, pending"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			msg := tc.err.Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n\r") {
				t.Errorf("got %q, want one line", msg)
			}
		})
	}
}

func TestFilterNormalize(t *testing.T) {
	f := Filter{States: []string{"texas", "XX"}, Models: []string{"Task Force", "nope"}, Kinds: []Kind{"ADDED"}, Lists: []string{"pending"}}
	_, err := f.Normalize()
	var got []FilterError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		got = append(got, *e.(*FilterError))
	}
	want := []FilterError{{"state", 1, "XX"}, {"model", 1, "nope"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors: got %+v, want %+v", got, want)
	}
	ok, err := Filter{States: []string{"texas"}, Models: []string{"tf"}, Kinds: []Kind{"ADDED"}, Lists: []string{"Pending"}}.Normalize()
	wantF := Filter{States: []string{"TX"}, Models: []string{sheet.TaskForce}, Kinds: []Kind{Added}, Lists: []string{"pending"}}
	if err != nil || !reflect.DeepEqual(ok, wantF) {
		t.Fatalf("got %+v, %v; want %+v, nil", ok, err, wantF)
	}
	// A normalised filter matches what the typed one meant.
	c := &Change{Kind: Added, List: sheet.Pending, After: &sheet.Record{State: "TX", Model: sheet.TaskForce}}
	if !ok.Match(c) {
		t.Errorf("Match: got false, want true")
	}
}
