package diff

import (
	"fmt"
	"os"
	"path/filepath"
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
	lists    map[sheet.List]int
	// still missing at the end of the corpus.
	missingAtEnd int
}

var (
	replayOnce sync.Once
	replayOut  *lifecycleReplay
	replayErr  error
)

// replayCorpus runs the replay once per test binary.
func replayCorpus(t *testing.T) *lifecycleReplay {
	t.Helper()
	dir := corpustest.Dir(t)
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
			for _, c := range o.Added {
				for _, a := range o.Agreements {
					if a.ID == c.AgreementID {
						out.signings = append(out.signings, a)
						break
					}
				}
			}
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
		st.listed, st.absent = o.Agreements, o.Absent
	}
	for _, a := range state[sheet.Participating].absent {
		if a.Status == StatusMissing {
			out.missingAtEnd++
		}
	}
	return out, nil
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
	t.Logf("before: %d participating removals, %d of them later added again under a new id", r.plainRemoved, r.plainBack)
	t.Logf("after: %d missing, %d ended, %d restored (%d while missing, %d after ending: false endings), %d hand-offs, %d duplicate rows, %d still missing at the end",
		count[Removed], count[Ended], count[Restored], restoredMissing, falseEnd, count[Changed], len(r.duplicates), r.missingAtEnd)

	links := LinkPromotions(r.exits, r.signings)
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
}
