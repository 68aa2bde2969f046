package diff

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/watch287g/watch287g/sheet"
)

// Fold turns records into agreements. Exact duplicate rows (every
// normalized field equal) fold into one, with a warning naming both rows.
// Rows that repeat the same agreement — same state, agency (canonical
// name), model and signing date — but differ elsewhere (TYPE, COUNTY, the
// MOA link) fold too, keeping the first row, with a warning naming the
// fields that differ: one agency cannot sign two agreements of one model on
// one day, and ICE does clean such repeats later, which must not read as a
// termination. Ids are left empty.
func Fold(recs []sheet.Record) ([]Agreement, []sheet.Warning) {
	m := getKeyMemo()
	defer putKeyMemo(m)
	f := fold(recs, m, m.table(len(recs), len(recs), 0))
	return f.aggs, f.warns
}

// folded is what fold returns: the agreements, and for each its
// canonical agency name and its group in the table fold was given (keys
// and groups are the memo's buffers, valid until its next fold).
type folded struct {
	aggs   []Agreement
	keys   []keyed
	groups []int32
	warns  []sheet.Warning
}

// fold is Fold over the table t, where each agreement notes its exactKey
// (t may hold the old agreements' queues already: see CompareContext).
func fold(recs []sheet.Record, m *keyMemo, t *keyTable) folded {
	f := folded{aggs: make([]Agreement, 0, len(recs)), keys: reuse(m.nkeys, len(recs))[:0],
		groups: reuse(m.groups, len(recs))[:0]}
	for _, r := range recs {
		ak := m.key(r.Agency)
		k := exactKey{r.State, ak.key, r.Model, r.Signed}
		h := exactHash(r.State, &ak, r.Model, r.Signed)
		g, i := t.note(h, &k, len(f.aggs))
		if i < len(f.aggs) {
			first := f.aggs[i].Record
			fields := changedFields(&first, &r)
			msg := fmt.Sprintf("row %d duplicates row %d; folded into one agreement", r.Row, first.Row)
			if len(fields) > 0 {
				msg = fmt.Sprintf("row %d repeats the agreement of row %d with different %s; kept row %d", r.Row, first.Row, strings.Join(fields, ", "), first.Row)
			}
			f.warns = append(f.warns, sheet.Warning{Row: r.Row, Column: "LAW ENFORCEMENT AGENCY", Message: msg})
			continue
		}
		f.aggs = append(f.aggs, Agreement{Record: r})
		f.keys = append(f.keys, ak)
		f.groups = append(f.groups, g)
	}
	m.nkeys, m.groups = f.keys, f.groups
	return f
}

// Match values: how Compare resolved a changed agreement's identity.
const (
	// MatchExact: same state, same agency (canonical name), same model.
	MatchExact = "exact"
	// MatchName: same state and model, agency name one typo or one
	// rewording apart, with distinctive words in common.
	MatchName = "name"
	// MatchSigned: same state, model and signing date, names close.
	MatchSigned = "signed"
	// MatchMOA: same state, model and MOA document.
	MatchMOA = "moa"
	// MatchState: same agency and model, the state fixed.
	MatchState = "state"
	// MatchModel: same state and agency, an unrecognised model label fixed.
	MatchModel = "model"
)

// entry is one agreement prepared for identity resolution (Compare's
// exact rounds read canonical names only, keyed); key is the canonical
// name where a caller needs it. name is nil until full or fullFrom: a
// name is shared between the entries of one agency and never changed.
type entry struct {
	rec  *sheet.Record
	key  string
	name *name
}

// full fills e.name.
func (e *entry) full() {
	n := prepare(e.rec.Agency, e.rec.State, e.rec.StateName)
	e.name = &n
}

// fullFrom fills e.name from the memo m.
func (e *entry) fullFrom(m *keyMemo) {
	e.name = m.name(e.rec.Agency, e.rec.State, e.rec.StateName)
}

// Compare is CompareContext without cancellation, for callers that diff
// two files on a command line.
func Compare(list sheet.List, old []Agreement, cur []sheet.Record, opt Options) *Result {
	res, _ := CompareContext(context.Background(), list, old, cur, opt)
	return res
}

