package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Point is a position in the topology's coordinates (for the vendored
// atlas, pixels of the 975×610 Albers USA view, y down).
type Point struct{ X, Y float64 }

// Ring is a closed sequence of points; its last point repeats its first.
type Ring []Point

// Polygon is an exterior ring followed by its holes.
type Polygon []Ring

// Shape is one geometry of a TopoJSON object: a Polygon or a
// MultiPolygon, by the id and name the topology gives it.
type Shape struct {
	ID       string
	Name     string
	Polygons []Polygon
}

// Limits caps what Decode accepts. A topology over any of them is an
// error, never a truncated map.
type Limits struct {
	MaxBytes  int // the JSON document
	MaxArcs   int
	MaxPoints int // positions over all arcs
	MaxShapes int // geometries over all objects
	MaxRefs   int // arc references over all geometries
}

// DefaultLimits are comfortably above the vendored atlas (795 kB, 9,462
// arcs, about 120,000 positions, 3,194 geometries).
var DefaultLimits = Limits{MaxBytes: 8 << 20, MaxArcs: 100_000, MaxPoints: 2_000_000, MaxShapes: 20_000, MaxRefs: 1_000_000}

// ErrTopology is returned (wrapped) for a document that is not a TopoJSON
// topology this decoder can read, or that exceeds its Limits.
var ErrTopology = errors.New("geo: bad topology")

// Topology is a decoded TopoJSON topology: its arcs in absolute
// coordinates and its objects as shapes.
type Topology struct {
	objects map[string][]Shape
}

// Object returns the shapes of the named object (a GeometryCollection or a
// single geometry), nil when there is none.
func (t *Topology) Object(name string) []Shape {
	return t.objects[name]
}

type topoDoc struct {
	Type      string `json:"type"`
	Transform *struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects map[string]topoGeometry `json:"objects"`
	Arcs    [][][]float64           `json:"arcs"`
}

type topoGeometry struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
	Arcs       json.RawMessage `json:"arcs"`
	Geometries []topoGeometry  `json:"geometries"`
}

// Decode reads a TopoJSON topology: quantised arcs (with a transform) are
// delta-decoded, and each Polygon or MultiPolygon of each object becomes a
// Shape with rings in absolute coordinates (a negative arc index ~i is arc
// i reversed). Other geometry types (points, lines, null) are skipped;
// GeometryCollections nest one level only.
func Decode(b []byte, lim Limits) (*Topology, error) {
	if len(b) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrTopology, len(b), lim.MaxBytes)
	}
	var doc topoDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTopology, err)
	}
	if doc.Type != "Topology" {
		return nil, fmt.Errorf("%w: type %q, want Topology", ErrTopology, doc.Type)
	}
	if len(doc.Arcs) > lim.MaxArcs {
		return nil, fmt.Errorf("%w: %d arcs, over the limit of %d", ErrTopology, len(doc.Arcs), lim.MaxArcs)
	}
	arcs, err := decodeArcs(doc, lim)
	if err != nil {
		return nil, err
	}
	t := &Topology{objects: make(map[string][]Shape, len(doc.Objects))}
	d := shapeDecoder{arcs: arcs, lim: lim}
	for name, g := range doc.Objects {
		var shapes []Shape
		if g.Type == "GeometryCollection" {
			for _, c := range g.Geometries {
				s, ok, err := d.shape(c)
				if err != nil {
					return nil, fmt.Errorf("%w: object %q: %w", ErrTopology, name, err)
				}
				if ok {
					shapes = append(shapes, s)
				}
			}
		} else {
			s, ok, err := d.shape(g)
			if err != nil {
				return nil, fmt.Errorf("%w: object %q: %w", ErrTopology, name, err)
			}
			if ok {
				shapes = append(shapes, s)
			}
		}
		t.objects[name] = shapes
	}
	return t, nil
}

