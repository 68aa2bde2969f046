package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

// The corpus replay: every list of ../shared/corpus in published order,
// participating and pending interleaved as the store commits them, each
// compared with its list's agreements and run through the lifecycle.

// replayList is one list's state through the replay.
type replayList struct {
	listed []Agreement
	absent []Absent
	// plain is the same chain compared with Compare alone (the before).
	plain []Agreement
}

// replayEvent is one lifecycle event, for the assertions.
type replayEvent struct {
	file, published string
	kind            Kind // Removed (missing), Ended, Restored, Added, Changed (hand-off)
	id, agency      string
	state           string
	match           string
	fields          []string
	was             Status
	days            int
}

// lifecycleReplay is what the replay measured.
type lifecycleReplay struct {
	events     []replayEvent
	duplicates []replayEvent // Kind Added or Removed
	// plainRemoved counts participating removals by plain Compare.
	plainRemoved int
	// plainBack counts plain removals whose agency was later added again
	// under a new id (same state, model and canonical name).
	plainBack int
	// the pending exits and participating signings, for LinkPromotions.
	exits    []PendingExit
	oldLinks []string // per exit: PromotedTo by Compare at the moment (the before)
	oldWrong []string // per exit: why the old link is wrong, "" when fine or none
	signings []Agreement
	// links are LinkPromotions' links, made list by list as the store
	// would: Exit and Signing index exits and signings.
	links []Promotion
	lists map[sheet.List]int
	// still missing at the end of the corpus.
	missingAtEnd int
	// episodes are the participating absences, each at its longest: the
	// days from the first list without the agreement to the last, the
	// later lists without it, and whether it came back.
	episodes []episode
}

// episode is one absence of one agreement.
type episode struct {
	days, lists int
	back        bool
}

var (
	replayOnce sync.Once
	replayOut  *lifecycleReplay
	replayErr  error
)

// lifecycleCommand runs the corpus replay; CI runs it without -race in a
// step of its own.
const lifecycleCommand = "go test -count=1 -run TestCorpusLifecycle ./diff/"

// replayCorpus runs the replay once per test binary. Under -race it skips:
// the replay takes about a minute there on a busy machine, and the rules
// it runs are covered under -race by the table tests.
func replayCorpus(t *testing.T) *lifecycleReplay {
	t.Helper()
	dir := corpustest.Dir(t)
	if underRace {
		t.Skipf("the corpus replay of the lifecycle is too slow under -race; it runs without -race in its own CI step: %s", lifecycleCommand)
	}
	files := corpustest.Manifest(t, dir)
	replayOnce.Do(func() { replayOut, replayErr = runReplay(dir, files) })
	if replayErr != nil {
		t.Fatal(replayErr)
	}
	return replayOut
}

