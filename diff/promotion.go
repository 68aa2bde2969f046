package diff

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// This file links a pending agency that leaves the pending list to the
// participating agreement it became. Compare's PromotedTo looks only at
// the participating list of the same moment, under the same state and a
// close name, and takes any model: it misses agencies listed as
// participating a few days after they left the pending list, or listed
// with the name or state fixed ("Texas County's SO" → "Texas County SO",
// Kershaw County SO from FL to SC), and it links to agreements of another
// model, or to agreements listed long before the pending entry appeared.
// LinkPromotions decides over a window of time instead.

// MaxPromotionDays is how long after a pending agency leaves its
// participating agreement may first be listed and still be its signing.
// Over the corpus, promoted agencies were listed the same day to 4 days
// later.
const MaxPromotionDays = 7

// PendingExit is a pending agreement that left the pending list.
type PendingExit struct {
	// Agreement is the pending agreement as last listed; its Since is
	// the published date it first appeared on the pending list.
	Agreement
	// Left is the published date of the first pending list without it.
	Left string
}

// Promotion links a pending exit to a participating agreement.
type Promotion struct {
	// Exit and Signing index the slices given to LinkPromotions.
	Exit, Signing int
	// Match is MatchExact (same state and canonical name), MatchName (a
	// name fix within the state) or MatchState (the same name, the state
	// fixed).
	Match string
	// Days from the exit to the signing's first listing; negative when
	// the participating list had it first.
	Days int
}

// minPromotionSimilarity is how close two canonical names of one state
// and model must be to link a pending exit to a signing when the strict
// name rule refuses them: "texas countys sheriffs office" and "texas
// county sheriffs office" are 0.97 alike; different agencies of one
// state with the same kind of body rarely pass 0.85.
const minPromotionSimilarity = 0.9

// LinkPromotions links pending exits to participating agreements (signings,
// each with Since the published date it was first listed as participating)
// that are the same agency: each exit to at most one signing, each signing
// to one exit first, then to more exits whose names (not only their
// state fix) match it. A signing can be an exit's only
// when:
//   - the models are the same (a pending task force is not a signed jail
//     agreement);
//   - it was first listed no earlier than the exit's pending entry first
//     appeared (Since; when unknown, no earlier than MaxPromotionDays
//     before the exit), and at most MaxPromotionDays after the exit left;
//   - the agency is the same: within a state, the same canonical name,
//     or names the strict rule accepts (sameAgency), or the same core, or
//     names at least minPromotionSimilarity alike naming the same kind of
//     body; across states, the same canonical name (a fixed state).
//
// The best links are taken first: an exact name before a name fix before
// a state fix, then the signing closest in time, then the order of the
// inputs. The cost is near-linear: signings are indexed by agency.
func LinkPromotions(exits []PendingExit, signings []Agreement) []Promotion {
	return LinkPromotionsIndexed(exits, signings, nil)
}

