package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// chartLine is one series of a line chart.
type chartLine struct {
	Name   string
	Color  string
	Dashed bool
	Values []int
}

// The chart's drawing box and label size. Labels are 18 user units in a
// 560-wide box: 11.8 px in the 366 px a 390 px phone leaves the chart
// (issue 13: 8 px before). The stylesheet makes them 12 units where the
// chart is drawn wide (16 px at 48rem); the attribute is what a reader
// without the stylesheet gets.
const (
	chartW, chartH = 560, 280
	chartFont      = 18
	// maxXTicks keeps the date labels ("Jan 2026", about 65 units each)
	// apart at any width.
	maxXTicks = 6
)

// lineChart draws lines over dates as an accessible SVG: a title and a
// description for screen readers, and a legend that does not rely on color
// alone (each entry names its line and its latest value). It is drawn on
// the server so the page needs no JavaScript.
//
// The lines are steps, not slopes: a count holds from the list that
// published it until the next list, so the line stays level between two
// lists and moves straight up or down on the day of the second.
func lineChart(id, title string, dates []time.Time, lines []chartLine) template.HTML {
	const (
		w, h                     = chartW, chartH
		left, right, top, bottom = 56, 12, 12, 30 // left fits "1,500" at the label size
	)
	if len(dates) == 0 {
		return ""
	}
	maxV := 1
	for _, l := range lines {
		for _, v := range l.Values {
			maxV = max(maxV, v)
		}
	}
	step := niceStep(maxV)
	yMax := int(math.Ceil(float64(maxV)/float64(step))) * step
	t0, t1 := dates[0], dates[len(dates)-1]
	span := t1.Sub(t0).Seconds()
	x := func(t time.Time) float64 {
		if span <= 0 {
			return left + (w-left-right)/2
		}
		return left + t.Sub(t0).Seconds()/span*(w-left-right)
	}
	y := func(v int) float64 {
		return top + (1-float64(v)/float64(yMax))*(h-top-bottom)
	}
	esc := template.HTMLEscapeString
	var b strings.Builder
	var desc strings.Builder
	fmt.Fprintf(&desc, "From %s to %s. Latest: ", t0.Format(time.DateOnly), t1.Format(time.DateOnly))
	for i, l := range lines {
		if i > 0 {
			desc.WriteString(", ")
		}
		fmt.Fprintf(&desc, "%s %d", l.Name, l.Values[len(l.Values)-1])
	}
	desc.WriteString(".")
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(title), id, esc(desc.String()))
	// Grid and y labels.
	for v := 0; v <= yMax; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" class="ylabel" font-size="%d">%s</text>`, left-6, y(v)+5, chartFont, thousands(v))
	}
	// x labels: the first of each year, or of each quarter when the span is short.
	for _, t := range xTicks(t0, t1) {
		// Keep labels inside the plot: a label centred on the last
		// day would be cut off by the edge of the image.
		lx := min(max(x(t), left+34), w-right-34)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="xlabel" font-size="%d">%s</text>`, lx, h-8, chartFont, t.Format("Jan 2006"))
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="tick"/>`, x(t), x(t), h-bottom, h-bottom+4)
	}
	for _, l := range lines {
		// Points only where the count moves (and the last): a level run
		// of lists draws the same line as its two ends, and ten years are
		// some 7,000 lists; then at most four a unit of the plot's width
		// (thinColumns), so the chart's size does not grow with history.
		var line []chartPoint
		point := func(px, py float64) { line = append(line, chartPoint{px, py}) }
		for i, v := range l.Values {
			last := i == len(l.Values)-1
			if i > 0 && v == l.Values[i-1] && !last {
				continue
			}
			if i > 0 {
				// Level until this list, then the new count.
				point(x(dates[i]), y(l.Values[i-1]))
			}
			if i == 0 || v != l.Values[i-1] {
				point(x(dates[i]), y(v))
			}
		}
		var pts []byte
		for _, p := range thinColumns(line) {
			pts = strconv.AppendFloat(pts, p.X, 'f', 1, 64)
			pts = append(pts, ',')
			pts = strconv.AppendFloat(pts, p.Y, 'f', 1, 64)
			pts = append(pts, ' ')
		}
		dash := ""
		if l.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2.5"%s points="%s"/>`, l.Color, dash, strings.TrimSpace(string(pts)))
	}
	b.WriteString(`</svg>`)
	b.WriteString(`<ul class="legend">`)
	for _, l := range lines {
		dash := ""
		if l.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		// A drawn swatch, not a styled span: the pages' CSP forbids
		// inline styles, and presentation attributes are not styles.
		fmt.Fprintf(&b, `<li><svg class="swatch" width="28" height="8" aria-hidden="true" focusable="false"><line x1="0" x2="28" y1="4" y2="4" stroke="%s" stroke-width="3"%s/></svg>%s: %s</li>`,
			l.Color, dash, esc(l.Name), thousands(l.Values[len(l.Values)-1]))
	}
	b.WriteString(`</ul>`)
	return template.HTML(b.String()) // every piece of text above is escaped
}

// niceStep picks a grid step of 1, 2 or 5 times a power of ten giving
// about five lines.
func niceStep(maxV int) int {
	raw := float64(maxV) / 5
	p := math.Pow(10, math.Floor(math.Log10(math.Max(raw, 1))))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return max(1, int(m*p))
		}
	}
	return max(1, int(10*p))
}

func xTicks(t0, t1 time.Time) []time.Time {
	months := 12
	if t1.Sub(t0) < 2*365*24*time.Hour {
		months = 3
	}
	if t1.Sub(t0) < 180*24*time.Hour {
		months = 1
	}
	var out []time.Time
	t := time.Date(t0.Year(), t0.Month(), 1, 0, 0, 0, 0, time.UTC)
	for ; !t.After(t1); t = t.AddDate(0, 1, 0) {
		if !t.Before(t0) && (months != 12 || t.Month() == time.January) && (months != 3 || (t.Month()-1)%3 == 0) {
			out = append(out, t)
		}
	}
	// Thin to maxXTicks, keeping every k-th, so labels never overlap.
	if k := (len(out) + maxXTicks - 1) / maxXTicks; k > 1 {
		kept := out[:0]
		for i := 0; i < len(out); i += k {
			kept = append(kept, out[i])
		}
		out = kept
	}
	return out
}
