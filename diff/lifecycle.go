package diff

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// This file is the lifecycle of an agreement across the lists ICE
// publishes: listed, missing (gone from the latest list, maybe an
// omission), ended (gone long enough to believe), and back again. ICE
// drops agreements from one list and restores them days later; a false
// "ended" alert is the worst thing watch287g can send, so an absence is
// only an ending once it has lasted (ConfirmRule), and a return keeps the
// agreement's identity. Everything here is decided from the inputs alone;
// the store keeps the absences and applies the outcome (decide in diff,
// apply in store).

// Status is where an agreement stands in its list's history.
type Status string

// The statuses.
const (
	// StatusListed: on the latest accepted list.
	StatusListed Status = "listed"
	// StatusMissing: absent from the latest accepted list, not yet
	// confirmed ended; the Removed change was "missing from ICE's list".
	StatusMissing Status = "missing"
	// StatusEnded: absent long enough under the ConfirmRule.
	StatusEnded Status = "ended"
	// StatusMerged: a duplicate row (duplicate.go) that ICE removed while
	// the agreement it repeated stayed listed. Not a removal, so never
	// announced and never counted as ended; not listed either: the
	// agreement goes on under the other row's id (MergedInto).
	StatusMerged Status = "merged"
)

// The default confirmation rule: an agreement absent for at least 10 days
// and from at least 3 accepted lists after the first list without it has
// ended. Over the corpus, ICE's omissions came back within 8 days except
// one (227 days), and lists were published every day or two, so 10 days
// and 3 lists end no omission of a week and delay a real ending by about
// ten days.
const (
	DefaultConfirmDays  = 10
	DefaultConfirmLists = 3
)

// ConfirmRule says when an absence is an ending: after at least MinDays
// days from the first list without the agreement AND at least MinLists
// accepted lists after that one, still without it. Both must hold, so a
// burst of republished lists in one day, or one list after a long silence,
// cannot end an agreement alone.
type ConfirmRule struct {
	MinDays  int `json:"min_days" yaml:"min_days"`
	MinLists int `json:"min_lists" yaml:"min_lists"`
}

// DefaultConfirmRule returns the rule used when none is configured.
func DefaultConfirmRule() ConfirmRule {
	return ConfirmRule{MinDays: DefaultConfirmDays, MinLists: DefaultConfirmLists}
}

// Validate refuses negative values.
func (r ConfirmRule) Validate() error {
	if r.MinDays < 0 || r.MinLists < 0 {
		return fmt.Errorf("confirmation rule: min_days %d and min_lists %d must not be negative", r.MinDays, r.MinLists)
	}
	return nil
}

// orDefault returns r, or the default rule when r is the zero value: an
// unconfigured rule must never end agreements at their first absence.
func (r ConfirmRule) orDefault() ConfirmRule {
	if r == (ConfirmRule{}) {
		return DefaultConfirmRule()
	}
	return r
}

// Absence is how long an agreement has been away from its list.
type Absence struct {
	// Snapshot and Published identify the first accepted list without
	// the agreement (Published is YYYY-MM-DD). An ending is dated by it.
	Snapshot  uint64 `json:"snapshot,omitempty"`
	Published string `json:"published"`
	// Lists counts the accepted lists of the same list kind after that
	// one, still without the agreement, until it ended: an ended absence
	// no longer counts, since nothing reads its count once it decided.
	Lists int `json:"lists"`
}

// Decide returns the status of an absent agreement as of the accepted
// list published on asOf (YYYY-MM-DD): StatusEnded once the rule holds,
// else StatusMissing. A date that cannot be read never ends anything.
// The zero rule is the default rule.
func (r ConfirmRule) Decide(a Absence, asOf string) Status {
	r = r.orDefault()
	d, ok := daysBetween(a.Published, asOf)
	if ok && d >= r.MinDays && a.Lists >= r.MinLists {
		return StatusEnded
	}
	return StatusMissing
}

// Absent is an agreement that left its list and has not come back.
type Absent struct {
	// Agreement is the agreement as last listed, with its id and Since.
	Agreement
	// Status is StatusMissing or StatusEnded.
	Status  Status  `json:"status"`
	Absence Absence `json:"absence"`
}