// decodeArcs turns the arcs into absolute points: with a transform, each
// position after the first is a delta from the previous one, in quantised
// units.
func decodeArcs(doc topoDoc, lim Limits) ([][]Point, error) {
	total := 0
	for _, a := range doc.Arcs {
		total += len(a)
	}
	if total > lim.MaxPoints {
		return nil, fmt.Errorf("%w: %d positions, over the limit of %d", ErrTopology, total, lim.MaxPoints)
	}
	sx, sy, tx, ty := 1.0, 1.0, 0.0, 0.0
	if tr := doc.Transform; tr != nil {
		sx, sy, tx, ty = tr.Scale[0], tr.Scale[1], tr.Translate[0], tr.Translate[1]
	}
	pts := make([]Point, 0, total) // one backing array for every arc
	arcs := make([][]Point, len(doc.Arcs))
	for i, a := range doc.Arcs {
		start := len(pts)
		var qx, qy float64
		for j, p := range a {
			if len(p) < 2 {
				return nil, fmt.Errorf("%w: arc %d position %d has %d coordinates", ErrTopology, i, j, len(p))
			}
			if doc.Transform == nil {
				pts = append(pts, Point{p[0], p[1]})
				continue
			}
			qx, qy = qx+p[0], qy+p[1]
			pts = append(pts, Point{qx*sx + tx, qy*sy + ty})
		}
		for _, p := range pts[start:] {
			if math.IsNaN(p.X) || math.IsInf(p.X, 0) || math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
				return nil, fmt.Errorf("%w: arc %d has a position that is not a finite number", ErrTopology, i)
			}
		}
		arcs[i] = pts[start:len(pts):len(pts)]
	}
	return arcs, nil
}

type shapeDecoder struct {
	arcs   [][]Point
	lim    Limits
	shapes int
	refs   int
}

// shape decodes one Polygon or MultiPolygon; ok is false for a geometry
// of another type.
func (d *shapeDecoder) shape(g topoGeometry) (Shape, bool, error) {
	d.shapes++
	if d.shapes > d.lim.MaxShapes {
		return Shape{}, false, fmt.Errorf("over the limit of %d geometries", d.lim.MaxShapes)
	}
	s := Shape{ID: rawID(g.ID), Name: g.Properties.Name}
	switch g.Type {
	case "Polygon":
		var rings [][]int
		if err := json.Unmarshal(g.Arcs, &rings); err != nil {
			return Shape{}, false, fmt.Errorf("polygon %q arcs: %w", s.ID, err)
		}
		p, err := d.polygon(rings)
		if err != nil {
			return Shape{}, false, fmt.Errorf("polygon %q: %w", s.ID, err)
		}
		s.Polygons = []Polygon{p}
	case "MultiPolygon":
		var polys [][][]int
		if err := json.Unmarshal(g.Arcs, &polys); err != nil {
			return Shape{}, false, fmt.Errorf("multipolygon %q arcs: %w", s.ID, err)
		}
		for _, rings := range polys {
			p, err := d.polygon(rings)
			if err != nil {
				return Shape{}, false, fmt.Errorf("multipolygon %q: %w", s.ID, err)
			}
			s.Polygons = append(s.Polygons, p)
		}
	case "GeometryCollection":
		return Shape{}, false, errors.New("nested GeometryCollection")
	default:
		return Shape{}, false, nil
	}
	return s, true, nil
}

func (d *shapeDecoder) polygon(rings [][]int) (Polygon, error) {
	p := make(Polygon, 0, len(rings))
	for _, refs := range rings {
		r, err := d.ring(refs)
		if err != nil {
			return nil, err
		}
		p = append(p, r)
	}
	return p, nil
}

// ring joins arcs end to start; each arc after the first repeats the
// previous arc's last point, which is dropped.
func (d *shapeDecoder) ring(refs []int) (Ring, error) {
	d.refs += len(refs)
	if d.refs > d.lim.MaxRefs {
		return nil, fmt.Errorf("over the limit of %d arc references", d.lim.MaxRefs)
	}
	var r Ring
	for k, ref := range refs {
		i, rev := ref, false
		if ref < 0 {
			i, rev = ^ref, true
		}
		if i >= len(d.arcs) {
			return nil, fmt.Errorf("arc %d out of range (%d arcs)", ref, len(d.arcs))
		}
		a := d.arcs[i]
		if len(a) == 0 {
			continue
		}
		skip := 0
		if k > 0 && len(r) > 0 {
			skip = 1
		}
		if rev {
			for j := len(a) - 1 - skip; j >= 0; j-- {
				r = append(r, a[j])
			}
		} else {
			r = append(r, a[skip:]...)
		}
	}
	return r, nil
}

// rawID reads a geometry id given as a string or a number.
func rawID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return ""
}
