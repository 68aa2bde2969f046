package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// Colors of the model lines: distinguishable for common color blindness
// and at least 4.5:1 against white; the legend names each line as well.
var modelLines = []struct{ key, name, color string }{
	{sheet.TaskForce, "Task force", "#0b5394"},
	{sheet.JailEnforcement, "Jail enforcement", "#b45309"},
	{sheet.WarrantServiceOfficer, "Warrant service officer", "#15803d"},
}

type stateRow struct {
	Code, Name             string
	Participating, Pending int
	Jail, WSO, TaskForce   int
	// Ended counts participating agreements ended this calendar year.
	Ended int
}

type overviewPage struct {
	pageBase
	changeList
	Participating, Pending int
	Published              string
	LastAttempt            time.Time
	LastError              string
	Chart                  template.HTML
	// Map is the states map, drawn once per data version.
	Map template.HTML
	// Weekly is signings and endings per week.
	Weekly template.HTML
	States []stateRow
	// EndedThisYear counts participating agreements removed in Year and
	// not listed again.
	EndedThisYear, Year int
	// Unconfirmed counts the endings still only missing (lifecycle).
	Unconfirmed int
	// Loading is true while a backfill from the Wayback Machine runs;
	// LoadDone of LoadTotal files are handled (LoadTotal 0: still looking).
	Loading             bool
	LoadDone, LoadTotal int
}

// historyProgress is the backfill's progress, or nothing running.
func (s *Server) historyProgress() (done, total int, running bool) {
	if s.history == nil {
		return 0, 0, false
	}
	return s.history()
}

// overview serves GET /.
func (s *Server) overview(r *http.Request) *response {
	d, err := s.overviewData(r)
	if err != nil {
		return s.pageError(r, err)
	}
	return s.render(http.StatusOK, "overview", d)
}

// overviewData reads what the overview shows (and /states.csv downloads).
// Everything but the fetch loop's state and a backfill's progress depends
// on the store's data alone, so it is computed once per data version (and
// year): the overview's cache key moves with every poll (it shows the last
// check), and a poll that brought nothing re-renders only the template.
func (s *Server) overviewData(r *http.Request) (overviewPage, error) {
	ctx := r.Context()
	key := ""
	if v, ok := s.store.(Versioner); ok {
		sv, err := v.Version(ctx)
		if err != nil {
			return overviewPage{}, fmt.Errorf("store version: %w", err)
		}
		key = sv + "/" + strconv.Itoa(s.now().UTC().Year())
	}
	d, ok := s.cache.overviewData(key)
	if !ok {
		var err error
		if d, err = s.overviewStoreData(r); err != nil {
			return d, err
		}
		s.cache.setOverviewData(key, d)
	}
	d.LoadDone, d.LoadTotal, d.Loading = s.historyProgress()
	_, _, attempt, _, lastErr := s.health.snapshot()
	d.LastAttempt, d.LastError = attempt, lastErr
	if attempt.IsZero() {
		if checks, err := s.store.Checks(ctx, 1); err == nil && len(checks) > 0 {
			d.LastAttempt = checks[0].At
		}
	}
	return d, nil
}

