package web

import (
	"slices"
	"testing"
	"time"
)

func TestThinColumns(t *testing.T) {
	p := func(x, y float64) chartPoint { return chartPoint{x, y} }
	for _, tc := range []struct {
		name    string
		in, out []chartPoint
	}{
		{"short", []chartPoint{p(1, 1), p(1.2, 5)}, []chartPoint{p(1, 1), p(1.2, 5)}},
		{"one per column kept", []chartPoint{p(1, 1), p(2, 2), p(3, 3), p(4, 4), p(5, 5)},
			[]chartPoint{p(1, 1), p(2, 2), p(3, 3), p(4, 4), p(5, 5)}},
		{"a column's run keeps first, extremes in order, last",
			[]chartPoint{p(10.1, 50), p(10.2, 40), p(10.3, 70), p(10.4, 60), p(10.9, 55), p(11.0, 55)},
			[]chartPoint{p(10.1, 50), p(10.2, 40), p(10.3, 70), p(10.9, 55), p(11.0, 55)}},
		{"extremes reached high first",
			[]chartPoint{p(3.0, 5), p(3.1, 9), p(3.2, 1), p(3.3, 5), p(3.4, 5)},
			[]chartPoint{p(3.0, 5), p(3.1, 9), p(3.2, 1), p(3.4, 5)}},
		{"first or last is an extreme: no repeats",
			[]chartPoint{p(7.0, 1), p(7.5, 2), p(7.6, 3), p(7.7, 4), p(7.8, 9)},
			[]chartPoint{p(7.0, 1), p(7.8, 9)}},
	} {
		if got := thinColumns(tc.in); !slices.Equal(got, tc.out) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.out)
		}
	}
}

// TestThinColumnsBounded: however many points, at most four a unit of x.
func TestThinColumnsBounded(t *testing.T) {
	var in []chartPoint
	for i := range 20000 {
		in = append(in, chartPoint{X: 56 + float64(i)*492/20000, Y: float64(i % 97)})
	}
	got := thinColumns(in)
	if len(got) > 4*493 {
		t.Fatalf("%d points kept of %d, want at most %d", len(got), len(in), 4*493)
	}
	if got[0] != in[0] || got[len(got)-1] != in[len(in)-1] {
		t.Errorf("ends moved: %v…%v", got[0], got[len(got)-1])
	}
	// Every column keeps its range of y.
	for i := 0; i < len(in); {
		j, lo, hi := i, in[i].Y, in[i].Y
		for ; j < len(in) && int(in[j].X) == int(in[i].X); j++ {
			lo, hi = min(lo, in[j].Y), max(hi, in[j].Y)
		}
		klo, khi := 1e9, -1e9
		for _, q := range got {
			if int(q.X) == int(in[i].X) {
				klo, khi = min(klo, q.Y), max(khi, q.Y)
			}
		}
		if klo != lo || khi != hi {
			t.Fatalf("column %d: kept y %v..%v, had %v..%v", int(in[i].X), klo, khi, lo, hi)
		}
		i = j
	}
}

// TestLineChartSizeBounded: the chart of 20 years of daily lists that
// all move is no larger than a few tens of kilobytes, as is a year's.
func TestLineChartSizeBounded(t *testing.T) {
	size := func(days int) int {
		t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		dates := make([]time.Time, days)
		a, b := make([]int, days), make([]int, days)
		for i := range days {
			dates[i] = t0.AddDate(0, 0, i)
			a[i], b[i] = 1000+(i*7919)%300, 500+(i*104729)%200
		}
		return len(lineChart("c", "t", dates, []chartLine{{Name: "a", Color: "#000", Values: a}, {Name: "b", Color: "#111", Values: b}}))
	}
	year, twenty := size(365), size(20*365)
	if twenty > 60_000 {
		t.Errorf("twenty years: %d bytes, want at most 60,000 (a year: %d)", twenty, year)
	}
}
