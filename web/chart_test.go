package web

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
)

type svgDoc struct {
	XMLName   xml.Name `xml:"svg"`
	Polylines []struct {
		Points string `xml:"points,attr"`
		Stroke string `xml:"stroke,attr"`
	} `xml:"polyline"`
	Rects []struct {
		Title string `xml:"title"`
	} `xml:"rect"`
	Texts []struct {
		Size string `xml:"font-size,attr"`
		Text string `xml:",chardata"`
	} `xml:"text"`
}

// chartSVG parses the first chart whose title id is id out of a page.
func chartSVG(t *testing.T, page, id string) svgDoc {
	t.Helper()
	i := strings.Index(page, `<title id="`+id+`-title">`)
	if i < 0 {
		t.Fatalf("no chart %q in the page", id)
	}
	start := strings.LastIndex(page[:i], "<svg")
	end := strings.Index(page[i:], "</svg>")
	var doc svgDoc
	if err := xml.Unmarshal([]byte(page[start:i+end+len("</svg>")]), &doc); err != nil {
		t.Fatalf("parse chart %q: %v", id, err)
	}
	return doc
}

func points(t *testing.T, s string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, p := range strings.Fields(s) {
		xs, ys, ok := strings.Cut(p, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if !ok || err1 != nil || err2 != nil {
			t.Fatalf("bad point %q", p)
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

// TestLineChartSteps: a count holds until the next list, so every segment
// is level or upright, never a slope, and the labels are readable.
func TestLineChartSteps(t *testing.T) {
	d := func(s string) time.Time { tm, _ := time.Parse(time.DateOnly, s); return tm }
	dates := []time.Time{d("2026-02-17"), d("2026-02-27"), d("2026-03-10")}
	html := string(lineChart("md", "Maryland", dates, []chartLine{{Name: "All", Color: "#333", Values: []int{8, 3, 3}}}))
	doc := chartSVG(t, html, "md")
	if len(doc.Polylines) != 1 {
		t.Fatalf("got %d lines, want 1", len(doc.Polylines))
	}
	pts := points(t, doc.Polylines[0].Points)
	// A step where the count moves, level to the last list: 8 at the
	// first, 8 and 3 at the second, 3 at the third.
	if len(pts) != 4 {
		t.Fatalf("got %d points, want 4 (a step where the count moves, level to the last list)", len(pts))
	}
	for i := 1; i < len(pts); i++ {
		if pts[i][0] != pts[i-1][0] && pts[i][1] != pts[i-1][1] {
			t.Errorf("segment %v → %v is a slope, want level or upright", pts[i-1], pts[i])
		}
	}
	// 8 holds from 02-17 up to 02-27, then drops to 3 on 02-27.
	if pts[1][1] != pts[0][1] || pts[2][0] != pts[1][0] || pts[2][1] <= pts[1][1] {
		t.Errorf("got %v, want 8 level until the second list, then a drop on its day", pts[:3])
	}
	for _, tx := range doc.Texts {
		if n, err := strconv.Atoi(tx.Size); err != nil || n*366/chartW < 11 {
			t.Errorf("label %q: got font-size %q, want at least 11 px when the chart is 366 px wide", tx.Text, tx.Size)
		}
	}
}

// TestStateChartByModel: a state's chart has a line per model it has, and
// the total; the legend gives each model's latest count.
func TestStateChartByModel(t *testing.T) {
	fx := newReporterFixture(t)
	page := fx.page(t, "/states/TX")
	doc := chartSVG(t, page, "state-tx")
	if len(doc.Polylines) != 4 {
		t.Fatalf("got %d lines, want 4 (task force, jail enforcement, warrant service officer, all)", len(doc.Polylines))
	}
	for _, want := range []string{"Task force: 1", "Jail enforcement: 2", "Warrant service officer: 2", "All models: 5"} {
		if !strings.Contains(page, want) {
			t.Errorf("legend: missing %q", want)
		}
	}
}

// TestWeeklyChart: signings by their signed week, endings by the week of
// the list that dropped them.
func TestWeeklyChart(t *testing.T) {
	fx := newReporterFixture(t)
	doc := chartSVG(t, fx.page(t, "/"), "weekly")
	var got []string
	for _, r := range doc.Rects {
		got = append(got, r.Title)
	}
	want := []string{"Week of 2026-01-26: 1 signed", "Week of 2026-02-23: 1 ended"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got bars %q, want %q", got, want)
	}
}

// TestStateWeeklyChart: a state's weekly chart counts only its own
// agreements.
func TestStateWeeklyChart(t *testing.T) {
	fx := newReporterFixture(t)
	tests := map[string][]string{
		"MD": {"Week of 2026-02-23: 1 ended"},
		"OK": {"Week of 2026-01-26: 1 signed"},
		"TX": nil,
	}
	for code, want := range tests {
		t.Run(code, func(t *testing.T) {
			doc := chartSVG(t, fx.page(t, "/states/"+code), "weekly-"+strings.ToLower(code))
			var got []string
			for _, r := range doc.Rects {
				got = append(got, r.Title)
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got bars %q, want %q", got, want)
			}
		})
	}
}

// TestWeeklyEnd: the weekly charts end at the newest list, not at today,
// so months without a list do not push every bar off the chart.
func TestWeeklyEnd(t *testing.T) {
	now := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		series []store.Series
		want   string
	}{
		{"no list yet", nil, "2026-11-30"},
		{"newest list", []store.Series{{Published: "2026-01-08"}, {Published: "2026-03-02"}, {Published: "bad"}}, "2026-03-02"},
		{"a date in the future is ignored", []store.Series{{Published: "2026-03-02"}, {Published: "2027-01-01"}}, "2026-03-02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := weeklyEnd(tc.series, now).Format(time.DateOnly); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestLineChartLevelRuns: a run of lists with the same count draws only
// its ends, so ten years of lists do not make a polyline of 14,000 points.
func TestLineChartLevelRuns(t *testing.T) {
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var dates []time.Time
	var values []int
	for i := range 1000 {
		dates = append(dates, t0.AddDate(0, 0, i))
		values = append(values, 10+i/400) // 10, then 11 at 400, 12 at 800
	}
	doc := chartSVG(t, string(lineChart("run", "Runs", dates, []chartLine{{Name: "All", Color: "#333", Values: values}})), "run")
	pts := points(t, doc.Polylines[0].Points)
	// first, two steps of two points each, last.
	if len(pts) != 6 {
		t.Fatalf("got %d points %v, want 6", len(pts), pts)
	}
	if pts[0][1] != pts[1][1] || pts[1][0] != pts[2][0] || pts[5][1] != pts[4][1] {
		t.Errorf("got %v, want level runs joined by upright steps", pts)
	}
}