func runReplay(dir string, files []corpustest.File) (*lifecycleReplay, error) {
	out := &lifecycleReplay{lists: map[sheet.List]int{}}
	state := map[sheet.List]*replayList{sheet.Participating: {}, sheet.Pending: {}}
	n := 0
	newID := func(l sheet.List) func(sheet.Record) string {
		return func(sheet.Record) string { n++; return string(l) + "-" + strconv.Itoa(n) }
	}
	// plainGone: canonical identity of plain removals not yet seen again.
	plainGone := map[[3]string]int{}
	var snap uint64
	var open []int // exits still open to a link
	lastAbsent := map[string]episode{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, err
		}
		sf, err := sheet.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f.Name, err)
		}
		list := sf.List
		st := state[list]
		published := f.Name[:10]
		snap++
		first := out.lists[list] == 0
		out.lists[list]++

		// The before: plain Compare, ids carried, returns as new ids.
		opt := Options{NewID: newID(list), Published: published}
		if list == sheet.Pending {
			opt.Participating = state[sheet.Participating].listed
		}
		plain := Compare(list, st.plain, sf.Records, Options{NewID: newID(list), Published: published})
		if list == sheet.Participating && !first {
			out.plainRemoved += len(plain.Removed)
			for _, c := range plain.Removed {
				plainGone[[3]string{c.Before.State, agencyKey(c.Before.Agency), c.Before.Model}]++
			}
			for _, c := range plain.Added {
				k := [3]string{c.After.State, agencyKey(c.After.Agency), c.After.Model}
				if plainGone[k] > 0 {
					plainGone[k]--
					out.plainBack++
				}
			}
		}
		st.plain = plain.Agreements

		// The after: Compare, then the lifecycle.
		res := Compare(list, st.listed, sf.Records, opt)
		o := Advance(Step{List: list, Snapshot: snap, Published: published, Old: st.listed, Result: res, Absent: st.absent})
		if list == sheet.Pending {
			since := map[string]string{}
			for _, a := range st.listed {
				since[a.ID] = a.Since
			}
			partSince := map[string]*Agreement{}
			for i := range state[sheet.Participating].listed {
				a := &state[sheet.Participating].listed[i]
				partSince[a.ID] = a
			}
			for _, c := range res.Removed {
				open = append(open, len(out.exits))
				out.exits = append(out.exits, PendingExit{Agreement: Agreement{ID: c.AgreementID, Record: *c.Before, Since: since[c.AgreementID]}, Left: published})
				out.oldLinks = append(out.oldLinks, c.PromotedTo)
				why := ""
				if p := partSince[c.PromotedTo]; p != nil {
					switch {
					case p.Model != c.Before.Model:
						why = "another model"
					case p.Since < since[c.AgreementID]:
						why = "listed before the pending entry"
					}
				}
				out.oldWrong = append(out.oldWrong, why)
			}
		}
		if list == sheet.Participating && !first {
			out.signings = append(out.signings, o.Signings(published)...)
			ev := func(kind Kind, c *Change) replayEvent {
				r := c.Record()
				return replayEvent{file: f.Name, published: published, kind: kind, id: c.AgreementID, agency: r.Agency, state: r.State, match: c.Match, fields: c.Fields}
			}
			for i := range o.Removed {
				out.events = append(out.events, ev(Removed, &o.Removed[i]))
			}
			for i := range o.Added {
				out.events = append(out.events, ev(Added, &o.Added[i]))
			}
			for i := range o.Changed {
				if o.Changed[i].Match == MatchHandoff {
					out.events = append(out.events, ev(Changed, &o.Changed[i]))
				}
			}
			for _, e := range o.Ended {
				out.events = append(out.events, ev(Ended, &e.Change))
			}
			for _, r := range o.Restored {
				e := ev(Restored, &r.Change)
				e.was, e.days = r.Was.Status, r.Days
				out.events = append(out.events, e)
			}
			for _, d := range o.Duplicates {
				out.duplicates = append(out.duplicates, replayEvent{file: f.Name, published: published, kind: d.Kind, id: d.AgreementID, agency: agencyOf(o, res, d.AgreementID), match: agencyOf(o, res, d.Of)})
			}
		}
		if list == sheet.Participating {
			for _, rs := range o.Restored {
				if ep, ok := lastAbsent[rs.Change.AgreementID]; ok {
					ep.back = true
					out.episodes = append(out.episodes, ep)
					delete(lastAbsent, rs.Change.AgreementID)
				}
			}
			for _, a := range o.Absent {
				d, _ := daysBetween(a.Absence.Published, published)
				lastAbsent[a.ID] = episode{days: d, lists: a.Absence.Lists}
			}
		}
		st.listed, st.absent = o.Agreements, o.Absent
		open = linkOpen(out, open, published, state[sheet.Pending])
	}
	for _, a := range state[sheet.Participating].absent {
		if a.Status == StatusMissing {
			out.missingAtEnd++
		}
	}
	for _, ep := range lastAbsent {
		out.episodes = append(out.episodes, ep)
	}
	return out, nil
}

// linkOpen links the open pending exits as of the list published asOf,
// as the store does after each list: the exits still within
// MaxPromotionDays, against the signings listed since the earliest of
// them could have been. A linked exit is no longer absent from the
// pending list: it was promoted. It returns the exits still open.
func linkOpen(out *lifecycleReplay, open []int, asOf string, pending *replayList) []int {
	keep := open[:0]
	lo := asOf
	for _, x := range open {
		e := &out.exits[x]
		if !PromotionOpen(e.Left, asOf) {
			continue
		}
		keep = append(keep, x)
		from := e.Since
		if from == "" {
			t, _ := parseDay(e.Left)
			from = t.AddDate(0, 0, -MaxPromotionDays).Format("2006-01-02")
		}
		lo = min(lo, from)
	}
	open = keep
	if len(open) == 0 {
		return open
	}
	var sigIdx []int
	var sigs []Agreement
	for i, a := range out.signings {
		if a.Since >= lo {
			sigIdx, sigs = append(sigIdx, i), append(sigs, a)
		}
	}
	exits := make([]PendingExit, len(open))
	for i, x := range open {
		exits[i] = out.exits[x]
	}
	linked := map[int]bool{}
	promoted := map[string]bool{}
	for _, p := range LinkPromotions(exits, sigs) {
		x := open[p.Exit]
		linked[x] = true
		promoted[out.exits[x].ID] = true
		out.links = append(out.links, Promotion{Exit: x, Signing: sigIdx[p.Signing], Match: p.Match, Days: p.Days})
	}
	keep = open[:0]
	for _, x := range open {
		if !linked[x] {
			keep = append(keep, x)
		}
	}
	absent := pending.absent[:0:0]
	for _, a := range pending.absent {
		if !promoted[a.ID] {
			absent = append(absent, a)
		}
	}
	pending.absent = absent
	return keep
}

