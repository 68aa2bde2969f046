package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// filterFlags are the --state --model --kind --list filters shared by
// changes, agreements and the server's API.
type filterFlags struct {
	states, models, kinds, lists string
}

// filterSet says which of the optional filters a command offers: a flag
// is defined once per flag set (agreements has its own single --list), and
// a second definition panics at start.
type filterSet struct{ kind, list bool }

func (f *filterFlags) register(fs *flag.FlagSet, with filterSet) {
	fs.StringVar(&f.states, "state", "", "comma-separated USPS `codes` (TX,FL)")
	fs.StringVar(&f.models, "model", "", "comma-separated `models`: jail_enforcement, warrant_service_officer, task_force")
	if with.kind {
		fs.StringVar(&f.kinds, "kind", "", "comma-separated `kinds`: added, removed, changed")
	}
	if with.list {
		fs.StringVar(&f.lists, "list", "", "comma-separated `lists`: participating, pending")
	}
}

// filter validates the flags and returns the filter they describe.
func (f *filterFlags) filter() (diff.Filter, error) {
	var out diff.Filter
	out.States = splitList(strings.ToUpper(f.states))
	out.Models = splitList(f.models)
	for _, k := range splitList(f.kinds) {
		kind := diff.Kind(k)
		if !slices.Contains([]diff.Kind{diff.Added, diff.Removed, diff.Changed}, kind) {
			return out, fmt.Errorf("%w: --kind takes added, removed, changed; not %q", errUsage, k)
		}
		out.Kinds = append(out.Kinds, kind)
	}
	for _, l := range splitList(f.lists) {
		if l != string(sheet.Participating) && l != string(sheet.Pending) {
			return out, fmt.Errorf("%w: --list takes participating or pending; not %q", errUsage, l)
		}
		out.Lists = append(out.Lists, l)
	}
	for _, s := range out.States {
		if len(s) != 2 {
			return out, fmt.Errorf("%w: --state takes two-letter codes like TX; not %q", errUsage, s)
		}
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseDay parses a --since/--until date; empty is no bound.
func parseDay(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: --%s takes a date YYYY-MM-DD, not %q", errUsage, flagName, s)
	}
	return t, nil
}
