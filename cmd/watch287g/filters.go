package main

import (
	"errors"
	"flag"
	"fmt"
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
	fs.StringVar(&f.states, "state", "", "comma-separated USPS `codes` or names (TX,Florida)")
	fs.StringVar(&f.models, "model", "", "comma-separated `models`: "+strings.Join(sheet.ModelIDs(), ", ")+", or their labels (\"Task Force\")")
	if with.kind {
		fs.StringVar(&f.kinds, "kind", "", "comma-separated `kinds`: added, removed (missing), changed, ended, restored, document_added, document_replaced, document_gone, document_back")
	}
	if with.list {
		fs.StringVar(&f.lists, "list", "", "comma-separated `lists`: participating, pending")
	}
}

// filter validates the flags and returns the filter they describe; the
// values are read by diff.ParseFilter, the one set of rules.
func (f *filterFlags) filter() (diff.Filter, error) {
	out, err := diff.ParseFilter(splitList(f.states), splitList(f.models), splitList(f.kinds), splitList(f.lists))
	if fe := (*diff.FilterError)(nil); errors.As(err, &fe) {
		return out, fmt.Errorf("%w: --%s: %v", errUsage, fe.Field, err)
	}
	return out, err
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

// dateFlags are --since, --until and --on: whole published days, both
// ends included, as a reader means "changes from June 1 to June 30".
type dateFlags struct{ since, until, on string }

func (d *dateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.since, "since", "", "only changes published on or after this `date` (YYYY-MM-DD)")
	fs.StringVar(&d.until, "until", "", "only changes published on or before this `date` (YYYY-MM-DD, included)")
	fs.StringVar(&d.on, "on", "", "only changes published on this `date` (YYYY-MM-DD; the same as --since D --until D)")
}

// bounds turns the flags into the store's query bounds; both are
// inclusive days, as ChangeQuery's are.
func (d *dateFlags) bounds() (since, until time.Time, err error) {
	if d.on != "" {
		if d.since != "" || d.until != "" {
			return since, until, fmt.Errorf("%w: --on is one day; give it alone, or --since and --until", errUsage)
		}
		d.since, d.until = d.on, d.on
	}
	if since, err = parseDay("since", d.since); err != nil {
		return since, until, err
	}
	last, err := parseDay("until", d.until)
	if err != nil {
		return since, until, err
	}
	if !since.IsZero() && !last.IsZero() && last.Before(since) {
		return since, until, fmt.Errorf("%w: --until %s is before --since %s", errUsage, d.until, d.since)
	}
	return since, last, nil
}

// parseDay parses one date flag; empty is no bound.
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