// agencyOf names agreement id, listed or removed.
func agencyOf(o *Outcome, res *Result, id string) string {
	for _, a := range o.Agreements {
		if a.ID == id {
			return a.Agency
		}
	}
	for _, c := range res.Removed {
		if c.AgreementID == id {
			return c.Before.Agency
		}
	}
	return ""
}

// TestCorpusLifecycleFigures logs the measured figures (docs/lifecycle.md).
func TestCorpusLifecycleFigures(t *testing.T) {
	r := replayCorpus(t)
	count := map[Kind]int{}
	falseEnd, restoredMissing := 0, 0
	for _, e := range r.events {
		count[e.kind]++
		if e.kind == Restored {
			if e.was == StatusEnded {
				falseEnd++
			} else {
				restoredMissing++
			}
		}
	}
	for _, e := range r.events {
		switch e.kind {
		case Restored, Ended, Changed:
			t.Logf("%s %-8s %s %q %s %v was=%s days=%d", e.file[:12], e.kind, e.state, e.agency, e.match, e.fields, e.was, e.days)
		}
	}
	for _, d := range r.duplicates {
		t.Logf("%s duplicate %s %q of %q", d.file[:12], d.kind, d.agency, d.match)
	}
	t.Logf("lists: %v", r.lists)
	for _, rule := range []ConfirmRule{{1, 0}, {3, 1}, {7, 2}, {DefaultConfirmDays, DefaultConfirmLists}, {14, 4}, {30, 5}} {
		ended, falseEnd := 0, 0
		for _, ep := range r.episodes {
			if ep.days >= rule.MinDays && ep.lists >= rule.MinLists {
				ended++
				if ep.back {
					falseEnd++
				}
			}
		}
		t.Logf("rule %d days, %d lists: %d of %d absences end, %d of them come back later", rule.MinDays, rule.MinLists, ended, len(r.episodes), falseEnd)
	}
	t.Logf("before: %d participating removals, %d of them later added again under a new id with the same state, model and canonical name", r.plainRemoved, r.plainBack)
	t.Logf("after: %d missing, %d ended, %d restored (%d while missing, %d after ending: false endings), %d hand-offs, %d duplicate rows, %d still missing at the end",
		count[Removed], count[Ended], count[Restored], restoredMissing, falseEnd, count[Changed], len(r.duplicates), r.missingAtEnd)

	links := r.links
	linked := make([]int, len(r.exits))
	for i := range linked {
		linked[i] = -1
	}
	for _, p := range links {
		linked[p.Exit] = p.Signing
	}
	oldLinked, oldWrong, newLinked, gained, lost := 0, 0, 0, 0, 0
	for i := range r.exits {
		if r.oldLinks[i] != "" {
			oldLinked++
			if r.oldWrong[i] != "" {
				oldWrong++
			}
		}
		if linked[i] >= 0 {
			newLinked++
		}
		if r.oldLinks[i] == "" && linked[i] >= 0 {
			gained++
		}
		if r.oldLinks[i] != "" && linked[i] < 0 {
			lost++
			t.Logf("lost link: %s %q %s left %s (was %s)", r.exits[i].State, r.exits[i].Agency, r.exits[i].Model, r.exits[i].Left, r.oldWrong[i])
		}
	}
	for _, p := range links {
		if r.oldLinks[p.Exit] == "" {
			x, s := r.exits[p.Exit], r.signings[p.Signing]
			t.Logf("new link: %s %q → %s %q (%s, %+d days)", x.State, x.Agency, s.State, s.Agency, p.Match, p.Days)
		}
	}
	t.Logf("pending: %d exits; before %d linked (%d wrong: other model or listed before the pending entry); after %d linked (%d new, %d dropped)",
		len(r.exits), oldLinked, oldWrong, newLinked, gained, lost)
	why := map[string]int{}
	for _, w := range r.oldWrong {
		if w != "" {
			why[w]++
		}
	}
	days := map[int]int{}
	how := map[string]int{}
	for _, p := range links {
		days[p.Days]++
		how[p.Match]++
	}
	t.Logf("before, wrong links by reason: %v; after, links by days from exit to listing: %v, by match: %v", why, days, how)
}

