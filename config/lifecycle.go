package config

import "github.com/watch287g/watch287g/diff"

// Lifecycle is the rule that confirms an absence as an ending (issue 11,
// docs/lifecycle.md): an agreement missing from ICE's list is "ended"
// once at least ConfirmDays days have passed since the first list without
// it AND at least ConfirmLists accepted lists after that one were still
// without it; until then it is "missing" (removed, confirmed: false).
type Lifecycle struct {
	ConfirmDays  int `yaml:"confirm_days"`
	ConfirmLists int `yaml:"confirm_lists"`
}

// Rule is the store's confirmation rule.
func (l Lifecycle) Rule() diff.ConfirmRule {
	return diff.ConfirmRule{MinDays: l.ConfirmDays, MinLists: l.ConfirmLists}
}

// validateLifecycle returns the problems of l, each with its key.
func validateLifecycle(l Lifecycle, bad func(key, format string, args ...any)) {
	if err := l.Rule().Validate(); err != nil {
		bad("lifecycle", "%v", err)
		return
	}
	// A pending agency is linked to its signing up to MaxPromotionDays
	// after it leaves; a shorter rule would end it first.
	if l.ConfirmDays < diff.MaxPromotionDays {
		bad("lifecycle.confirm_days", "must be at least %d (a pending agency may be listed as participating up to %d days after it leaves the pending list), not %d",
			diff.MaxPromotionDays, diff.MaxPromotionDays, l.ConfirmDays)
	}
	if l.ConfirmLists < 1 {
		bad("lifecycle.confirm_lists", "must be at least 1 (one list alone never confirms an ending), not %d", l.ConfirmLists)
	}
}
