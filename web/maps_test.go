package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/geo"
	"github.com/watch287g/watch287g/internal/svgtest"
)

// mapNode is an element of a page's map, parsed back.
type mapNode = svgtest.Node

// pageMap cuts the map with the given id out of a page and parses it.
func pageMap(t *testing.T, body, id string) mapNode {
	t.Helper()
	start := strings.Index(body, `<svg class="map"`)
	for start >= 0 && !strings.Contains(body[start:min(len(body), start+400)], `aria-labelledby="`+id+`-title`) {
		next := strings.Index(body[start+1:], `<svg class="map"`)
		if next < 0 {
			start = -1
			break
		}
		start += 1 + next
	}
	if start < 0 {
		t.Fatalf("page has no map %q", id)
	}
	end := strings.Index(body[start:], "</svg>")
	if end < 0 {
		t.Fatalf("map %q is not closed", id)
	}
	return svgtest.Parse(t, "map "+strconv.Quote(id), body[start:start+end+len("</svg>")])
}

// shapes returns the map's paths by the value of attr (data-state or
// data-fips).
func shapes(root mapNode, attr string) map[string]mapNode {
	out := map[string]mapNode{}
	root.Walk(func(n mapNode) {
		if n.XMLName.Local == "path" && n.Attr(attr) != "" {
			out[n.Attr(attr)] = n
		}
	})
	return out
}

func TestOverviewStateMap(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	rec := recorder(t, srv, "/")
	if rec.Code != 200 {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	root := pageMap(t, rec.Body.String(), "state-map")
	states := shapes(root, "data-state")
	if len(states) != 51 {
		t.Errorf("got %d state paths, want 51 (50 states and DC)", len(states))
	}
	// The latest participating list: Harris and Travis (TX), Cobb (GA),
	// Tulsa (OK). Buckets from DefaultBreaks: 1, then 2.
	for code, want := range map[string]struct {
		count, fill string
	}{
		"TX": {"2", geo.Palette[len(geo.Palette)-1]},
		"GA": {"1", geo.Palette[0]},
		"OK": {"1", geo.Palette[0]},
		"FL": {"0", geo.ZeroColor},
		"CA": {"0", geo.ZeroColor},
	} {
		p := states[code]
		if got := p.Attr("data-count"); got != want.count {
			t.Errorf("%s: got data-count %q, want %s", code, got, want.count)
		}
		if got := p.Attr("fill"); got != want.fill {
			t.Errorf("%s: got fill %s, want %s", code, got, want.fill)
		}
	}
	links := 0
	root.Walk(func(n mapNode) {
		if n.XMLName.Local == "a" && strings.HasPrefix(n.Attr("href"), "/states/") {
			links++
		}
	})
	if links != 51 {
		t.Errorf("got %d state links, want 51", links)
	}
}
func TestStatePageCountyMap(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	rec := recorder(t, srv, "/states/TX")
	if rec.Code != 200 {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	root := pageMap(t, rec.Body.String(), "county-map")
	counties := shapes(root, "data-fips")
	if len(counties) != 254 {
		t.Errorf("got %d county paths, want Texas's 254", len(counties))
	}
	// Harris County Sheriff's Office and Travis County Constable Pct. 5,
	// placed by their names (the fixture has no COUNTY column).
	for fips, want := range map[string]string{"48201": "1", "48453": "1", "48113": "0"} {
		if got := counties[fips].Attr("data-count"); got != want {
			t.Errorf("%s: got data-count %q, want %s", fips, got, want)
		}
	}
	if got := counties["48201"].Attr("fill"); got == geo.ZeroColor {
		t.Errorf("Harris County: got the zero colour for a county with an agreement")
	}

	// Oklahoma's only agreement is Tulsa's police: no county, said so.
	body := recorder(t, srv, "/states/OK").Body.String()
	pageMap(t, body, "county-map")
	if !strings.Contains(body, "Not on the map: 1 of 1") {
		t.Errorf("Oklahoma page does not say that its agreement is not on the map")
	}
}