// CompareContext matches the old agreements of list to the current records
// and reports what changed. Matching runs in rounds, each over what the
// previous ones left: the same state, canonical agency name, model and
// signing date; the same without the date (a corrected date); then identity
// resolution, where the pairs that pass the rules of pairScore are scored
// and the best pairs are taken greedily. The candidates for each agreement
// are looked up in an index (see candidates.go), so the cost grows with
// the number of agreements, not with its square. It returns ctx.Err()
// when ctx ends first, checked every few hundred agreements.
func CompareContext(ctx context.Context, list sheet.List, old []Agreement, cur []sheet.Record, opt Options) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{List: list}
	m := getKeyMemo()
	defer putKeyMemo(m)
	// The old agreements queue under their exactKeys in the table the new
	// records fold in, so that the first exact round is one look-up per
	// agreement. Consecutive lists share most keys.
	t := m.table(len(old)+len(cur), max(len(old), len(cur))+16, len(old))
	m.okeys = reuse(m.okeys, len(old))
	okeys := m.okeys
	for i := range old {
		r := &old[i].Record
		okeys[i] = m.key(r.Agency)
		k := exactKey{r.State, okeys[i].key, r.Model, r.Signed}
		t.queue(exactHash(r.State, &okeys[i], r.Model, r.Signed), &k, i)
	}
	f := fold(cur, m, t)
	aggs, keys := f.aggs, f.keys
	res.Warnings = f.warns

	m.matchOf = reuse(m.matchOf, len(aggs))
	m.how = reuse(m.how, len(aggs))
	m.oldUsed = reuse(m.oldUsed, len(old))
	matchOf := m.matchOf // new index → old index, -1 when none
	how, oldUsed := m.how, m.oldUsed
	left := 0
	for j := range aggs {
		matchOf[j] = t.popGroup(f.groups[j])
		if i := matchOf[j]; i >= 0 {
			oldUsed[i], how[j] = true, MatchExact
		} else {
			left++
		}
	}
	if unused := len(old) - (len(aggs) - left); left > 0 && unused > 0 {
		undatedRound(m.table(unused, unused, len(old)), old, okeys, aggs, keys, oldUsed, matchOf, how)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	if err := resolve(ctx, old, aggs, m, oldUsed, matchOf, how); err != nil {
		return nil, err
	}

	// Build the new list, the added and the changed.
	var pending *agencyIndex // built on first use
	n := 0
	for j := range aggs {
		if j%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		a := &aggs[j]
		if i := matchOf[j]; i >= 0 {
			a.ID, a.Since = old[i].ID, old[i].Since
			fields := changedFields(&old[i].Record, &a.Record)
			if len(fields) == 0 {
				res.Unchanged++
			} else {
				before, after := old[i].Record, a.Record
				res.Changed = append(res.Changed, Change{
					Kind: Changed, List: list, AgreementID: a.ID,
					Before: &before, After: &after, Fields: fields, Match: how[j],
				})
			}
		} else {
			n++
			if opt.NewID != nil {
				a.ID = opt.NewID(a.Record)
			} else {
				a.ID = fmt.Sprintf("new-%d", n)
			}
			a.Since = opt.Published
			after := a.Record
			c := Change{Kind: Added, List: list, AgreementID: a.ID, After: &after}
			if list == sheet.Participating && len(opt.Pending) > 0 {
				if pending == nil {
					pending = opt.PendingIndex.indexFrom(opt.Pending, m)
				}
				e := entry{rec: &a.Record}
				e.fullFrom(m)
				c.WasPendingSince = pendingSince(&e, pending, opt.Pending)
			}
			res.Added = append(res.Added, c)
		}
	}
	res.Agreements = aggs
	if list == sheet.Pending && len(opt.Participating) > 0 {
		res.OnParticipating = countOn(aggs, keys, opt.Participating, m)
	}
	var participating *agencyIndex // built on first use
	for i := range old {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if oldUsed[i] || opt.noRemoved {
			continue
		}
		before := old[i].Record
		c := Change{Kind: Removed, List: list, AgreementID: old[i].ID, Before: &before}
		if list == sheet.Pending && len(opt.Participating) > 0 {
			if participating == nil {
				participating = opt.ParticipatingIndex.indexFrom(opt.Participating, m)
			}
			e := entry{rec: &old[i].Record}
			e.fullFrom(m)
			c.PromotedTo = promotedTo(&e, participating, opt.Participating)
		}
		res.Removed = append(res.Removed, c)
	}
	sortChanges(res.Added)
	sortChanges(res.Removed)
	sortChanges(res.Changed)
	return res, nil
}

