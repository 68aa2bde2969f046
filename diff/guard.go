package diff

import (
	"fmt"
	"strconv"

	"github.com/watch287g/watch287g/sheet"
)

// Defaults of Guard, used for a zero field.
const (
	// DefaultMaxDropShare is the share of the previous agreements a file
	// may drop before it looks broken.
	DefaultMaxDropShare = 0.10
	// DefaultMaxDropRows is the number of agreements a file may drop
	// whatever their share: small lists lose a few rows legitimately.
	DefaultMaxDropRows = 20
)

// Guard decides when a new file looks broken rather than changed: it is
// held back (quarantined) when the agreements it drops exceed both
// MaxDropShare and MaxDropRows of the list's previous agreements, or when
// a file read as the pending list is mostly participating agreements. A
// zero field takes its default.
type Guard struct {
	MaxDropShare float64 `yaml:"max_drop_share"`
	MaxDropRows  int     `yaml:"max_drop_rows"`
}

// WithDefaults returns g with each zero (or negative) field set to its
// default: the one place the defaults are applied.
func (g Guard) WithDefaults() Guard {
	if g.MaxDropShare <= 0 {
		g.MaxDropShare = DefaultMaxDropShare
	}
	if g.MaxDropRows <= 0 {
		g.MaxDropRows = DefaultMaxDropRows
	}
	return g
}

// GuardReason says why a Guard held a file back; empty when it did not.
type GuardReason string

// The reasons a Guard holds a file back.
const (
	// GuardDrops: the file drops more agreements than the guard allows.
	GuardDrops GuardReason = "drops"
	// GuardParticipatingAsPending: read as the pending list (no SIGNED
	// column), but most of its agreements are participating agreements:
	// likely the participating list with its SIGNED column renamed.
	// Announcing it would tell every subscriber that hundreds of signed
	// agreements are "new pending agencies".
	GuardParticipatingAsPending GuardReason = "participating_as_pending"
)

// Verdict is a Guard's decision on one comparison, with the counts it
// decided on, so callers can store and explain it without re-deriving.
type Verdict struct {
	Quarantine bool        `json:"quarantine"`
	Reason     GuardReason `json:"reason,omitempty"`
	// Dropped counts agreements that left the program (Result.Dropped).
	Dropped int `json:"dropped"`
	// Previous is the list's agreement count before the file.
	Previous int `json:"previous"`
	// Agreements is the file's agreement count.
	Agreements int `json:"agreements"`
	// OnParticipating is Result.OnParticipating.
	OnParticipating int `json:"on_participating,omitempty"`
	// Guard is the guard applied, defaults filled in.
	Guard Guard `json:"guard"`
}

// Check decides whether res, the comparison of a new file of its list
// with the prev agreements before it, looks broken.
func (g Guard) Check(prev int, res *Result) Verdict {
	g = g.WithDefaults()
	v := Verdict{Dropped: res.Dropped(), Previous: prev, Agreements: len(res.Agreements), OnParticipating: res.OnParticipating, Guard: g}
	switch {
	case float64(v.Dropped) > g.MaxDropShare*float64(prev) && v.Dropped > g.MaxDropRows:
		v.Quarantine, v.Reason = true, GuardDrops
	case res.List == sheet.Pending && res.OnParticipating > g.MaxDropRows && 2*res.OnParticipating > len(res.Agreements):
		v.Quarantine, v.Reason = true, GuardParticipatingAsPending
	}
	return v
}

// String explains a quarantine in one line for the snapshot's reason
// (shown by `snapshots` and the web); empty when the file passed.
func (v Verdict) String() string {
	switch v.Reason {
	case GuardDrops:
		return fmt.Sprintf("drops %d of the %d agreements (guard: more than %s%% and more than %d)",
			v.Dropped, v.Previous, strconv.FormatFloat(v.Guard.MaxDropShare*100, 'f', -1, 64), v.Guard.MaxDropRows)
	case GuardParticipatingAsPending:
		return fmt.Sprintf("read as a pending list (no SIGNED column), but %d of its %d agreements are already participating agreements: is it the participating list with its SIGNED column renamed?",
			v.OnParticipating, v.Agreements)
	}
	return ""
}