// overviewStoreData reads the part of the overview that depends on the
// store's data alone.
func (s *Server) overviewStoreData(r *http.Request) (overviewPage, error) {
	ctx := r.Context()
	d := overviewPage{changeList: changeList{Caption: "The latest changes, newest first"}}
	rows := map[string]*stateRow{}
	row := func(code string) *stateRow {
		if rows[code] == nil {
			rows[code] = &stateRow{Code: code, Name: stateName(code)}
		}
		return rows[code]
	}
	cur, err := s.currentSummary(ctx, sheet.Participating)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return d, err
	default:
		d.Participating = cur.Agreements
		d.Published = cur.Published
		for code, models := range cur.ByStateModel {
			sr := row(code)
			for model, n := range models {
				sr.Participating += n
				switch model {
				case sheet.JailEnforcement:
					sr.Jail += n
				case sheet.WarrantServiceOfficer:
					sr.WSO += n
				case sheet.TaskForce:
					sr.TaskForce += n
				}
			}
		}
	}
	pend, err := s.store.Latest(ctx, sheet.Pending)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return d, err
	default:
		d.Pending = pend.Agreements
		for code, n := range pend.ByState {
			row(code).Pending = n
		}
	}
	// Every state that ever had an agreement keeps its row, with 0 once
	// none is left: a state dropping out is news, not a row to hide.
	d.Year = s.now().UTC().Year()
	// The endings shown: this year's and those of the weekly chart's
	// weeks, from the agreements' lifecycle (no change is decoded). The
	// chart ends at the newest list, known once the series is read; the
	// former agreements are read meanwhile, on the other core (the first
	// time after a start each read decodes thousands of records), from a
	// bound a month before today's, and again in the rare case the newest
	// list is older than that. Reading a few more does not change what is
	// shown.
	sinceFor := func(end time.Time) string {
		return min(strconv.Itoa(d.Year)+"-01-01", weekStart(end).AddDate(0, 0, -7*(weeksShown-1)).Format(time.DateOnly))
	}
	guess := sinceFor(s.now().AddDate(0, -1, 0))
	type formerRead struct {
		former []store.AgreementInfo
		ever   map[string]bool
		err    error
	}
	read := make(chan formerRead, 1)
	go func() {
		var fr formerRead
		fr.former, fr.ever, fr.err = s.formerAgreements(ctx, guess)
		read <- fr
	}()
	series, ever, err := s.overviewSeries(ctx)
	fr := <-read
	if err != nil {
		return d, err
	}
	if fr.err != nil {
		return d, fr.err
	}
	weekEnd := weeklyEnd(series, s.now())
	if since := sinceFor(weekEnd); since < guess {
		if fr.former, fr.ever, fr.err = s.formerAgreements(ctx, since); fr.err != nil {
			return d, fr.err
		}
	}
	former := fr.former
	for code := range fr.ever {
		ever[code] = true
	}
	allEnded, err := s.endingsIn(ctx, former, nil, 0, false)
	if err != nil {
		return d, err
	}
	var ended []ending
	yearPrefix := strconv.Itoa(d.Year) + "-"
	for _, e := range allEnded {
		if strings.HasPrefix(e.Ended, yearPrefix) {
			ended = append(ended, e)
		}
	}
	for code := range ever {
		row(code)
	}
	for _, e := range ended {
		row(e.A.State).Ended++
	}
	d.EndedThisYear = len(ended)
	for _, e := range ended {
		if !e.Confirmed {
			d.Unconfirmed++
		}
	}
	for _, sr := range rows {
		if sr.Code != "" {
			d.States = append(d.States, *sr)
		}
	}
	sort.Slice(d.States, func(i, j int) bool { return d.States[i].Name < d.States[j].Name })

	d.Map = stateMap(d.States)
	d.Chart = modelChart(series)
	signedDates := map[string]int{}
	for _, dates := range cur.Signed {
		for date, n := range dates {
			signedDates[date] += n
		}
	}
	for i := range former {
		if former[i].List == sheet.Participating {
			signedDates[former[i].Signed]++
		}
	}
	weeks, signed, endedN := weeklyCountsDates(weekEnd, signedDates, allEnded)
	d.Weekly = weeklyChart("weekly", weeks, signed, endedN)
	if d.Changes, _, err = s.store.Changes(ctx, store.ChangeQuery{Limit: 15}); err != nil {
		return d, err
	}
	return d, nil
}

// currentSummarizer is the store's counts of a list's current agreements
// kept as lists are committed (*store.Store has them): the overview counts
// those instead of decoding the list.
type currentSummarizer interface {
	CurrentSummary(ctx context.Context, list sheet.List) (store.CurrentSummary, bool, error)
}

// currentSummary returns the counts of list's current agreements: the
// store's, or counted from Agreements' answer when it keeps none.
func (s *Server) currentSummary(ctx context.Context, list sheet.List) (store.CurrentSummary, error) {
	if cs, ok := s.store.(currentSummarizer); ok {
		sum, kept, err := cs.CurrentSummary(ctx, list)
		if kept || (err != nil && !errors.Is(err, store.ErrNotFound)) {
			return sum, err
		}
	}
	snap, agreements, err := s.store.Agreements(ctx, list, 0)
	if err != nil {
		return store.CurrentSummary{}, err
	}
	return store.SummarizeCurrent(snap, agreements), nil
}

