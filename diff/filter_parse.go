package diff

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/watch287g/watch287g/sheet"
)

// This file is the one place a Filter's values are checked and put in the
// form Match compares: the command line, the API and the configuration
// all read filters typed by people ("tx", "Texas", "task-force",
// "Task Force"), and a value Match cannot meet must be refused with a
// message, never left to match nothing.

// FilterError is a filter value that names no state, model, kind or list.
type FilterError struct {
	// Field is the dimension: "state", "model", "kind" or "list" (the
	// flag and query parameter names; the configuration's keys are the
	// plurals).
	Field string
	// Index is the value's position among the values of its field.
	Index int
	// Value is the value as given.
	Value string
}

// Error names the bad value and the accepted ones, on one line.
func (e *FilterError) Error() string {
	var valid string
	switch e.Field {
	case "state":
		codes := make([]string, 0, 60)
		for _, s := range sheet.States() {
			codes = append(codes, s.Code)
		}
		valid = "a USPS code or a name: " + strings.Join(codes, ", ")
	case "model":
		var labels []string
		for _, m := range sheet.Models() {
			labels = append(labels, fmt.Sprintf("%q", m.Label))
		}
		valid = "one of " + strings.Join(sheet.ModelIDs(), ", ") + ", or a label: " + strings.Join(labels, ", ")
	case "kind":
		valid = "one of added, removed, changed, ended, restored, document_added, document_replaced, document_gone, document_back"
	case "list":
		valid = "one of participating, pending"
	}
	return fmt.Sprintf("unknown %s %q (%s)", e.Field, e.Value, valid)
}

// ParseFilter builds a filter from values people type, each normalised as
// Normalize does. The error is the *FilterError of the first bad value.
func ParseFilter(states, models, kinds, lists []string) (Filter, error) {
	f := Filter{States: states, Models: models, Lists: lists}
	for _, k := range kinds {
		f.Kinds = append(f.Kinds, Kind(k))
	}
	out, errs := f.normalize()
	if len(errs) > 0 {
		return Filter{}, errs[0]
	}
	return out, nil
}

// Normalize returns f with every value in the form Match compares,
// duplicates dropped:
//   - states: a USPS code or a state's name, any case ("tx", "Texas",
//     "new york") → "TX", "NY";
//   - models: the constant, its label or its initials, any case, with
//     "-", "_" or spaces, with or without "model" ("task-force",
//     "Task Force", "TASK_FORCE", "tf", "task", "Task Force Model") → "task_force";
//   - kinds and lists: their names, any case.
//
// When a value names nothing, the error joins (errors.Join) one
// *FilterError per bad value, in the order states, models, kinds, lists.
func (f Filter) Normalize() (Filter, error) {
	out, errs := f.normalize()
	if len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, e := range errs {
			joined[i] = e
		}
		return Filter{}, errors.Join(joined...)
	}
	return out, nil
}

func (f Filter) normalize() (Filter, []*FilterError) {
	var out Filter
	var errs []*FilterError
	add := func(dst []string, v string) []string {
		if slices.Contains(dst, v) {
			return dst
		}
		return append(dst, v)
	}
	for i, v := range f.States {
		if code, ok := stateOf(v); ok {
			out.States = add(out.States, code)
		} else {
			errs = append(errs, &FilterError{"state", i, v})
		}
	}
	for i, v := range f.Models {
		if m, ok := modelOf(v); ok {
			out.Models = add(out.Models, m)
		} else {
			errs = append(errs, &FilterError{"model", i, v})
		}
	}
	for i, v := range f.Kinds {
		k := Kind(strings.ToLower(strings.TrimSpace(string(v))))
		switch k {
		case Added, Removed, Changed, Ended, Restored, DocumentAdded, DocumentReplaced, DocumentGone, DocumentBack:
			if !slices.Contains(out.Kinds, k) {
				out.Kinds = append(out.Kinds, k)
			}
		default:
			errs = append(errs, &FilterError{"kind", i, string(v)})
		}
	}
	for i, v := range f.Lists {
		l := strings.ToLower(strings.TrimSpace(v))
		switch sheet.List(l) {
		case sheet.Participating, sheet.Pending:
			out.Lists = add(out.Lists, l)
		default:
			errs = append(errs, &FilterError{"list", i, v})
		}
	}
	return out, errs
}

// letters is s in lower case, letters only: the form in which typed
// states and models are compared.
func letters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// stateOf reads a typed state: a code or a name from sheet's table.
func stateOf(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if c := strings.ToUpper(v); len(c) == 2 && sheet.ValidState(c) {
		return c, true
	}
	l := letters(v)
	if l == "" {
		return "", false
	}
	for _, s := range sheet.States() {
		if letters(s.Name) == l {
			return s.Code, true
		}
	}
	return "", false
}

// modelOf reads a typed model: its constant, its label or its initials
// (tf, wso, je), each with or without a trailing "model" (tfm, jem).
func modelOf(v string) (string, bool) {
	l := letters(v)
	for _, m := range sheet.Models() {
		initials := ""
		for _, w := range strings.Fields(m.Label) {
			initials += letters(w[:1])
		}
		// The label's first word alone names a model too ("jail",
		// "warrant", "task"): each is one model's.
		first := letters(strings.Fields(m.Label)[0])
		for _, form := range []string{letters(m.ID), letters(m.Label), initials, first} {
			if l == form || l == form+"model" || l == form+"m" && form == initials {
				return m.ID, true
			}
		}
	}
	return "", false
}
