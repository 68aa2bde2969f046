package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/watch287g/watch287g/store"
)

// weeksShown is how many weeks the signings and endings chart covers.
const weeksShown = 26

// weekStart is the Monday (UTC) of t's week.
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// weeklyEnd is the last week the weekly charts show: the week of the
// newest list, so the chart covers the weeks the lists describe even when
// ICE has not published for months (an empty half-year up to today says
// nothing); today when there is no list yet.
func weeklyEnd(series []store.Series, now time.Time) time.Time {
	// Published dates are YYYY-MM-DD, which sort as strings: only the
	// newest is parsed (ten years are 7,000 of them).
	today := now.UTC().Format(time.DateOnly)
	newest := ""
	for _, p := range series {
		if p.Published > newest && p.Published <= today {
			if _, err := time.Parse(time.DateOnly, p.Published); err == nil {
				newest = p.Published
			}
		}
	}
	end, err := time.Parse(time.DateOnly, newest)
	if err != nil {
		return now
	}
	return end
}

// weeklyCountsDates counts, for the weeksShown weeks up to now's
// (weeklyEnd's), the participating agreements signed in each week (by the
// SIGNED date ICE publishes: signedDates counts them by date) and those
// that ended in each (by the published date of the list that dropped
// them, not listed again since).
func weeklyCountsDates(now time.Time, signedDates map[string]int, ended []ending) (weeks []time.Time, signed, endedN []int) {
	last := weekStart(now)
	first := last.AddDate(0, 0, -7*(weeksShown-1))
	for i := range weeksShown {
		weeks = append(weeks, first.AddDate(0, 0, 7*i))
	}
	signed, endedN = make([]int, weeksShown), make([]int, weeksShown)
	lo, hi := first.Format(time.DateOnly), last.AddDate(0, 0, 7).Format(time.DateOnly)
	index := func(date string) int {
		// Most dates are years outside the window: compared as strings
		// (YYYY-MM-DD sorts by date) before any is parsed.
		if len(date) != len(lo) || date < lo || date >= hi {
			return -1
		}
		t, err := time.Parse(time.DateOnly, date)
		if err != nil || t.Before(first) || !t.Before(last.AddDate(0, 0, 7)) {
			return -1
		}
		return int(t.Sub(first).Hours() / (24 * 7))
	}
	for date, n := range signedDates {
		if i := index(date); i >= 0 {
			signed[i] += n
		}
	}
	for _, e := range ended {
		if i := index(e.Ended); i >= 0 {
			endedN[i]++
		}
	}
	return weeks, signed, endedN
}

// weeklyChart draws signings (up, green) and endings (down, red) per week
// as bars around a zero line, with the same label size as the line charts.
func weeklyChart(id string, weeks []time.Time, signed, ended []int) template.HTML {
	const (
		w, h                     = chartW, chartH
		left, right, top, bottom = 56, 12, 12, 30
	)
	if len(weeks) == 0 {
		return ""
	}
	maxV := 1
	for i := range weeks {
		maxV = max(maxV, signed[i], ended[i])
	}
	step := niceStep(maxV)
	yMax := int(math.Ceil(float64(maxV)/float64(step))) * step
	plotH := float64(h - top - bottom)
	zero := float64(top) + plotH/2
	y := func(v int) float64 { return zero - float64(v)/float64(yMax)*plotH/2 }
	slot := float64(w-left-right) / float64(len(weeks))
	esc := template.HTMLEscapeString
	totalS, totalE := 0, 0
	for i := range weeks {
		totalS += signed[i]
		totalE += ended[i]
	}
	title := "Agreements signed and ended per week"
	desc := fmt.Sprintf("%d weeks from the week of %s: %d agreements signed, %d ended.", len(weeks),
		weeks[0].Format(time.DateOnly), totalS, totalE)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc))
	for v := -yMax; v <= yMax; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="ylabel" font-size="%d">%s</text>`, left-6, y(v)+5, chartFont, thousands(max(v, -v)))
	}
	for i, wk := range weeks {
		x := float64(left) + float64(i)*slot
		bw := math.Max(slot-2, 1)
		if n := signed[i]; n > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#15803d"><title>Week of %s: %d signed</title></rect>`,
				x+1, y(n), bw, zero-y(n), wk.Format(time.DateOnly), n)
		}
		if n := ended[i]; n > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#9f1239"><title>Week of %s: %d ended</title></rect>`,
				x+1, zero, bw, y(-n)-zero, wk.Format(time.DateOnly), n)
		}
		if i%(len(weeks)/maxXTicks+1) == 0 {
			lx := min(max(x+slot/2, left+30), w-right-30)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="xlabel" font-size="%d">%s</text>`, lx, h-8, chartFont, wk.Format("Jan 2"))
		}
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="tick"/>`, left, w-right, zero, zero)
	b.WriteString(`</svg>`)
	fmt.Fprintf(&b, `<ul class="legend"><li><svg class="swatch" width="14" height="14" aria-hidden="true" focusable="false"><rect width="14" height="14" fill="#15803d"/></svg>Signed (above the line): %s</li>`+
		`<li><svg class="swatch" width="14" height="14" aria-hidden="true" focusable="false"><rect width="14" height="14" fill="#9f1239"/></svg>Ended (below the line): %s</li></ul>`,
		thousands(totalS), thousands(totalE))
	return template.HTML(b.String()) // every piece of text above is escaped or a number
}
