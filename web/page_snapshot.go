package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strconv"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// fieldMark is one changed field of a change as the list page shows it.
type fieldMark struct {
	Name          string
	Before, After template.HTML
	// Marked is the old value with the changed characters marked, as the
	// command line's diff marks them; empty when one side is blank.
	Marked template.HTML
}

// snapChange is one change on a list page.
type snapChange struct {
	C      diff.Change
	R      *sheet.Record
	Fields []fieldMark
}

// stateGroup is one state's changes of one kind.
type stateGroup struct {
	Code, Name string
	Changes    []snapChange
}

// kindGroup is one kind of change, grouped by state.
type kindGroup struct {
	Kind   diff.Kind
	Title  string
	Count  int
	States []stateGroup
}

type snapshotPage struct {
	pageBase
	S          store.Snapshot
	Prev, Next *store.Snapshot
	// Counts: Cosmetic is part of Changed.
	Added, Removed, Changed, Cosmetic int
	Groups                            []kindGroup
	// CosmeticGroup holds the changes folded away.
	CosmeticGroup kindGroup
	SourceURL     string
}

// cosmetic reports whether a change only corrects how something is
// written: a state name's spelling (the state it names is the same) or
// an MOA link filled in where there was none. Readers asked for them
// counted, not listed among the changes that matter.
func cosmetic(c *diff.Change) bool {
	if c.Kind != diff.Changed || c.Before == nil || c.After == nil || len(c.Fields) == 0 {
		return false
	}
	for _, f := range c.Fields {
		switch f {
		case "state_name":
			if c.Before.State != c.After.State {
				return false
			}
		case "moa_url", "moa_raw", "moa_text":
			if c.Before.MOAURL != "" || c.After.MOAURL == "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// snapshotPage serves GET /snapshots/{id}: what one published list changed
// against the previous list of its kind, and where the file came from.
func (s *Server) snapshotPage(r *http.Request) *response {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return s.pageError(r, err)
	}
	snap, err := s.store.Snapshot(ctx, id)
	if err != nil {
		return s.pageError(r, err)
	}
	changes, err := s.store.SnapshotChanges(ctx, id)
	if err != nil {
		return s.pageError(r, err)
	}
	d := snapshotPage{S: snap, SourceURL: escape.LinkURL(snap.SourceURL)}
	if d.Prev, d.Next, err = s.neighbours(ctx, snap, changes); err != nil {
		return s.pageError(r, err)
	}
	groups := map[diff.Kind]*kindGroup{}
	d.CosmeticGroup = kindGroup{Kind: diff.Changed, Title: "Corrections of spelling and links filled in"}
	for i := range changes {
		c := &changes[i]
		sc := snapChange{C: *c, R: c.Record()}
		for _, f := range c.Fields {
			fm := fieldMark{Name: fieldName(f), Before: fieldHTML(c.Before, f), After: fieldHTML(c.After, f)}
			fm.Marked = markField(c.Before, c.After, f)
			sc.Fields = append(sc.Fields, fm)
		}
		switch c.Kind {
		case diff.Added:
			d.Added++
		case diff.Removed:
			d.Removed++
		case diff.Changed:
			d.Changed++
		default:
			// Lifecycle kinds (ended, restored): listed in their own
			// group, counted there.
		}
		g := groups[c.Kind]
		if cosmetic(c) {
			d.Cosmetic++
			g = &d.CosmeticGroup
		} else if g == nil {
			g = &kindGroup{Kind: c.Kind, Title: kindWord(c.Kind)}
			groups[c.Kind] = g
		}
		g.Count++
		addToState(g, sc)
	}
	order := []diff.Kind{diff.Added, diff.Removed, diff.Ended, diff.Restored, diff.Changed}
	for k := range groups {
		if !slices.Contains(order, k) {
			order = append(order, k) // a kind this page does not know yet
		}
	}
	for _, k := range order {
		if g := groups[k]; g != nil {
			sortStates(g)
			d.Groups = append(d.Groups, *g)
		}
	}
	sortStates(&d.CosmeticGroup)
	return s.render(http.StatusOK, "snapshot", d)
}

func addToState(g *kindGroup, sc snapChange) {
	code := sc.R.State
	for i := range g.States {
		if g.States[i].Code == code {
			g.States[i].Changes = append(g.States[i].Changes, sc)
			return
		}
	}
	name := stateName(code)
	if code == "" && sc.R.StateName != "" {
		name = "Unknown state (" + sc.R.StateName + ")"
	}
	g.States = append(g.States, stateGroup{Code: code, Name: name, Changes: []snapChange{sc}})
}

func sortStates(g *kindGroup) {
	sort.SliceStable(g.States, func(i, j int) bool { return g.States[i].Name < g.States[j].Name })
	for _, st := range g.States {
		sort.SliceStable(st.Changes, func(i, j int) bool { return st.Changes[i].R.Agency < st.Changes[j].R.Agency })
	}
}

// aroundReader is the store's read of a list's accepted snapshots next
// to one (*store.Store has it): a list page links its neighbours without
// reading every snapshot.
type aroundReader interface {
	AcceptedAround(ctx context.Context, list sheet.List, id uint64) (prev, next *store.Snapshot, err error)
}

// neighbours is neighboursIn read from the store: the snapshot the
// changes name and the accepted ones around snap, or every snapshot from
// a store that cannot say.
func (s *Server) neighbours(ctx context.Context, snap store.Snapshot, changes []diff.Change) (prev, next *store.Snapshot, err error) {
	ar, ok := s.store.(aroundReader)
	if !ok {
		snaps, err := s.store.Snapshots(ctx)
		if err != nil {
			return nil, nil, err
		}
		prev, next = neighboursIn(snaps, snap, changes)
		return prev, next, nil
	}
	if prev, next, err = ar.AcceptedAround(ctx, snap.List, snap.ID); err != nil {
		return nil, nil, err
	}
	if len(changes) > 0 && changes[0].BeforeSnapshot != 0 {
		prev = nil
		before, err := s.store.Snapshot(ctx, changes[0].BeforeSnapshot)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, nil, err
		default:
			prev = &before
		}
	}
	return prev, next, nil
}

// neighboursIn finds the lists of the same kind before and after snap: the
// one its changes were computed against (the changes name it), else the
// previous accepted one in the archive's order, and the next accepted one.
func neighboursIn(snaps []store.Snapshot, snap store.Snapshot, changes []diff.Change) (prev, next *store.Snapshot) {
	var before uint64
	if len(changes) > 0 {
		before = changes[0].BeforeSnapshot
	}
	at := -1
	for i := range snaps {
		if snaps[i].ID == snap.ID {
			at = i
		}
		if before != 0 && snaps[i].ID == before {
			prev = &snaps[i]
		}
	}
	for i := at - 1; prev == nil && before == 0 && i >= 0; i-- {
		if snaps[i].List == snap.List && snaps[i].Status == store.Accepted {
			prev = &snaps[i]
		}
	}
	for i := at + 1; at >= 0 && i < len(snaps); i++ {
		if snaps[i].List == snap.List && snaps[i].Status == store.Accepted {
			next = &snaps[i]
			break
		}
	}
	return prev, next
}

// snapshotChangesCSV serves GET /snapshots/{id}/changes.csv: the list
// page's changes (the folded ones too) in the change CSV layout.
func (s *Server) snapshotChangesCSV(r *http.Request) *response {
	id, err := pathID(r)
	if err != nil {
		return s.pageError(r, err)
	}
	snap, err := s.store.Snapshot(r.Context(), id)
	if err != nil {
		return s.pageError(r, err)
	}
	changes, err := s.store.SnapshotChanges(r.Context(), id)
	if err != nil {
		return s.pageError(r, err)
	}
	name := "changes-" + string(snap.List) + "-" + cmp(snap.Published, "snapshot-"+strconv.FormatUint(id, 10)) + ".csv"
	return changesCSV(name, changes)
}