// undatedRound is the second exact round: the same state, canonical
// agency name and model, the signing date aside (a corrected date). Each
// new agreement left, in order, takes the first old one left of its key.
// okeys and keys are the canonical names of old and aggs; t is an empty
// table.
func undatedRound(t *keyTable, old []Agreement, okeys []keyed, aggs []Agreement, keys []keyed, oldUsed []bool, matchOf []int, how []string) {
	for i := range old {
		if !oldUsed[i] {
			r := &old[i].Record
			k := exactKey{r.State, okeys[i].key, r.Model, ""}
			t.queue(exactHash(r.State, &okeys[i], r.Model, ""), &k, i)
		}
	}
	for j := range aggs {
		if matchOf[j] >= 0 {
			continue
		}
		r := &aggs[j].Record
		k := exactKey{r.State, keys[j].key, r.Model, ""}
		if i := t.pop(exactHash(r.State, &keys[j], r.Model, ""), &k); i >= 0 {
			oldUsed[i], matchOf[j], how[j] = true, i, MatchExact
		}
	}
}

// countOn counts the agreements of aggs (whose canonical names are keys)
// that list also holds: the same state, canonical agency name and model.
func countOn(aggs []Agreement, keys []keyed, list []Agreement, m *keyMemo) int {
	on := m.table(len(list), len(list), 0)
	for i := range list {
		r := &list[i].Record
		ak := m.key(r.Agency)
		k := exactKey{r.State, ak.key, r.Model, ""}
		on.note(exactHash(r.State, &ak, r.Model, ""), &k, i)
	}
	n := 0
	for j := range aggs {
		r := &aggs[j].Record
		k := exactKey{r.State, keys[j].key, r.Model, ""}
		if on.has(exactHash(r.State, &keys[j], r.Model, ""), &k) {
			n++
		}
	}
	return n
}

// exactKey is what the exact rounds match on.
type exactKey struct{ state, agency, model, signed string }

// pair is one candidate old/new match with its score.
type pair struct {
	old, new int
	score    float64
	how      string
}

// resolve matches what the exact rounds left, best pairs first. Each old
// agreement is scored against its candidates only (pairCandidates), which
// include every pair pairScore can accept.
func resolve(ctx context.Context, old, aggs []Agreement, m *keyMemo, oldUsed []bool, matchOf []int, how []string) error {
	var lo, ln []int
	for i := range old {
		if !oldUsed[i] {
			lo = append(lo, i)
		}
	}
	for j := range aggs {
		if matchOf[j] < 0 {
			ln = append(ln, j)
		}
	}
	if len(lo) == 0 || len(ln) == 0 {
		return nil
	}
	// Entries for what is left only, in the order of the lists, so that
	// pairs order as they would by their indexes in the lists.
	olds := make([]entry, len(lo))
	for k, i := range lo {
		olds[k] = entry{rec: &old[i].Record}
		olds[k].fullFrom(m)
	}
	news := make([]entry, len(ln))
	for k, j := range ln {
		news[k] = entry{rec: &aggs[j].Record}
		news[k].fullFrom(m)
	}
	col := newCollector(nil, len(news))
	col.tab = pairTable(news)
	var pairs []pair
	for k := range olds {
		if k%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		o := &olds[k]
		for _, j := range pairCandidates(col, o) {
			if s, h, ok := pairScore(o, &news[j]); ok {
				pairs = append(pairs, pair{k, int(j), s, h})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.old, b.old); c != 0 {
			return c
		}
		return cmp.Compare(a.new, b.new)
	})
	for _, p := range pairs {
		i, j := lo[p.old], ln[p.new]
		if oldUsed[i] || matchOf[j] >= 0 {
			continue
		}
		oldUsed[i] = true
		matchOf[j] = i
		how[j] = p.how
	}
	return nil
}

// knownModel reports whether m is one of the normalized model constants.
func knownModel(m string) bool {
	return sheet.ValidModel(m)
}

