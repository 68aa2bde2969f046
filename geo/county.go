package geo

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/watch287g/watch287g/sheet"
)

// County is a county or county equivalent (a Louisiana parish, an Alaska
// borough or census area, an independent city).
type County struct {
	// Name is the name people read: "Harris County", "Orleans Parish",
	// "Richmond city", "Juneau City and Borough".
	Name string `json:"name"`
	// FIPS is the five-digit county FIPS code ("48201").
	FIPS string `json:"fips"`
}

// CountyColumn is the header of the county column in ICE's lists.
const CountyColumn = "COUNTY"

// RecordCounty is CountyOf for a record: its state, its agency and its
// COUNTY column (whatever the header's case).
func RecordCounty(r *sheet.Record) (County, bool) {
	if r == nil {
		return County{}, false
	}
	col := r.Extra[CountyColumn]
	if col == "" {
		for k, v := range r.Extra {
			if strings.EqualFold(strings.TrimSpace(k), CountyColumn) {
				col = v
				break
			}
		}
	}
	return CountyOf(r.State, r.Agency, col)
}

// CountyOf finds the county of an agreement in state (a USPS code), in
// this order: a county spelled out in the agency's own name ("Harris
// County Sheriff's Office", "Sheriff of Harris County", "Calcasieu Parish
// …", "City of Richmond" for Virginia's independent cities); the list's
// COUNTY column; a misspelled county in the name; the words before
// "Sheriff" ("Virginia Beach Sheriff's Office") and a few aliases
// ("Jacksonville Sheriff's Office" is Duval County); in a state or
// territory with one county equivalent (DC, Guam), that one. Only
// counties of state match. Names are matched without case, punctuation or
// accents, "Saint" as "St", and within one edit (two in a name of seven
// letters or more) when only one county is that close: ICE's lists have
// "Calacasieu Parish", "Somervill" and "Flagere County". ok is false when
// nothing names a county: a city police department without a COUNTY
// value, a state agency, a regional jail of several counties, a county
// of another state (a typo in the state).
func CountyOf(state, agency, countyColumn string) (County, bool) {
	a, err := loadAtlas()
	if err != nil {
		return County{}, false
	}
	state = strings.ToUpper(strings.TrimSpace(state))
	table := a.table[state]
	if len(table) == 0 {
		return County{}, false
	}
	ws := words(agency)
	if len(ws) > 40 {
		ws = ws[:40] // a name, not a document: the county is near the start
	}
	// A county spelled out in the agency's own name is its jurisdiction,
	// and outranks the column: ICE's lists have "Bradford County
	// Sheriff's Office" with COUNTY "Bedford County".
	if e, ok := fromKeywords(table, state, ws, false); ok {
		return e.County, true
	}
	if e, ok := fromColumn(table, countyColumn); ok {
		return e.County, true
	}
	if e, ok := fromKeywords(table, state, ws, true); ok {
		return e.County, true
	}
	if e, ok := fromSheriff(table, state, ws); ok {
		return e.County, true
	}
	if len(table) == 1 {
		return table[0].County, true
	}
	return County{}, false
}

// class narrows a lookup to counties or to independent cities, by the
// word that followed or preceded the name.
type class int

const (
	anyClass class = iota
	countyClass
	cityClass
)

// maxNameWords is the most words a county's name has ("Lake and
// Peninsula", "St. John the Baptist" has four).
const maxNameWords = 4

// fromColumn reads a COUNTY cell: "Harris County", "Harris", "Calcasieu
// Parish", "Richmond City"; placeholders (#NA, N/A, "County") match
// nothing.
func fromColumn(table []entry, col string) (entry, bool) {
	ws := words(col)
	if len(ws) == 0 || len(ws) > maxNameWords+3 {
		return entry{}, false
	}
	// The whole cell first: "Carson City", "Charles City", "James City".
	if e, ok := lookup(table, strings.Join(ws, ""), anyClass, false); ok {
		return e, true
	}
	name, cl := trimKind(ws)
	if len(name) == 0 {
		return entry{}, false
	}
	// The whole name, then its last words ("Sparta-White County" is White
	// County), exactly; then the whole name within an edit or two.
	for k := min(maxNameWords, len(name)); k >= 1; k-- {
		if e, ok := lookup(table, strings.Join(name[len(name)-k:], ""), cl, false); ok {
			return e, true
		}
	}
	return lookup(table, strings.Join(name, ""), cl, true)
}