// Step is one accepted list, as the store commits it.
type Step struct {
	List sheet.List
	// Snapshot and Published identify the accepted list.
	Snapshot  uint64
	Published string
	// Old is the list's agreements before this list (what Compare was
	// given), for the Since of an agreement handed off.
	Old []Agreement
	// Result is Compare of Old with this list's records.
	Result *Result
	// Absent holds the list's agreements absent before this list, each
	// once, missing or ended, in the order they left. It may leave out
	// ended agreements that cannot return to this list (ReturnIndex): an
	// ended absence only returns or stays as it is, so the store need not
	// hand ten years of them to every step. The missing ones must all be
	// there: each list counts for them.
	Absent []Absent
	// Rule is the confirmation rule; the zero value is the default.
	Rule ConfirmRule
}

// Restoration is an absent agreement back on its list.
type Restoration struct {
	// Change is the "restored" change, under the agreement's old id:
	// Before is the record as last listed, After the record now, Fields
	// what differs ("signed" for a re-signing), Match how identity was
	// resolved; AfterSnapshot and AfterPublished are this list.
	Change Change
	// Was is the absent agreement as it stood: its status (missing or
	// ended) and absence; Index is its place in Step.Absent.
	Was   Absent
	Index int
	// Days from the first list without it to this one.
	Days int
}

// Ending is a missing agreement whose absence is now confirmed.
type Ending struct {
	// Change is the "ended" change: Before is the record as last listed;
	// AfterSnapshot and AfterPublished are the first list without it,
	// which dates the ending.
	Change Change
	// Absence is how long it has been away, this list included.
	Absence Absence
}

// Outcome is what a Step does to the list's agreements.
type Outcome struct {
	// Agreements is the list now, as in Result.Agreements, with the ids
	// (and Since) of restored and handed-off agreements replaced by
	// their old ones.
	Agreements []Agreement
	// Added are the genuine new agreements: Result.Added less returns,
	// hand-offs and duplicate rows.
	Added []Change
	// Removed are the agreements newly missing from this list:
	// Result.Removed less hand-offs and duplicate clean-ups. Each is
	// "missing from ICE's list of Published", not yet an ending. A
	// pending agency's removal is linked to its signing by
	// LinkPromotions, not here: Compare's PromotedTo is not consulted.
	Removed []Change
	// Changed is Result.Changed plus the hand-offs (Match MatchHandoff).
	Changed []Change
	// Restored and Ended are the lifecycle's changes.
	Restored []Restoration
	Ended    []Ending
	// Duplicates are the added and removed rows that repeat an
	// agreement listed throughout; they are neither signings nor
	// terminations, and have no change.
	Duplicates []Duplicate
	// Absent is the list's absent agreements after this step: Step.Absent
	// less the restored, in its order, the missing ones with Lists counted
	// up and statuses decided, then the newly missing.
	Absent []Absent
	// Unchanged is Result.Unchanged.
	Unchanged int
}

// Advance is AdvanceContext without cancellation.
func Advance(s Step) *Outcome {
	o, _ := AdvanceContext(context.Background(), s)
	return o
}