// aggregateReader is the store's aggregates kept as lists are committed
// (*store.Store has them): the overview reads what it shows, not every
// snapshot and agreement record.
type aggregateReader interface {
	SeriesByModel(ctx context.Context) ([]store.Series, error)
	StatesEver(ctx context.Context, list sheet.List) ([]string, error)
	FormerSummaries(ctx context.Context, list sheet.List, since string) ([]store.FormerSummary, error)
}

// overviewSeries returns the series the overview's chart draws and the
// states that ever had a participating agreement. The store's aggregates
// answer both without the counts by state; another store's series are
// read whole.
func (s *Server) overviewSeries(ctx context.Context) ([]store.Series, map[string]bool, error) {
	ar, ok := s.store.(aggregateReader)
	if !ok {
		series, err := s.store.Series(ctx)
		if err != nil {
			return nil, nil, err
		}
		return series, s.cache.everStates(series), nil
	}
	series, err := ar.SeriesByModel(ctx)
	if err != nil {
		return nil, nil, err
	}
	codes, err := ar.StatesEver(ctx, sheet.Participating)
	if err != nil {
		return nil, nil, err
	}
	ever := make(map[string]bool, len(codes))
	for _, code := range codes {
		ever[code] = true
	}
	return series, ever, nil
}

// formerReader is the store's read of the agreements no longer listed
// (*store.Store has it): the overview counts the current list and those,
// not every agreement ever listed.
type formerReader interface {
	FormerAgreements(ctx context.Context, list sheet.List, since string) ([]store.AgreementInfo, error)
}

// formerAgreements returns the participating agreements no longer listed
// whose absence began on or after since (and any without a date), and the
// states they are in. A store without FormerAgreements answers from every
// agreement, and then the states are those of every participating
// agreement ever listed.
func (s *Server) formerAgreements(ctx context.Context, since string) ([]store.AgreementInfo, map[string]bool, error) {
	ever := map[string]bool{}
	var former []store.AgreementInfo
	if ar, ok := s.store.(aggregateReader); ok {
		sums, err := ar.FormerSummaries(ctx, sheet.Participating, since)
		if err != nil {
			return nil, nil, err
		}
		// The overview counts these (by state, signed week, ending week
		// and status) and shows none: the summaries fill the fields it
		// counts, and no record is decoded.
		former = make([]store.AgreementInfo, len(sums))
		for i, f := range sums {
			a := &former[i]
			a.ID, a.State, a.Signed = f.ID, f.State, f.Signed
			a.List, a.Status, a.AbsentSince = f.List, f.Status, f.AbsentSince
		}
	} else if fr, ok := s.store.(formerReader); ok {
		var err error
		if former, err = fr.FormerAgreements(ctx, sheet.Participating, since); err != nil {
			return nil, nil, err
		}
	} else {
		all, err := s.store.FindAgreements(ctx, "")
		if err != nil {
			return nil, nil, err
		}
		for _, a := range all {
			if a.List == sheet.Participating {
				ever[a.State] = true
				if !a.Active {
					former = append(former, a)
				}
			}
		}
	}
	for _, a := range former {
		ever[a.State] = true
	}
	return former, ever, nil
}

// modelChart draws participating agreements over time, one line per model
// and a dashed total.
func modelChart(series []store.Series) template.HTML {
	var part []store.Series
	for _, p := range series {
		if p.List == sheet.Participating {
			part = append(part, p)
		}
	}
	dates, part := seriesDates(part)
	if len(part) == 0 {
		return ""
	}
	lines := make([]chartLine, 0, len(modelLines)+2)
	other := chartLine{Name: "Other or unknown model", Color: "#6b21a8"}
	total := chartLine{Name: "All models", Color: "#333333", Dashed: true}
	for _, m := range modelLines {
		lines = append(lines, chartLine{Name: m.name, Color: m.color, Values: make([]int, len(part))})
	}
	other.Values, total.Values = make([]int, len(part)), make([]int, len(part))
	hasOther := false
	for i, p := range part {
		known := 0
		for j, m := range modelLines {
			n := p.ByModel[m.key]
			lines[j].Values[i] = n
			known += n
		}
		other.Values[i] = max(0, p.Agreements-known)
		total.Values[i] = p.Agreements
		hasOther = hasOther || p.Agreements > known
	}
	if hasOther {
		lines = append(lines, other)
	}
	lines = append(lines, total)
	return lineChart("by-model", "Participating 287(g) agreements over time, by model", dates, lines)
}
