package diff

import "slices"

// Filter selects changes by state, model, kind and list. An empty slice
// matches everything; values within one slice are alternatives.
type Filter struct {
	States []string `json:"states,omitempty" yaml:"states"`
	Models []string `json:"models,omitempty" yaml:"models"`
	Kinds  []Kind   `json:"kinds,omitempty" yaml:"kinds"`
	Lists  []string `json:"lists,omitempty" yaml:"lists"`
}

// Match reports whether c passes the filter. A changed agreement matches a
// state or model when either its before or after record does, so a
// subscriber for Texas hears when an agreement moves out of Texas.
func (f Filter) Match(c *Change) bool {
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind) {
		return false
	}
	if len(f.Lists) > 0 && !slices.Contains(f.Lists, string(c.List)) {
		return false
	}
	if len(f.States) > 0 && !anyRecord(c, func(state, _ string) bool { return slices.Contains(f.States, state) }) {
		return false
	}
	if len(f.Models) > 0 && !anyRecord(c, func(_, model string) bool { return slices.Contains(f.Models, model) }) {
		return false
	}
	return true
}

// Agreements returns the agreements whose record passes the filter's
// states and models (kinds and lists describe changes, not agreements),
// never nil.
func (f Filter) Agreements(aggs []Agreement) []Agreement {
	out := make([]Agreement, 0, len(aggs))
	for _, a := range aggs {
		if len(f.States) > 0 && !slices.Contains(f.States, a.State) {
			continue
		}
		if len(f.Models) > 0 && !slices.Contains(f.Models, a.Model) {
			continue
		}
		out = append(out, a)
	}
	return out
}

func anyRecord(c *Change, ok func(state, model string) bool) bool {
	if c.Before != nil && ok(c.Before.State, c.Before.Model) {
		return true
	}
	return c.After != nil && ok(c.After.State, c.After.Model)
}
