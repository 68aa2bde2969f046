package diff

import (
	"context"
	"strconv"

	"github.com/watch287g/watch287g/sheet"
)

// This file gives an agreement that comes back after a gap its old
// identity. ICE drops an agreement from one list and lists it again days
// (or months) later, sometimes reworded ("Wyoming State Highway Patrol" →
// "Wyoming Highway State Patrol") or re-signed with another date; read as
// a plain addition, the return looks like a new signing with no past. The
// rules are Compare's own (the exact rounds, then pairScore), so a return
// is believed exactly when a rename between two consecutive lists would be.

// Return pairs an absent agreement with a newly listed one that is the
// same agreement back on the list.
type Return struct {
	// Absent and Added index the slices given to MatchReturns.
	Absent, Added int
	// Match says how identity was resolved (MatchExact, MatchName, …).
	Match string
	// Fields names the normalized fields that differ between the absent
	// agreement's last listed record and its return ("signed" for a
	// re-signing); empty when it came back unchanged.
	Fields []string
}

// returnID marks, in the matching below, an agreement the absent ones do
// not explain. It holds a NUL, which no id given by the store does.
const returnID = "\x00new"

// MatchReturns is MatchReturnsContext without cancellation.
func MatchReturns(absent, added []Agreement) []Return {
	r, _ := MatchReturnsContext(context.Background(), absent, added)
	return r
}

// MatchReturnsContext matches newly listed agreements (added) against
// agreements that left the same list earlier (absent, missing or ended),
// with the rules Compare applies to two consecutive lists: the same state,
// canonical name and model (any signing date: a re-signing is the same
// agreement); then the identity rules of pairScore (a word swap, a typo,
// a fixed state), believed only with the same signing date or MOA
// document (sameEvidence) and, unless the MOA is the same, naming the same
// kind of body (kindsKept). Each absent and each added agreement is used at most
// once. The cost is Compare's: near-linear in the two lengths. The result
// is in the order of added.
func MatchReturnsContext(ctx context.Context, absent, added []Agreement) ([]Return, error) {
	if len(absent) == 0 || len(added) == 0 {
		return nil, ctx.Err()
	}
	recs := make([]sheet.Record, len(added))
	for j := range added {
		recs[j] = added[j].Record
	}
	// The absent agreements' ids are replaced by their indexes, so that
	// the matched ones can be told apart whatever ids the store gave.
	old := make([]Agreement, len(absent))
	for i := range absent {
		old[i] = Agreement{ID: strconv.Itoa(i), Record: absent[i].Record}
	}
	res, err := CompareContext(ctx, "", old, recs, Options{NewID: func(sheet.Record) string { return returnID }, noRemoved: true})
	if err != nil {
		return nil, err
	}
	if len(res.Agreements) != len(added) {
		// Fold merged two added agreements: they did not come from one
		// folded list. Nothing can be said safely.
		return nil, nil
	}
	how := make(map[string]string, len(res.Changed))
	for _, c := range res.Changed {
		how[c.AgreementID] = c.Match
	}
	var out []Return
	for j, a := range res.Agreements {
		if a.ID == returnID {
			continue
		}
		i, err := strconv.Atoi(a.ID)
		if err != nil || i < 0 || i >= len(absent) {
			continue
		}
		m := how[a.ID]
		if m == "" {
			m = MatchExact
		}
		if m != MatchExact && !sameEvidence(&absent[i].Record, &added[j].Record) {
			continue
		}
		if m != MatchExact && !kindsKept(&absent[i].Record, &added[j].Record) {
			continue
		}
		out = append(out, Return{Absent: i, Added: j, Match: m, Fields: changedFields(&absent[i].Record, &added[j].Record)})
	}
	return out, nil
}

// sameEvidence reports whether two records share their signing date or
// MOA document. A return under another name must: across a gap of weeks,
// a reworded name alone ("Oakland" for "Lakeland" is one typo) is too
// little to give a new row an old agreement's past. Under the same name, a
// new date is a re-signing of the same agreement.
func sameEvidence(a, b *sheet.Record) bool {
	if a.Signed != "" && a.Signed == b.Signed {
		return true
	}
	return moaKey(a.MOAURL) != "" && moaKey(a.MOAURL) == moaKey(b.MOAURL)
}

// kindsKept is false when both names say what kind of body they are and
// share no kind, and the MOA document differs: a police department that
// left is not back as the county's sheriff's office ("Haskell Police
// Department", "Haskell County Sheriff's Office", signed the same day).
func kindsKept(a, b *sheet.Record) bool {
	if moaKey(a.MOAURL) != "" && moaKey(a.MOAURL) == moaKey(b.MOAURL) {
		return true
	}
	na, nb := prepare(a.Agency, a.State, a.StateName), prepare(b.Agency, b.State, b.StateName)
	return kindsAgree(na.kinds, nb.kinds)
}
