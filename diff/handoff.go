package diff

import (
	"strings"

	"github.com/watch287g/watch287g/sheet"
)

// This file finds hand-offs: ICE relabels an agreement so thoroughly that
// no name rule can follow it ("Pennsylvania Constable 3rd District" →
// "Dauphin County Constable District 3"), removing one row and adding the
// other in the same list. What stays is the agreement itself: its state,
// model, signing date and county. One agency cannot sign two agreements of
// one model on one day in one county, so a removal and an addition that
// agree on all four, and on nothing else in that list, are one agreement
// renamed. A wrong merge hides a termination, so the rule stays narrow:
// both sides must be alone in their group, and bodies of different kinds
// (a police department, a sheriff's office) are never merged unless the
// MOA document is the same.

// MatchHandoff is the Match of a change found by MatchHandoffs.
const MatchHandoff = "handoff"

// Handoff pairs a removed and an added agreement of one list that are one
// agreement renamed.
type Handoff struct {
	// Removed and Added index the slices given to MatchHandoffs.
	Removed, Added int
}

// handoffKey is what a hand-off keeps.
type handoffKey struct{ state, model, signed, county string }

// MatchHandoffs pairs removed and added agreements of one list that have
// the same state, model, signing date and county (the COUNTY column),
// when the pair is the only removal and the only addition with those four
// values, and the kinds of body named agree (kindsAgree: a sheriff's
// office is not a police department) or the MOA document is the same.
// Agreements without a signing date or county never pair. Linear in the
// two lengths.
func MatchHandoffs(removed, added []sheet.Record) []Handoff {
	key := func(r *sheet.Record) (handoffKey, bool) {
		c := countyOf(r)
		if r.State == "" || r.Signed == "" || c == "" || !knownModel(r.Model) {
			return handoffKey{}, false
		}
		return handoffKey{r.State, r.Model, r.Signed, c}, true
	}
	type group struct{ rem, add, nRem, nAdd int }
	groups := map[handoffKey]*group{}
	var order []handoffKey
	for i := range removed {
		if k, ok := key(&removed[i]); ok {
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
				order = append(order, k)
			}
			g.rem, g.nRem = i, g.nRem+1
		}
	}
	for j := range added {
		if k, ok := key(&added[j]); ok {
			if g := groups[k]; g != nil {
				g.add, g.nAdd = j, g.nAdd+1
			}
		}
	}
	var out []Handoff
	for _, k := range order {
		g := groups[k]
		if g.nRem != 1 || g.nAdd != 1 {
			continue
		}
		ro, rn := &removed[g.rem], &added[g.add]
		o := prepare(ro.Agency, ro.State, ro.StateName)
		n := prepare(rn.Agency, rn.State, rn.StateName)
		moaSame := moaKey(ro.MOAURL) != "" && moaKey(ro.MOAURL) == moaKey(rn.MOAURL)
		if !moaSame && !handoffKinds(ro, rn, o.kinds, n.kinds) {
			continue
		}
		out = append(out, Handoff{Removed: g.rem, Added: g.add})
	}
	return out
}

// handoffKinds reports whether two names may be one body: both name a kind
// and share one, or, when a name says no kind ("Texas National Guard"),
// the TYPE column (County, Municipality, State Agency, …) is the same.
func handoffKinds(ro, rn *sheet.Record, ko, kn map[string]bool) bool {
	if len(ko) > 0 && len(kn) > 0 {
		return kindsAgree(ko, kn)
	}
	t := normSpace(ro.Type)
	return t != "" && strings.EqualFold(t, normSpace(rn.Type))
}

// kindsExclusive reports whether one name is a police body and the other a
// sheriff's office (and neither both): two agencies of one place, never
// one renamed, whatever else they share (Haskell Police Department and
// Haskell County Sheriff's Office, signed the same day). Other changes of
// kind on the same date do happen (a sheriff's office relabelled as the
// county's jail, board or attorney), so only this pair is excluded.
func kindsExclusive(a, b map[string]bool) bool {
	police := func(k map[string]bool) bool { return k["police"] && !k["sheriff"] }
	sheriff := func(k map[string]bool) bool { return k["sheriff"] && !k["police"] }
	return police(a) && sheriff(b) || sheriff(a) && police(b)
}
