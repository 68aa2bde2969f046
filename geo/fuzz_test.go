package geo

import (
	"strings"
	"testing"
)

// FuzzDecode: any document decodes or fails with ErrTopology, never
// panics (arc indices out of range, ragged positions, deep nesting).
// Run at length with: go test -run XXX -fuzz FuzzDecode -fuzztime 1m ./geo/
func FuzzDecode(f *testing.F) {
	f.Add([]byte(tinyTopology))
	f.Add([]byte(`{"type":"Topology","objects":{"o":{"type":"MultiPolygon","arcs":[[[-1,0,-3]]]}},"arcs":[[[0,0]]]}`))
	f.Add([]byte(`{"type":"Topology","transform":{"scale":[1e308,1e308],"translate":[0,0]},"objects":{},"arcs":[[[1e308,1e308],[1e308,1e308]]]}`))
	lim := Limits{MaxBytes: 1 << 16, MaxArcs: 100, MaxPoints: 1000, MaxShapes: 100, MaxRefs: 1000}
	f.Fuzz(func(t *testing.T, b []byte) {
		topo, err := Decode(b, lim)
		if err != nil {
			return
		}
		for _, shapes := range topo.objects {
			for _, s := range shapes {
				var sb strings.Builder
				pathData(&sb, s.Polygons, func(p Point) (float64, float64) { return p.X, p.Y })
			}
		}
	})
}

// FuzzCountyOf: any state, agency and column give a county of that state
// or nothing, never a panic.
func FuzzCountyOf(f *testing.F) {
	f.Add("TX", "Harris County Sheriff's Office", "")
	f.Add("VA", "City of Richmond", "Richmond City")
	f.Add("LA", "Sheriff of", "Parish")
	f.Add("AK", "census", "Census Area")
	f.Fuzz(func(t *testing.T, state, agency, col string) {
		c, ok := CountyOf(state, agency, col)
		if ok && StateOfFIPS(c.FIPS) != strings.ToUpper(strings.TrimSpace(state)) {
			t.Errorf("CountyOf(%q, %q, %q): got %s %s, a county of another state", state, agency, col, c.Name, c.FIPS)
		}
	})
}