// pairScore decides whether old agreement o and new record n may be the
// same agreement, and how strongly. The rules, strictest first:
//   - the model must agree, unless one side's label is unrecognised and the
//     labels are close;
//   - across states, the canonical names must be equal and the signing date,
//     the MOA, or the state's name (a typo) must agree too;
//   - within a state: the same MOA document suffices; or names that are
//     equal once the state's own code and name are dropped; else the distinctive
//     words must correspond one typo apart, the kinds of body must agree
//     and most words must be shared; or, on the same signing date, the
//     distinctive words may be a little further apart ("Freedom"→"Freeborn")
//     and the kind of body may differ ("Pinal County Sheriff's Office" →
//     "Pinal County Attorney's Office").
//
// The word-by-word rules are not applied to a name past maxNameTokens
// words (see name.long). Every pair accepted here carries evidence
// pairCandidates looks up; a new rule needs its evidence indexed there.
func pairScore(o, n *entry) (float64, string, bool) {
	ro, rn := o.rec, n.rec
	how := ""
	if ro.Model != rn.Model {
		if knownModel(ro.Model) && knownModel(rn.Model) {
			return 0, "", false
		}
		if !modelClose(ro, rn) {
			return 0, "", false
		}
		how = MatchModel
	}
	moaSame := ro.MOAURL != "" && strings.EqualFold(ro.MOAURL, rn.MOAURL) && strings.Contains(strings.ToLower(ro.MOAURL), ".pdf")
	signedSame := ro.Signed != "" && ro.Signed == rn.Signed
	sameName := o.name.key == n.name.key
	// The overlap is needed by one rule and the score; the score, with its
	// full edit distance of the names, only once a rule has accepted.
	ov, ovDone := 0.0, false
	overlapOnce := func() float64 {
		if !ovDone {
			ov, ovDone = overlap(o.name.toks, n.name.toks), true
		}
		return ov
	}
	score := func() float64 {
		score := overlapOnce() + similarity(o.name.key, n.name.key)
		if moaSame {
			score += 2
		}
		if signedSame {
			score += 1
		}
		if ro.Signed != "" && rn.Signed != "" && ro.Signed != rn.Signed {
			score -= 0.5
		}
		if normSpace(ro.Type) == normSpace(rn.Type) {
			score += 0.2
		}
		if c1, c2 := countyOf(ro), countyOf(rn); c1 != "" && c1 == c2 {
			score += 0.3
		}
		return score
	}

	if ro.State != rn.State {
		if !sameName {
			return 0, "", false
		}
		stateTypo := ro.State == "" || rn.State == "" || similarity(normLabel(ro.StateName), normLabel(rn.StateName)) >= 0.7
		if !(signedSame || moaSame || stateTypo) {
			return 0, "", false
		}
		if how == "" {
			how = MatchState
		}
		return score(), how, true
	}
	if how == MatchModel {
		// A fixed model label is only believed for the same agency.
		if !sameName && !moaSame {
			return 0, "", false
		}
		return score(), how, true
	}
	wordwise := !o.name.long && !n.name.long
	if moaSame && wordwise && (len(o.name.distinct) == 0 && len(n.name.distinct) == 0 || correspondNear(o, n)) {
		// The same MOA document, and a word of the name in common: ICE
		// has pasted one agency's link on another's row, so the link
		// alone does not carry identity.
		return score(), MatchMOA, true
	}
	if wordwise && correspondAll(o.name.distinct, n.name.distinct) && kindsAgree(o.name.kinds, n.name.kinds) && overlapOnce() >= minOverlap(o, n) {
		return score(), MatchName, true
	}
	if o.name.core != "" && o.name.core == n.name.core {
		// The names differ only in the state's own code or name.
		return score(), MatchName, true
	}
	if wordwise && signedSame && correspondNear(o, n) && !kindsExclusive(o.name.kinds, n.name.kinds) {
		return score(), MatchSigned, true
	}
	return 0, "", false
}

// correspondNear is the relaxed name rule used with strong evidence.
func correspondNear(a, b *entry) bool {
	_, ok := correspond(a.name.distinct, b.name.distinct, tokenNear)
	return ok
}

// minOverlap is the share of words two names must have in common to match
// on the name alone: half, or three fifths when neither has a
// distinctive word, since then the generic words are all there is.
func minOverlap(a, b *entry) float64 {
	if len(a.name.distinct) == 0 && len(b.name.distinct) == 0 {
		return 0.6
	}
	return 0.5
}

// modelClose reports whether two model labels, one of them unrecognised,
// are one misspelling apart ("Task Forse Modle" and "Task Force Model").
func modelClose(a, b *sheet.Record) bool {
	forms := func(r *sheet.Record) []string {
		f := []string{normLabel(r.ModelRaw), normLabel(r.Model)}
		if l := sheet.ModelLabel(r.Model); l != r.Model {
			f = append(f, normLabel(l+" model"))
		}
		return f
	}
	for _, x := range forms(a) {
		for _, y := range forms(b) {
			if x != "" && y != "" && similarity(x, y) >= 0.75 {
				return true
			}
		}
	}
	return false
}

// normLabel is a loose form of a label (a model or a state name) for typo
// tolerance: lower case letters only.
func normLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normSpace trims and collapses white space.
func normSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// countyOf returns the COUNTY column, ignoring spreadsheet error leftovers.
func countyOf(r *sheet.Record) string {
	c := strings.ToLower(normSpace(r.Extra["COUNTY"]))
	if strings.HasPrefix(c, "#") {
		return ""
	}
	return c
}