// LinkPromotionsIndexed is LinkPromotions with the agency index over the
// signings kept in index from one call to the next (see IndexCache): an
// import links each pending list's exits against forty days of signings,
// which change by a few from one call to the next, and indexing them all
// afresh each time was most of the linking. The result is the same.
func LinkPromotionsIndexed(exits []PendingExit, signings []Agreement, index *IndexCache) []Promotion {
	if len(exits) == 0 || len(signings) == 0 {
		return nil
	}
	ai := index.index(signings)
	cross := make(map[[2]string][]int, len(signings)) // model, canonical name → signings
	days := make([]time.Time, len(signings))          // first listed; zero when unreadable
	for i := range ai.entries {
		e := &ai.entries[i]
		k := [2]string{e.rec.Model, e.name.key}
		if len(cross[k]) < maxPosting {
			// More signings of one name than this say nothing
			// about which is which (see maxPosting).
			cross[k] = append(cross[k], i)
		}
		days[i], _ = parseDay(signings[i].Since)
	}
	type cand struct {
		exit, sig, rank, days int
		how                   string
	}
	var cands []cand
	for x := range exits {
		ex := &exits[x]
		if !knownModel(ex.Model) {
			continue
		}
		e := entry{rec: &ex.Record}
		e.full()
		left, ok := parseDay(ex.Left)
		if !ok {
			continue
		}
		lo := left.AddDate(0, 0, -MaxPromotionDays)
		if s, ok := parseDay(ex.Since); ok {
			lo = s
		}
		hi := left.AddDate(0, 0, MaxPromotionDays)
		consider := func(i int, rank int, how string) {
			s := &signings[i]
			if s.Model != ex.Model {
				return
			}
			t := days[i]
			if t.IsZero() || t.Before(lo) || t.After(hi) {
				return
			}
			cands = append(cands, cand{x, i, rank, int(t.Sub(left).Hours() / 24), how})
		}
		for _, k := range ai.candidates(&e) {
			i := int(k)
			if rank, how := promotionName(&e, &ai.entries[i]); rank > 0 {
				consider(i, rank, how)
			}
		}
		for _, i := range cross[[2]string{ex.Model, e.name.key}] {
			if signings[i].State != ex.State {
				consider(i, 1, MatchState)
			}
		}
	}
	abs := func(n int) int {
		if n < 0 {
			return -n
		}
		return n
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(abs(a.days), abs(b.days)); c != 0 {
			return c
		}
		if c := cmp.Compare(a.exit, b.exit); c != 0 {
			return c
		}
		return cmp.Compare(a.sig, b.sig)
	})
	usedExit := make([]bool, len(exits))
	usedSig := make([]bool, len(signings))
	var out []Promotion
	for _, c := range cands {
		if usedExit[c.exit] || usedSig[c.sig] {
			continue
		}
		usedExit[c.exit], usedSig[c.sig] = true, true
		out = append(out, Promotion{Exit: c.exit, Signing: c.sig, Match: c.how, Days: c.days})
	}
	// A pending agency listed twice under two names ("Texas County's
	// Sheriff's Office", then "Texas County Sheriff's Office") leaves
	// twice for one signing: an exit left over may share a signing
	// already taken when its name, not only its state, says so.
	for _, c := range cands {
		if usedExit[c.exit] || c.rank < 2 {
			continue
		}
		usedExit[c.exit] = true
		out = append(out, Promotion{Exit: c.exit, Signing: c.sig, Match: c.how, Days: c.days})
	}
	slices.SortFunc(out, func(a, b Promotion) int { return cmp.Compare(a.Exit, b.Exit) })
	return out
}

// promotionName ranks how surely two agencies of one state are the same:
// 4 for the same canonical name, 3 for a name the strict rule or the
// core accepts, 2 for names minPromotionSimilarity alike of the same kind
// and first word, 0 for different agencies. (1 is a state fix, ranked by
// the caller.)
func promotionName(a, b *entry) (int, string) {
	if a.rec.State != b.rec.State {
		return 0, ""
	}
	if a.name.key == b.name.key {
		return 4, MatchExact
	}
	if sameAgency(a, b) || a.name.core != "" && a.name.core == b.name.core {
		return 3, MatchName
	}
	// The cheap tests first: the similarity is an edit distance.
	if !a.name.long && !b.name.long && len(a.name.kinds) > 0 && kindsAgree(a.name.kinds, b.name.kinds) &&
		strings.HasPrefix(a.name.key, firstWord(b.name.key)) && similarity(a.name.key, b.name.key) >= minPromotionSimilarity {
		return 2, MatchName
	}
	return 0, ""
}

// firstWord is the first word of a canonical key.
func firstWord(k string) string {
	if i := strings.IndexByte(k, ' '); i >= 0 {
		return k[:i+1]
	}
	return k
}

// PromotionOpen reports whether a pending exit that left on left (a
// published date) may still be linked to a signing listed on asOf: within
// MaxPromotionDays. After that the exit is a pending agency dropped.
func PromotionOpen(left, asOf string) bool {
	d, ok := daysBetween(left, asOf)
	return ok && d <= MaxPromotionDays
}
