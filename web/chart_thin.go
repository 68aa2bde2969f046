package web

import "math"

// chartPoint is a polyline vertex in the chart's user units.
type chartPoint struct{ X, Y float64 }

// thinColumns keeps, of each run of consecutive points within one user
// unit of x, the first, the highest, the lowest and the last, in their
// order: the line drawn through them covers the same pixels as the line
// through all of them, within a unit (the 560-unit chart is drawn at most
// about 900 px wide). A step line of ten years of lists has some 14,000
// vertices, 200 KB of SVG, in a plot 492 units wide; this bounds it by the
// plot's width (four points a unit) whatever the history's length.
func thinColumns(pts []chartPoint) []chartPoint {
	if len(pts) <= 4 {
		return pts
	}
	out := make([]chartPoint, 0, min(len(pts), 1024))
	for i := 0; i < len(pts); {
		col := math.Floor(pts[i].X)
		j := i + 1
		lo, hi := i, i
		for ; j < len(pts) && math.Floor(pts[j].X) == col; j++ {
			if pts[j].Y < pts[lo].Y {
				lo = j
			}
			if pts[j].Y > pts[hi].Y {
				hi = j
			}
		}
		// first, then the extremes in the order the line reaches them, then last
		keep := [4]int{i, min(lo, hi), max(lo, hi), j - 1}
		prev := -1
		for _, k := range keep {
			if k != prev {
				out = append(out, pts[k])
				prev = k
			}
		}
		i = j
	}
	return out
}