// changedFields names the normalized fields that differ between before and
// after. Raw-only differences (agency_raw, model_raw, signed_raw, moa_raw,
// moa_text, the row number) are not changes: they are how a cell was typed,
// and ICE retypes cells (trailing blanks, "link pending"→"link") constantly.
// Free-text columns (state_name, type, extra.*) compare with white space
// collapsed, and state_name case-insensitively, for the same reason.
func changedFields(before, after *sheet.Record) []string {
	var f []string
	if before.State != after.State {
		f = append(f, "state")
	}
	// Equal cells are equal once normalized: most are, and normalizing
	// allocates (changedFields runs for every matched agreement).
	if before.StateName != after.StateName && !strings.EqualFold(normSpace(before.StateName), normSpace(after.StateName)) {
		f = append(f, "state_name")
	}
	if before.Agency != after.Agency {
		f = append(f, "agency")
	}
	if before.Type != after.Type && normSpace(before.Type) != normSpace(after.Type) {
		f = append(f, "type")
	}
	if before.Model != after.Model {
		f = append(f, "model")
	}
	if before.Signed != after.Signed {
		f = append(f, "signed")
	}
	if before.MOAURL != after.MOAURL {
		f = append(f, "moa_url")
	}
	if (len(before.Extra) > 0 || len(after.Extra) > 0) && !maps.Equal(before.Extra, after.Extra) {
		keys := slices.Sorted(maps.Keys(before.Extra))
		for k := range after.Extra {
			if _, ok := before.Extra[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if normSpace(before.Extra[k]) != normSpace(after.Extra[k]) {
				f = append(f, "extra."+k)
			}
		}
	}
	return f
}

// sameAgency reports whether a pending and a participating agreement name
// the same agency in the same state: equal canonical names, or names that
// pass the strict name rule.
func sameAgency(a, b *entry) bool {
	if a.rec.State != b.rec.State {
		return false
	}
	if a.name.key == b.name.key {
		return true
	}
	if a.name.long || b.name.long {
		return false
	}
	return correspondAll(a.name.distinct, b.name.distinct) && kindsAgree(a.name.kinds, b.name.kinds) && overlap(a.name.toks, b.name.toks) >= minOverlap(a, b)
}

// bestAgency finds the agreement among list (indexed by ai) naming the
// same agency as e, preferring one of the same model, then the first in
// list order; it returns its index or -1.
func bestAgency(e *entry, ai *agencyIndex, list []Agreement) int {
	best := -1
	for _, i := range ai.candidates(e) {
		if !sameAgency(e, &ai.entries[i]) {
			continue
		}
		if list[i].Model == e.rec.Model {
			return int(i)
		}
		if best < 0 {
			best = int(i)
		}
	}
	return best
}

// pendingSince returns the Since of the pending agreement naming the
// agency of a new participating agreement, or "".
func pendingSince(e *entry, ai *agencyIndex, pending []Agreement) string {
	if i := bestAgency(e, ai, pending); i >= 0 {
		if s := pending[i].Since; s != "" {
			return s
		}
		return "unknown"
	}
	return ""
}

// promotedTo returns the id of the participating agreement naming the
// agency of a removed pending agreement, or "".
func promotedTo(e *entry, ai *agencyIndex, participating []Agreement) string {
	if i := bestAgency(e, ai, participating); i >= 0 {
		return participating[i].ID
	}
	return ""
}

// sortChanges orders changes by state, agency (case folded), model and
// id, so output is the same from run to run; changes equal in all four
// keep their order.
func sortChanges(cs []Change) {
	if len(cs) < 2 {
		return
	}
	// Each change's agency is folded once, not in every comparison.
	type sortKey struct {
		state, agency, model, id string
		at                       int
	}
	keys := make([]sortKey, len(cs))
	for i := range cs {
		r := cs[i].Record()
		keys[i] = sortKey{r.State, strings.ToLower(r.Agency), r.Model, cs[i].AgreementID, i}
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if c := cmp.Compare(a.state, b.state); c != 0 {
			return c
		}
		if c := cmp.Compare(a.agency, b.agency); c != 0 {
			return c
		}
		if c := cmp.Compare(a.model, b.model); c != 0 {
			return c
		}
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	sorted := make([]Change, len(cs))
	for i, k := range keys {
		sorted[i] = cs[k.at]
	}
	copy(cs, sorted)
}