// trimKind removes a trailing kind of county ("County", "Parish",
// "Borough", "Census Area", "City", misspellings included) and says which
// class it asks for.
func trimKind(ws []string) ([]string, class) {
	n := len(ws)
	switch {
	case n >= 2 && ws[n-2] == "census" && ws[n-1] == "area":
		return ws[:n-2], countyClass
	case n >= 3 && ws[n-3] == "city" && ws[n-2] == "and" && ws[n-1] == "borough":
		return ws[:n-3], countyClass
	}
	switch ws[n-1] {
	case "county", "conty", "cnty", "co", "parish", "borough", "municipality":
		return ws[:n-1], countyClass
	case "city":
		return ws[:n-1], cityClass
	}
	return ws, anyClass
}

// keyword reports whether ws[i] is a word that follows (or, with "of",
// precedes) a county's name in an agency's name, and which class. Parish,
// borough and census area count only where they are counties: a
// Pennsylvania borough is a town.
func keyword(ws []string, i int, state string) (class, bool) {
	switch ws[i] {
	case "county", "cnty":
		return countyClass, true
	case "co":
		return countyClass, i > 0
	case "city":
		return cityClass, true
	case "parish":
		return countyClass, state == "LA"
	case "borough", "municipality":
		return countyClass, state == "AK"
	case "census":
		return countyClass, state == "AK" && i+1 < len(ws) && ws[i+1] == "area"
	}
	return anyClass, false
}

// fromKeywords finds a county named in an agency's name: the words
// before a keyword ("Harris County"), or after it and "of" ("County of
// Harris", "City of Richmond"). fuzzy allows a misspelling in the one or
// two words before the keyword.
func fromKeywords(table []entry, state string, ws []string, fuzzy bool) (entry, bool) {
	for i := range ws {
		cl, ok := keyword(ws, i, state)
		if !ok {
			continue
		}
		if e, ok := before(table, ws, i, cl, fuzzy); ok {
			return e, true
		}
		if i+2 < len(ws) && ws[i+1] == "of" && !fuzzy {
			for k := min(maxNameWords, len(ws)-i-2); k >= 1; k-- {
				if e, ok := lookup(table, strings.Join(ws[i+2:i+2+k], ""), cl, false); ok {
					return e, true
				}
			}
		}
	}
	return entry{}, false
}

// aliases are names of a county that are not its name, found as
// consecutive words of an agency's name: consolidated city-counties whose
// sheriff goes by the city, a county whose hyphen goes missing.
var aliases = map[string][]struct {
	words []string
	fips  string
}{
	"FL": {
		{[]string{"jacksonville", "sheriffs"}, "12031"}, // Duval
		{[]string{"jacksonville", "sheriff"}, "12031"},
		{[]string{"miami", "dade"}, "12086"},
	},
}

// fromSheriff finds a county from the words before (or after "of")
// "Sheriff" without a keyword: Virginia's city sheriffs ("Virginia Beach
// Sheriff's Office"), and the aliases.
func fromSheriff(table []entry, state string, ws []string) (entry, bool) {
	for _, al := range aliases[state] {
		if containsRun(ws, al.words) {
			for _, e := range table {
				if e.FIPS == al.fips {
					return e, true
				}
			}
		}
	}
	// Without a keyword, a state's own name is the state: the Oklahoma
	// Sheriffs' Association is not in Oklahoma County.
	own := matchKey(stateName(state))
	find := func(run []string) (entry, bool) {
		key := strings.Join(run, "")
		if key == own {
			return entry{}, false
		}
		return lookup(table, key, anyClass, false)
	}
	for i, w := range ws {
		if w != "sheriff" && w != "sheriffs" {
			continue
		}
		for k := min(maxNameWords, i); k >= 1; k-- {
			if e, ok := find(ws[i-k : i]); ok {
				return e, true
			}
		}
		if i+2 < len(ws) && ws[i+1] == "of" {
			for k := min(maxNameWords, len(ws)-i-2); k >= 1; k-- {
				if e, ok := find(ws[i+2 : i+2+k]); ok {
					return e, true
				}
			}
		}
	}
	return entry{}, false
}

