package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

type statePage struct {
	pageBase
	changeList
	Code, Name                 string
	Published                  string
	Participating, PendingList []diff.Agreement
	Chart                      template.HTML
	// Weekly is the state's signings and endings per week.
	Weekly template.HTML
	// Former are the participating agreements that ended, newest ending
	// first; EndedThisYear counts those ended in Year.
	Former        []ending
	EndedThisYear int
	Year          int
	// Unconfirmed counts those of EndedThisYear still only missing.
	Unconfirmed int
}

// statePage serves GET /states/{code}.
func (s *Server) statePage(r *http.Request) *response {
	ctx := r.Context()
	code := strings.ToUpper(r.PathValue("code"))
	if !sheet.ValidState(code) {
		return s.pageError(r, fmt.Errorf("state %q: %w", code, store.ErrNotFound))
	}
	d := statePage{Code: code, Name: stateName(code),
		changeList: changeList{Caption: "Changes in " + stateName(code) + ", newest first"}}
	for _, l := range []sheet.List{sheet.Participating, sheet.Pending} {
		snap, all, err := s.store.Agreements(ctx, l, 0)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return s.pageError(r, err)
		}
		var in []diff.Agreement
		for _, a := range all {
			if a.State == code {
				in = append(in, a)
			}
		}
		if l == sheet.Participating {
			d.Participating, d.Published = in, snap.Published
		} else {
			d.PendingList = in
		}
	}
	former, err := s.endings(ctx, []string{code}, 0, true)
	if err != nil {
		return s.pageError(r, err)
	}
	d.Former, d.Year = former, s.now().UTC().Year()
	for _, e := range former {
		if len(e.Ended) >= 4 && e.Ended[:4] == strconv.Itoa(d.Year) {
			d.EndedThisYear++
			if !e.Confirmed {
				d.Unconfirmed++
			}
		}
	}
	series, err := s.stateSeries(ctx, code)
	if err != nil {
		return s.pageError(r, err)
	}
	if d.Chart, err = s.stateModelChart(ctx, series, code, d.Name); err != nil {
		return s.pageError(r, err)
	}
	signedDates, err := s.signedInState(ctx, code)
	if err != nil {
		return s.pageError(r, err)
	}
	weeks, signed, endedN := weeklyCountsDates(weeklyEnd(series, s.now()), signedDates, former)
	d.Weekly = weeklyChart("weekly-"+strings.ToLower(code), weeks, signed, endedN)
	if d.Changes, _, err = s.store.Changes(ctx, store.ChangeQuery{Filter: diff.Filter{States: []string{code}}, Limit: 25}); err != nil {
		return s.pageError(r, err)
	}
	return s.render(http.StatusOK, "state", d)
}

// stateSeriesReader is the store's series with one state's counts
// (*store.Store has it): the page draws that state's line.
type stateSeriesReader interface {
	SeriesOfState(ctx context.Context, code string) ([]store.Series, error)
}

// stateSeries is the series the state's page draws: ByState need hold
// only code.
func (s *Server) stateSeries(ctx context.Context, code string) ([]store.Series, error) {
	if sr, ok := s.store.(stateSeriesReader); ok {
		return sr.SeriesOfState(ctx, code)
	}
	return s.store.Series(ctx)
}

// signedReader is the store's count of a state's agreements by signed
// date (*store.Store has it), kept as lists are committed.
type signedReader interface {
	SignedInState(ctx context.Context, list sheet.List, state string) (map[string]int, bool, error)
}

// signedInState counts the state's participating agreements ever listed
// by signed date: the store's count, or FindAgreements' answer counted.
func (s *Server) signedInState(ctx context.Context, code string) (map[string]int, error) {
	if sr, ok := s.store.(signedReader); ok {
		signed, kept, err := sr.SignedInState(ctx, sheet.Participating, code)
		if err != nil || kept {
			return signed, err
		}
	}
	all, err := s.store.FindAgreements(ctx, "")
	if err != nil {
		return nil, err
	}
	signed := map[string]int{}
	for _, a := range all {
		if a.State == code && a.List == sheet.Participating {
			signed[a.Signed]++
		}
	}
	return signed, nil
}
