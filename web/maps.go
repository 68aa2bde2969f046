package web

import (
	"fmt"
	"html/template"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/geo"
)

// stateMap draws the overview's map: participating agreements by state,
// each state linked to its page. Every row is a state that has or had an
// agreement, so a territory ICE lists (Guam, the Northern Mariana
// Islands), which the map's projection has no shape for, gets its box
// even at zero.
func stateMap(rows []stateRow) template.HTML {
	counts := make(map[string]int, len(rows))
	for _, r := range rows {
		if r.Code != "" {
			counts[r.Code] = r.Participating
		}
	}
	return geo.StateMap(counts, geo.Options{
		ID:    "state-map",
		Title: "Participating 287(g) agreements by state",
		Href:  func(code string) string { return "/states/" + code },
	})
}

// countyMap draws a state page's map: its participating agreements by
// county (geo.RecordCounty: the COUNTY column or the agency's name), and
// says how many have no known county, since those are not on the map.
func countyMap(code string, agreements []diff.Agreement) template.HTML {
	counts := map[string]int{}
	unplaced := 0
	for i := range agreements {
		c, ok := geo.RecordCounty(&agreements[i].Record)
		if !ok {
			unplaced++
			continue
		}
		counts[c.FIPS]++
	}
	m := geo.CountyMap(code, counts, geo.Options{
		ID:    "county-map",
		Title: "Participating 287(g) agreements by county in " + stateName(code),
	})
	if m == "" {
		return ""
	}
	if unplaced > 0 {
		m += template.HTML(fmt.Sprintf(`<p class="muted">Not on the map: %d of %d, with no county known (a city police department listed without one, a state agency).</p>`,
			unplaced, len(agreements)))
	}
	return m
}
