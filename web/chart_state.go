package web

import (
	"context"
	"errors"
	"html/template"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// stateModelChart draws one state's participating agreements over time:
// a line per model and the total, dashed.
//
// The store's series count each list by state and by model, not by both,
// so the split is rebuilt here: the first accepted list's agreements of the
// state (one re-read of that file), then every participating change
// applied list by list (netted by snapshot as the store commits them:
// stateModelDeltas) (added +1, removed −1, changed −before +after, which
// also moves an agreement between states or models). The total line is
// the store's own count; where the rebuilt split does not add up to it
// (a list the changes do not describe, such as a quarantined file accepted
// out of order), only the total is drawn: a wrong split is worse than none.
func (s *Server) stateModelChart(ctx context.Context, series []store.Series, code, name string) (template.HTML, error) {
	var part []store.Series
	for _, p := range series {
		if p.List == sheet.Participating {
			part = append(part, p)
		}
	}
	dates, part := seriesDates(part)
	if len(part) == 0 {
		return "", nil
	}
	total := chartLine{Name: "All models", Color: "#333333", Dashed: true}
	for _, p := range part {
		total.Values = append(total.Values, p.ByState[code])
	}
	models, err := s.stateModelCounts(ctx, part, code)
	if err != nil {
		return "", err
	}
	var lines []chartLine
	for _, m := range modelLines {
		l := chartLine{Name: m.name, Color: m.color}
		some := false
		for i := range part {
			if models == nil || i >= len(models) {
				break
			}
			l.Values = append(l.Values, models[i][m.key])
			some = some || models[i][m.key] > 0
		}
		if some && len(l.Values) == len(part) {
			lines = append(lines, l)
		}
	}
	lines = append(lines, total)
	return lineChart("state-"+strings.ToLower(code), "Participating 287(g) agreements in "+name+" over time, by model",
		dates, lines), nil
}

// stateModelCounts is, for each point of part, the state's agreements by
// model; nil when the rebuilt counts stop matching the store's totals
// (then only the total is drawn).
func (s *Server) stateModelCounts(ctx context.Context, part []store.Series, code string) ([]map[string]int, error) {
	_, base, err := s.store.Agreements(ctx, sheet.Participating, part[0].SnapshotID)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrIDMismatch) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, a := range base {
		if a.State == code {
			counts[a.Model]++
		}
	}
	bySnap, err := s.stateModelDeltas(ctx, code)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]int, 0, len(part))
	for i, p := range part {
		if i > 0 {
			for m, n := range bySnap[p.SnapshotID] {
				counts[m] += n
			}
		}
		sum := 0
		for _, n := range counts {
			sum += n
		}
		if sum != p.ByState[code] {
			break
		}
		point := make(map[string]int, len(counts))
		for m, n := range counts {
			point[m] = n
		}
		out = append(out, point)
	}
	if len(out) < len(part) {
		return nil, nil
	}
	return out, nil
}

// deltaReader is the store's net changes of a state's agreements by
// model at each participating snapshot, kept as lists are committed
// (*store.Store has them).
type deltaReader interface {
	StateModelDeltas(ctx context.Context, state string) (map[uint64]map[string]int, bool, error)
}

// stateModelDeltas is, by snapshot id, what the state's participating
// changes did to its agreements by model: the store's, or netted from
// the state's changes (one query, every change in the state).
func (s *Server) stateModelDeltas(ctx context.Context, code string) (map[uint64]map[string]int, error) {
	if dr, ok := s.store.(deltaReader); ok {
		deltas, kept, err := dr.StateModelDeltas(ctx, code)
		if err != nil || kept {
			return deltas, err
		}
	}
	changes, _, err := s.store.Changes(ctx, store.ChangeQuery{Filter: diff.Filter{States: []string{code},
		Lists: []string{string(sheet.Participating)}}})
	if err != nil {
		return nil, err
	}
	bySnap := map[uint64]map[string]int{}
	for _, c := range changes {
		// Ended confirms an earlier removal and changes no list;
		// Restored brings an absent agreement back.
		leaves := c.Kind == diff.Removed || c.Kind == diff.Changed
		joins := c.Kind == diff.Added || c.Kind == diff.Restored || c.Kind == diff.Changed
		m := bySnap[c.AfterSnapshot]
		if m == nil {
			m = map[string]int{}
			bySnap[c.AfterSnapshot] = m
		}
		if leaves && c.Before != nil && c.Before.State == code {
			m[c.Before.Model]--
		}
		if joins && c.After != nil && c.After.State == code {
			m[c.After.Model]++
		}
	}
	return bySnap, nil
}
