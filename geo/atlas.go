// Package geo knows where agreements are: the county (and its FIPS code)
// of an agency, from the list's COUNTY column or the agency's own name,
// and choropleth maps of counts by state and by county drawn as
// server-side SVG.
//
// The boundaries are the Census Bureau's 2017 cartographic boundaries as
// npm's us-atlas 3.0.1 ships them (data/README.md says how to regenerate
// them), embedded in the binary and decoded once, on first use. geo sits
// beside sheet in the data flow: it imports sheet for the one table of
// states, and nothing downstream.
package geo

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/watch287g/watch287g/sheet"
)

//go:embed data/counties-albers-10m.json
var atlasJSON []byte

// View is the size of the view the vendored atlas is projected for.
const (
	ViewWidth  = 975
	ViewHeight = 610
)

// stateFIPS maps the two-digit state FIPS code to the USPS code, for the 50
// states, DC and the territories ICE can list.
var stateFIPS = map[string]string{
	"01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT", "10": "DE",
	"11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL", "18": "IN", "19": "IA",
	"20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD", "25": "MA", "26": "MI", "27": "MN",
	"28": "MS", "29": "MO", "30": "MT", "31": "NE", "32": "NV", "33": "NH", "34": "NJ", "35": "NM",
	"36": "NY", "37": "NC", "38": "ND", "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI",
	"45": "SC", "46": "SD", "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA",
	"54": "WV", "55": "WI", "56": "WY",
	"60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}

// StateFIPS returns the two-digit FIPS code of a USPS code ("48" for
// "TX"), or "" for a code that is not a state, DC or territory.
func StateFIPS(code string) string {
	for f, c := range stateFIPS {
		if c == code {
			return f
		}
	}
	return ""
}

// StateOfFIPS returns the USPS code of a county or state FIPS code (its
// first two digits), or "".
func StateOfFIPS(fips string) string {
	if len(fips) < 2 {
		return ""
	}
	return stateFIPS[fips[:2]]
}

// territories are drawn as labelled boxes: the atlas (Albers USA) has no
// shapes for them.
var territories = []string{"PR", "VI", "GU", "MP", "AS"}

func isTerritory(code string) bool {
	for _, t := range territories {
		if t == code {
			return true
		}
	}
	return false
}

// atlas is the decoded vendored topology.
type atlas struct {
	states   map[string]Shape   // by USPS code
	counties map[string]Shape   // by FIPS
	byState  map[string][]Shape // counties by USPS code, by FIPS
	table    map[string][]entry // county table by USPS code, by FIPS
}

// entry is one row of the county table: the county and the key its bare
// name matches by.
type entry struct {
	County
	key  string // matchKey of the bare name ("harris", "stjohns")
	city bool   // an independent city
}

var (
	atlasOnce sync.Once
	atlasData *atlas
	atlasErr  error
)

// loadAtlas decodes the embedded atlas once. An error means the embedded
// file is damaged, which the package's tests catch; callers degrade (no
// map, no county) rather than fail a page.
func loadAtlas() (*atlas, error) {
	atlasOnce.Do(func() {
		atlasData, atlasErr = newAtlas(atlasJSON)
	})
	return atlasData, atlasErr
}

func newAtlas(b []byte) (*atlas, error) {
	topo, err := Decode(b, DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("geo: atlas: %w", err)
	}
	a := &atlas{
		states:   map[string]Shape{},
		counties: map[string]Shape{},
		byState:  map[string][]Shape{},
		table:    map[string][]entry{},
	}
	for _, s := range topo.Object("states") {
		code := stateFIPS[s.ID]
		if code == "" {
			return nil, fmt.Errorf("geo: atlas: state id %q has no USPS code", s.ID)
		}
		a.states[code] = s
	}
	for _, s := range topo.Object("counties") {
		code := StateOfFIPS(s.ID)
		if code == "" || len(s.ID) != 5 {
			return nil, fmt.Errorf("geo: atlas: county id %q is not a county FIPS code", s.ID)
		}
		a.counties[s.ID] = s
		a.byState[code] = append(a.byState[code], s)
		a.table[code] = append(a.table[code], entry{
			County: County{Name: countyName(code, s.ID, s.Name), FIPS: s.ID},
			key:    matchKey(s.Name),
			city:   isCity(s.ID),
		})
	}
	for code := range a.byState {
		sort.Slice(a.byState[code], func(i, j int) bool { return a.byState[code][i].ID < a.byState[code][j].ID })
		sort.Slice(a.table[code], func(i, j int) bool { return a.table[code][i].FIPS < a.table[code][j].FIPS })
	}
	// Guam is one county equivalent (66010) with no shape in the atlas.
	a.table["GU"] = []entry{{County: County{Name: "Guam", FIPS: "66010"}, key: "guam"}}
	if len(a.states) != 51 {
		return nil, fmt.Errorf("geo: atlas: %d states, want 50 and DC", len(a.states))
	}
	return a, nil
}

// akSuffix is the kind of each Alaska county equivalent (2017 names).
var akSuffix = map[string]string{
	"02013": "Borough", "02016": "Census Area", "02020": "Municipality", "02050": "Census Area",
	"02060": "Borough", "02068": "Borough", "02070": "Census Area", "02090": "Borough",
	"02100": "Borough", "02105": "Census Area", "02110": "City and Borough", "02122": "Borough",
	"02130": "Borough", "02150": "Borough", "02158": "Census Area", "02164": "Borough",
	"02170": "Borough", "02180": "Census Area", "02185": "Borough", "02188": "Borough",
	"02195": "Borough", "02198": "Census Area", "02220": "City and Borough", "02230": "Municipality",
	"02240": "Census Area", "02261": "Census Area", "02275": "City and Borough", "02282": "City and Borough",
	"02290": "Census Area",
}

// isCity reports whether fips is an independent city: Virginia's (county
// codes 510 and up), Baltimore, St. Louis and Carson City.
func isCity(fips string) bool {
	return len(fips) == 5 && fips[2:] >= "510" && (fips[:2] == "51" || fips == "24510" || fips == "29510" || fips == "32510")
}

// countyName is the name people read: the atlas's bare name with the
// kind of county equivalent the Census Bureau gives it.
func countyName(state, fips, base string) string {
	switch {
	case fips == "11001":
		return "District of Columbia"
	case fips == "32510":
		return "Carson City"
	case isCity(fips):
		return base + " city"
	case state == "LA":
		return base + " Parish"
	case state == "AK":
		if s := akSuffix[fips]; s != "" {
			return base + " " + s
		}
		return base
	}
	return base + " County"
}

// Counties returns the county table of a state (its counties and county
// equivalents by FIPS code), nil for an unknown state or one without
// counties in the atlas. The slice is the caller's own.
func Counties(state string) []County {
	a, err := loadAtlas()
	if err != nil {
		return nil
	}
	t := a.table[strings.ToUpper(state)]
	if len(t) == 0 {
		return nil
	}
	out := make([]County, len(t))
	for i, e := range t {
		out[i] = e.County
	}
	return out
}

// CountyByFIPS returns the county with a FIPS code.
func CountyByFIPS(fips string) (County, bool) {
	a, err := loadAtlas()
	if err != nil {
		return County{}, false
	}
	for _, c := range a.table[StateOfFIPS(fips)] {
		if c.FIPS == fips {
			return c.County, true
		}
	}
	return County{}, false
}

// stateName is sheet's name for a USPS code, or the code itself.
func stateName(code string) string {
	if n := sheet.StateName(code); n != "" {
		return n
	}
	return code
}
