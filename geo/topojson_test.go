package geo

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// tinyTopology is drawn by hand: scale (0.5, 2), translate (10, 100).
// Arc 0 runs (0,0)→(2,0)→(2,1) in quantised units, arc 1 back
// (2,1)→(0,1)→(0,0), so together they close a rectangle; arc 2 is a
// separate unit square at (4,4).
const tinyTopology = `{
  "type": "Topology",
  "transform": {"scale": [0.5, 2], "translate": [10, 100]},
  "objects": {
    "shapes": {"type": "GeometryCollection", "geometries": [
      {"type": "Polygon", "id": "A", "properties": {"name": "Forward"}, "arcs": [[0, 1]]},
      {"type": "Polygon", "id": 7, "properties": {"name": "Reversed"}, "arcs": [[-2, -1]]},
      {"type": "MultiPolygon", "id": "C", "arcs": [[[0, 1]], [[2]]]},
      {"type": "Point", "id": "P", "coordinates": [1, 1]},
      {"type": null}
    ]},
    "single": {"type": "Polygon", "id": "S", "arcs": [[2]]}
  },
  "arcs": [
    [[0, 0], [2, 0], [0, 1]],
    [[2, 1], [-2, 0], [0, -1]],
    [[4, 4], [1, 0], [0, 1], [-1, 0], [0, -1]]
  ]
}`

func TestDecodeTiny(t *testing.T) {
	topo, err := Decode([]byte(tinyTopology), DefaultLimits)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	rect := Ring{{10, 100}, {11, 100}, {11, 102}, {10, 102}, {10, 100}}
	rectReversed := Ring{{10, 100}, {10, 102}, {11, 102}, {11, 100}, {10, 100}}
	square := Ring{{12, 108}, {12.5, 108}, {12.5, 110}, {12, 110}, {12, 108}}
	want := []Shape{
		{ID: "A", Name: "Forward", Polygons: []Polygon{{rect}}},
		{ID: "7", Name: "Reversed", Polygons: []Polygon{{rectReversed}}},
		{ID: "C", Polygons: []Polygon{{rect}, {square}}},
	}
	got := topo.Object("shapes")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got shapes\n%+v\nwant\n%+v", got, want)
	}
	single := topo.Object("single")
	if len(single) != 1 || !reflect.DeepEqual(single[0].Polygons, []Polygon{{square}}) {
		t.Errorf("got single %+v, want the square", single)
	}
	if got := topo.Object("missing"); got != nil {
		t.Errorf("got %v for a missing object, want nil", got)
	}
}

func TestDecodeWithoutTransform(t *testing.T) {
	const doc = `{"type":"Topology","objects":{"o":{"type":"Polygon","arcs":[[0]]}},
		"arcs":[[[1.5,2.5],[3,2.5],[3,4],[1.5,2.5]]]}`
	topo, err := Decode([]byte(doc), DefaultLimits)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	want := Ring{{1.5, 2.5}, {3, 2.5}, {3, 4}, {1.5, 2.5}}
	if got := topo.Object("o")[0].Polygons[0][0]; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want absolute positions %v", got, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	small := Limits{MaxBytes: 1 << 20, MaxArcs: 2, MaxPoints: 5, MaxShapes: 2, MaxRefs: 3}
	arcs := `"arcs":[[[0,0],[1,0]],[[1,0],[0,1]]]`
	tests := []struct {
		name, doc string
		lim       Limits
		want      string
	}{
		{"not json", `{"type":`, DefaultLimits, "unexpected EOF"},
		{"not a topology", `{"type":"FeatureCollection"}`, DefaultLimits, "want Topology"},
		{"arc out of range", `{"type":"Topology","objects":{"o":{"type":"Polygon","arcs":[[5]]}},` + arcs + `}`, DefaultLimits, "out of range"},
		{"reversed arc out of range", `{"type":"Topology","objects":{"o":{"type":"Polygon","arcs":[[-9]]}},` + arcs + `}`, DefaultLimits, "out of range"},
		{"short position", `{"type":"Topology","objects":{},"arcs":[[[0]]]}`, DefaultLimits, "1 coordinates"},
		{"bad arcs shape", `{"type":"Topology","objects":{"o":{"type":"Polygon","arcs":[0]}},` + arcs + `}`, DefaultLimits, "arcs"},
		{"nested collection", `{"type":"Topology","objects":{"o":{"type":"GeometryCollection","geometries":[{"type":"GeometryCollection","geometries":[]}]}},` + arcs + `}`, DefaultLimits, "nested"},
		{"infinite position", `{"type":"Topology","transform":{"scale":[1e308,1],"translate":[0,0]},"objects":{},"arcs":[[[1e308,0]]]}`, DefaultLimits, "finite"},
		{"too many bytes", `{"type":"Topology"}`, Limits{MaxBytes: 5}, "bytes"},
		{"too many arcs", `{"type":"Topology","objects":{},"arcs":[[],[],[]]}`, small, "arcs, over"},
		{"too many points", `{"type":"Topology","objects":{},"arcs":[[[0,0],[1,1],[1,1]],[[0,0],[1,1],[1,1]]]}`, small, "positions"},
		{"too many shapes", `{"type":"Topology","objects":{"o":{"type":"GeometryCollection","geometries":[
			{"type":"Polygon","arcs":[[0]]},{"type":"Polygon","arcs":[[0]]},{"type":"Polygon","arcs":[[0]]}]}},` + arcs + `}`, small, "geometries"},
		{"too many refs", `{"type":"Topology","objects":{"o":{"type":"Polygon","arcs":[[0,1,0,1]]}},` + arcs + `}`, small, "references"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.doc), tt.lim)
			if !errors.Is(err, ErrTopology) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want ErrTopology mentioning %q", err, tt.want)
			}
		})
	}
}

// TestAtlas checks the vendored file: 50 states and DC named as sheet
// names them, every county under a known state, and the county table.
func TestAtlas(t *testing.T) {
	a, err := loadAtlas()
	if err != nil {
		t.Fatalf("atlas: %v", err)
	}
	if len(a.states) != 51 {
		t.Errorf("got %d states, want 51", len(a.states))
	}
	for code, s := range a.states {
		if want := stateName(code); s.Name != want {
			t.Errorf("state %s: got name %q, want sheet's %q", code, s.Name, want)
		}
		if StateFIPS(code) != s.ID {
			t.Errorf("state %s: got FIPS %q, want %q", code, StateFIPS(code), s.ID)
		}
		if len(s.Polygons) == 0 {
			t.Errorf("state %s has no polygons", code)
		}
	}
	if len(a.counties) != 3142 {
		t.Errorf("got %d counties, want 3142", len(a.counties))
	}
	if got := len(Counties("TX")); got != 254 {
		t.Errorf("got %d Texas counties, want 254", got)
	}
	if got := Counties("ZZ"); got != nil {
		t.Errorf("got %v for an unknown state, want nil", got)
	}
	for fips, want := range map[string]string{
		"48201": "Harris County", "22019": "Calcasieu Parish", "51760": "Richmond city",
		"51159": "Richmond County", "02110": "Juneau City and Borough", "02050": "Bethel Census Area",
		"11001": "District of Columbia", "32510": "Carson City", "24510": "Baltimore city",
		"35013": "Doña Ana County", "66010": "Guam",
	} {
		c, ok := CountyByFIPS(fips)
		if !ok || c.Name != want {
			t.Errorf("CountyByFIPS(%s): got %q %v, want %q", fips, c.Name, ok, want)
		}
	}
}