// AdvanceContext applies the lifecycle rules to one accepted list, in this
// order, each over what the previous left:
//  1. returns (MatchReturns): an added agreement that is an absent one back
//     is restored under its old id;
//  2. hand-offs (MatchHandoffs): a removal and an addition that are one
//     agreement renamed become one changed agreement;
//  3. duplicate rows (duplicates): an added or removed row that repeats an
//     agreement listed throughout is neither;
//  4. what is still removed is missing (a pending agency too: whether it
//     was promoted is LinkPromotions' decision, over the days after);
//  5. every agreement that stays absent counts this list, and the missing
//     ones whose absence now passes the rule have ended.
//
// The inputs are not modified. The Outcome's Agreements are the Result's
// own slice unless an agreement took another id (a return, a hand-off):
// a caller that writes into one writes into the other. Copying every list
// whole was a tenth of an import's allocations (issue 12).
func AdvanceContext(ctx context.Context, s Step) (*Outcome, error) {
	res := s.Result
	if res == nil {
		return nil, fmt.Errorf("lifecycle of %s snapshot %d: no comparison result", s.List, s.Snapshot)
	}
	rule := s.Rule.orDefault()
	out := &Outcome{
		Agreements: res.Agreements,
		Changed:    append([]Change(nil), res.Changed...),
		Unchanged:  res.Unchanged,
	}
	if len(out.Agreements) == 0 {
		out.Agreements = nil
	}
	owned := false // out.Agreements is a copy of res.Agreements
	// id → index in out.Agreements, of the ids looked up below only: the
	// added and the absent (whether they are listed). The last row of an
	// id wins, as over the whole list.
	pos := make(map[string]int, len(res.Added)+len(s.Absent))
	for _, c := range res.Added {
		pos[c.AgreementID] = -1
	}
	for i := range s.Absent {
		pos[s.Absent[i].ID] = -1
	}
	if len(pos) > 0 {
		for i := range out.Agreements {
			if _, ok := pos[out.Agreements[i].ID]; ok {
				pos[out.Agreements[i].ID] = i
			}
		}
		for id, i := range pos {
			if i < 0 {
				delete(pos, id)
			}
		}
	}
	// The added agreements, in the order of res.Added.
	added := make([]Agreement, 0, len(res.Added))
	addedChange := make([]Change, 0, len(res.Added))
	for _, c := range res.Added {
		if i, ok := pos[c.AgreementID]; ok {
			added = append(added, out.Agreements[i])
			addedChange = append(addedChange, c)
		}
	}
	addedGone := make([]bool, len(added))
	removedGone := make([]bool, len(res.Removed))
	setID := func(oldID, id, since string) {
		i, ok := pos[oldID]
		if !ok {
			return
		}
		if !owned {
			out.Agreements, owned = slices.Clone(out.Agreements), true
		}
		out.Agreements[i].ID, out.Agreements[i].Since = id, since
		delete(pos, oldID)
		pos[id] = i
	}

	// 1. Returns. An absence whose id is listed, or given twice (a store
	// that kept both), cannot return: two rows would share one id.
	absentAggs := make([]Agreement, 0, len(s.Absent))
	absentIdx := make([]int, 0, len(s.Absent))
	seen := make(map[string]bool, len(s.Absent))
	for i := range s.Absent {
		id := s.Absent[i].ID
		if _, listed := pos[id]; !listed && !seen[id] {
			absentAggs = append(absentAggs, s.Absent[i].Agreement)
			absentIdx = append(absentIdx, i)
		}
		seen[id] = true
	}
	rets, err := MatchReturnsContext(ctx, absentAggs, added)
	if err != nil {
		return nil, err
	}
	restored := make([]bool, len(s.Absent))
	for _, r := range rets {
		r.Absent = absentIdx[r.Absent]
		was := s.Absent[r.Absent]
		now := added[r.Added]
		restored[r.Absent], addedGone[r.Added] = true, true
		setID(now.ID, was.ID, was.Since)
		before, after := was.Record, now.Record
		days, _ := daysBetween(was.Absence.Published, s.Published)
		out.Restored = append(out.Restored, Restoration{
			Change: Change{Kind: Restored, List: s.List, AgreementID: was.ID,
				Before: &before, After: &after, Fields: r.Fields, Match: r.Match,
				AfterSnapshot: s.Snapshot, AfterPublished: s.Published},
			Was:   was,
			Index: r.Absent,
			Days:  days,
		})
	}

	// 2. Hand-offs.
	var remRecs, addRecs []sheet.Record
	var remIdx, addIdx []int
	for i, c := range res.Removed {
		if c.Before != nil {
			remRecs, remIdx = append(remRecs, *c.Before), append(remIdx, i)
		}
	}
	for j := range added {
		if !addedGone[j] {
			addRecs, addIdx = append(addRecs, added[j].Record), append(addIdx, j)
		}
	}
	// The Since of the removed agreements, all the old list is needed for.
	since := make(map[string]string, len(res.Removed))
	for _, c := range res.Removed {
		since[c.AgreementID] = ""
	}
	if len(since) > 0 {
		for _, a := range s.Old {
			if _, ok := since[a.ID]; ok {
				since[a.ID] = a.Since
			}
		}
	}
	for _, h := range MatchHandoffs(remRecs, addRecs) {
		i, j := remIdx[h.Removed], addIdx[h.Added]
		rc := res.Removed[i]
		now := added[j]
		removedGone[i], addedGone[j] = true, true
		setID(now.ID, rc.AgreementID, since[rc.AgreementID])
		before, after := *rc.Before, now.Record
		out.Changed = append(out.Changed, Change{Kind: Changed, List: s.List, AgreementID: rc.AgreementID,
			Before: &before, After: &after, Fields: changedFields(&before, &after), Match: MatchHandoff})
	}
	sortChanges(out.Changed)

	// 3. Duplicate rows, against the agreements carried from the old list.
	isAdded := make(map[string]bool, len(res.Added))
	for _, c := range res.Added {
		isAdded[c.AgreementID] = true
	}
	var dupAdded, dupRemoved []Agreement
	carried := make([]*Agreement, 0, len(res.Agreements))
	for i := range res.Agreements {
		if !isAdded[res.Agreements[i].ID] {
			carried = append(carried, &res.Agreements[i])
		}
	}
	for j := range added {
		if !addedGone[j] {
			dupAdded = append(dupAdded, added[j])
		}
	}
	for i, c := range res.Removed {
		if !removedGone[i] && c.Before != nil {
			dupRemoved = append(dupRemoved, Agreement{ID: c.AgreementID, Record: *c.Before})
		}
	}
	out.Duplicates = duplicates(carried, dupAdded, dupRemoved)
	dupID := make(map[string]bool, len(out.Duplicates))
	for _, d := range out.Duplicates {
		dupID[d.AgreementID] = true
	}

	// What is left of the added is new.
	for j := range added {
		if addedGone[j] || dupID[added[j].ID] {
			continue
		}
		out.Added = append(out.Added, addedChange[j])
	}

	// 5 (first): the agreements absent before this list.
	for i, a := range s.Absent {
		if restored[i] {
			continue
		}
		if a.Status == StatusEnded {
			out.Absent = append(out.Absent, a)
			continue
		}
		a.Absence.Lists++
		if rule.Decide(a.Absence, s.Published) == StatusEnded {
			a.Status = StatusEnded
			out.Ended = append(out.Ended, ending(s.List, a))
		}
		out.Absent = append(out.Absent, a)
	}

	// 4. The newly missing.
	for i, c := range res.Removed {
		if removedGone[i] || dupID[c.AgreementID] || c.Before == nil {
			continue
		}
		out.Removed = append(out.Removed, c)
		a := Absent{
			Agreement: Agreement{ID: c.AgreementID, Record: *c.Before, Since: since[c.AgreementID]},
			Status:    StatusMissing,
			Absence:   Absence{Snapshot: s.Snapshot, Published: s.Published},
		}
		if rule.Decide(a.Absence, s.Published) == StatusEnded {
			// Only a rule of zero lists ends at the first absence.
			a.Status = StatusEnded
			out.Ended = append(out.Ended, ending(s.List, a))
		}
		out.Absent = append(out.Absent, a)
	}
	return out, nil
}