// TestCorpusLifecycleCases names the real cases of issue 11 that fall in
// the corpus: each omission comes back restored under its old id (never
// ended and then added), the duplicate rows' clean-ups are no removals,
// the constable's relabelling is a hand-off and the pending renames link.
func TestCorpusLifecycleCases(t *testing.T) {
	r := replayCorpus(t)
	returns := []struct {
		state, agency string
		was           Status
		days          int
		field         string // a field that must have changed, "" for any
	}{
		{"PA", "East Donegal Township Constables Office", StatusMissing, 5, ""},
		{"WY", "Wyoming Highway State Patrol", StatusMissing, 6, "agency"}, // left as "Wyoming State Highway Patrol"
		{"FL", "Florida Fish & Wildlife Conservation Commission", StatusMissing, 8, ""},
		{"KS", "Rooks County Sheriff's Office", StatusMissing, 1, "signed"},
		{"FL", "Fort Walton Beach Police Department", StatusMissing, 3, "signed"},
		// Back after 227 days, across the corpus's four-month gap: ended
		// by then under any sensible rule, and restored under its id.
		{"TX", "Southside Place Police Department", StatusEnded, 227, ""},
	}
	for _, c := range returns {
		t.Run("restored "+c.agency, func(t *testing.T) {
			var ret *replayEvent
			for i, e := range r.events {
				if e.kind == Restored && e.state == c.state && e.agency == c.agency {
					ret = &r.events[i]
					break
				}
			}
			if ret == nil {
				t.Fatalf("got no restoration of %s %q, want one", c.state, c.agency)
			}
			if ret.was != c.was || ret.days != c.days || c.field != "" && !slices.Contains(ret.fields, c.field) {
				t.Errorf("got was %s after %d days, fields %v; want was %s after %d days, %q among the fields", ret.was, ret.days, ret.fields, c.was, c.days, c.field)
			}
			left := ""
			for _, e := range r.events {
				if e.id == ret.id && e.kind == Removed {
					left = e.published
					break
				}
			}
			if left == "" {
				t.Fatalf("got no removal of %s before its return, want one", ret.id)
			}
			for _, e := range r.events {
				if e.kind == Added && e.state == c.state && agencyKey(e.agency) == agencyKey(c.agency) && e.published >= left {
					t.Errorf("got %q added on %s under %s, want no new agreement after it left on %s", e.agency, e.published, e.id, left)
				}
			}
		})
	}

	t.Run("duplicate clean-ups are no removals", func(t *testing.T) {
		names := []string{"Zephyrhills Police Department", "St. Cloud Police Department", "Florida Department of Environmental Protection"}
		for _, n := range names {
			found := false
			for _, d := range r.duplicates {
				if d.kind == Removed && agencyKey(d.agency) == agencyKey(n) || d.kind == Removed && agencyKey(d.agency) == agencyKey("City of "+n) {
					found = true
				}
			}
			if !found {
				t.Errorf("got no duplicate clean-up of %q, want one", n)
			}
		}
		for _, e := range r.events {
			if e.kind != Removed || e.state != "FL" {
				continue
			}
			for _, n := range names {
				if agencyKey(e.agency) == agencyKey(n) || agencyKey(e.agency) == agencyKey("City of "+n) ||
					agencyKey(e.agency) == agencyKey(n+", Division of Law Enforcement") {
					t.Errorf("got %q removed on %s, want a duplicate clean-up", e.agency, e.published)
				}
			}
		}
	})

	t.Run("constable relabelled is a hand-off", func(t *testing.T) {
		for _, e := range r.events {
			if e.kind == Changed && e.match == MatchHandoff && e.state == "TN" && e.agency == "Polk County Constable District 4" {
				return
			}
		}
		t.Errorf("got no hand-off to TN \"Polk County Constable District 4\", want one")
	})

	t.Run("pending renames link", func(t *testing.T) {
		links := r.links
		want := []struct{ exitState, exit, sigState, sig string }{
			{"OK", "Texas County's Sheriff's Office", "OK", "Texas County Sheriff's Office"},
			{"SC", "Kershaw County Sheriff's Office", "SC", "Kershaw County Sheriff's Office"},
		}
		for _, w := range want {
			found := false
			for _, p := range links {
				x, s := r.exits[p.Exit], r.signings[p.Signing]
				if x.State == w.exitState && x.Agency == w.exit && s.State == w.sigState && s.Agency == w.sig {
					found = true
				}
			}
			if !found {
				t.Errorf("got no link from pending %s %q to %s %q, want one", w.exitState, w.exit, w.sigState, w.sig)
			}
		}
	})
}