// containsRun reports whether run occurs as consecutive words of ws.
func containsRun(ws, run []string) bool {
	for i := 0; i+len(run) <= len(ws); i++ {
		match := true
		for j, w := range run {
			if ws[i+j] != w {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// before looks up the words before ws[i], longest first. A city keyword
// tries the name with "City" first ("Carson City", "Charles City County").
// Fuzzy matching looks at the one or two words just before the keyword.
func before(table []entry, ws []string, i int, cl class, fuzzy bool) (entry, bool) {
	if cl == cityClass && !fuzzy {
		for k := min(maxNameWords, i); k >= 1; k-- {
			if e, ok := lookup(table, strings.Join(ws[i-k:i+1], ""), anyClass, false); ok {
				return e, true
			}
		}
	}
	longest := min(maxNameWords, i)
	if fuzzy {
		if cl == cityClass {
			return entry{}, false
		}
		longest = min(2, i)
	}
	for k := longest; k >= 1; k-- {
		if e, ok := lookup(table, strings.Join(ws[i-k:i], ""), cl, fuzzy); ok {
			return e, true
		}
	}
	return entry{}, false
}

// lookup finds the one entry whose key is key, preferring the class asked
// for (Richmond County and Richmond city are both in Virginia) but taking
// a single city when a county was asked for (ICE's "Hopewell County" is
// the city).
// With fuzzy, and no exact match, the one entry within one edit (two for
// a key of seven letters or more) of key, when no other is as close.
func lookup(table []entry, key string, cl class, fuzzy bool) (entry, bool) {
	if key == "" {
		return entry{}, false
	}
	var same, other []entry
	for _, e := range table {
		if e.key != key {
			continue
		}
		if cl == anyClass || (cl == cityClass) == e.city {
			same = append(same, e)
		} else {
			other = append(other, e)
		}
	}
	switch {
	case len(same) == 1:
		return same[0], true
	case len(same) > 1 && cl == anyClass:
		// Both a county and a city: with nothing to choose, the county,
		// which is what a bare name in a COUNTY column means.
		var counties []entry
		for _, e := range same {
			if !e.city {
				counties = append(counties, e)
			}
		}
		if len(counties) == 1 {
			return counties[0], true
		}
		return entry{}, false
	case len(same) == 0 && len(other) == 1 && cl == countyClass:
		// Never the other way: Lake City, Florida, is not in Lake County.
		return other[0], true
	case len(same)+len(other) > 0:
		return entry{}, false
	}
	if !fuzzy || len(key) < 5 {
		return entry{}, false
	}
	limit := 1
	if len(key) >= 7 {
		limit = 2
	}
	best, bestD, ties := entry{}, limit+1, 0
	for _, e := range table {
		if cl != anyClass && (cl == cityClass) != e.city {
			continue
		}
		d := sheet.EditDistance(key, e.key, limit)
		switch {
		case d < bestD:
			best, bestD, ties = e, d, 1
		case d == bestD:
			ties++
		}
	}
	if bestD <= limit && ties == 1 {
		return best, true
	}
	return entry{}, false
}

// words splits a name into lower-case words without accents, apostrophes
// or periods ("St. Mary's" → "st", "marys"; "Doña Ana" → "dona", "ana"),
// with "Saint" and "Sainte" as "st" and "ste". Anything else separates.
func words(s string) []string {
	if len(s) > 1000 {
		s = s[:1000]
	}
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := b.String()
		switch w {
		case "saint":
			w = "st"
		case "sainte":
			w = "ste"
		}
		out = append(out, w)
		b.Reset()
	}
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// A combining accent: ñ is n + ~.
		case r == '\'' || r == '’' || r == '.':
			// Inside a word: "Sheriff's", "St."
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

// matchKey is the key a county's bare name is matched by: its words
// joined ("St. Johns" → "stjohns", "DeKalb" and "De Kalb" → "dekalb").
func matchKey(name string) string {
	return strings.Join(words(name), "")
}