// ending builds the ended change of a, dated by its first list without it.
func ending(list sheet.List, a Absent) Ending {
	before := a.Record
	return Ending{
		Change: Change{Kind: Ended, List: list, AgreementID: a.ID, Before: &before,
			AfterSnapshot: a.Absence.Snapshot, AfterPublished: a.Absence.Published},
		Absence: a.Absence,
	}
}

// daysBetween returns the days from date a to date b (YYYY-MM-DD; only the
// first ten bytes are read, so "2025-03-05T…" works too), and whether both
// could be read.
func daysBetween(a, b string) (int, bool) {
	ta, ok1 := parseDay(a)
	tb, ok2 := parseDay(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return int(tb.Sub(ta).Hours() / 24), true
}

func parseDay(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	return t, err == nil
}

// Signings returns the agreements of o that are signings, for
// LinkPromotions: the agreements first listed, and the returns with
// another signing date (a re-signing), each with Since set to published,
// the day of that listing.
func (o *Outcome) Signings(published string) []Agreement {
	signed := make(map[string]bool, len(o.Added)+len(o.Restored))
	for _, c := range o.Added {
		signed[c.AgreementID] = true
	}
	for _, r := range o.Restored {
		if slices.Contains(r.Change.Fields, "signed") {
			signed[r.Change.AgreementID] = true
		}
	}
	var out []Agreement
	for _, a := range o.Agreements {
		if signed[a.ID] {
			a.Since = published
			out = append(out, a)
		}
	}
	return out
}

// PendingExits returns the pending agreements that left in step s, for
// LinkPromotions: o.Removed with each agreement's Since (from s.Old) and
// Left, the step's published date.
func PendingExits(s Step, o *Outcome) []PendingExit {
	since := make(map[string]string, len(s.Old))
	for _, a := range s.Old {
		since[a.ID] = a.Since
	}
	out := make([]PendingExit, 0, len(o.Removed))
	for _, c := range o.Removed {
		if c.Before != nil {
			out = append(out, PendingExit{Agreement: Agreement{ID: c.AgreementID, Record: *c.Before, Since: since[c.AgreementID]}, Left: s.Published})
		}
	}
	return out
}
