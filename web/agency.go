package web

import (
	"context"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// An agency is every agreement and pending record that share a state and
// an agency name, compared folded: lower case, accents and apostrophes
// dropped, every other run of punctuation or space one hyphen. Its id is
// that folded form with the state code in front,
// "tx-harris-county-sheriffs-office": stable while ICE spells the name the
// same way, readable in a URL, and the same for an agency's task force
// agreement, its warrant service officer agreement and its pending record.
// A renamed agency (a new spelling in a later list) keeps its agreements'
// ids but files them under the new name's agency, which is what the lists
// say it is now. The rule is diff.AgencyID, shared with the SQLite export.
func agencyID(state, agency string) string { return diff.AgencyID(state, agency) }

// agency is one agency's agreements, active first.
type agency struct {
	ID, Name, State, County string
	Agreements              []store.AgreementInfo
	// Active counts the agreements still listed (either list), Count all
	// of them (also when Agreements is left out: agencyIndex).
	Active, Count int
	// keys are the agency's folded words for agencyMatch, worked out once
	// (nil: agencyMatch folds them itself).
	keys *agencyKeys
}

// agencyKeys are what agencyMatch compares a query with.
type agencyKeys struct {
	name, stName string   // the folded name and state name
	hay          []string // words of the name, county, "county", state code and name
}

// punctSpace turns the commas and full stops a query or name may carry
// into spaces (one replacer for every match: building one is costly).
var punctSpace = strings.NewReplacer(",", " ", ".", " ")

func keysOf(g *agency) *agencyKeys {
	name, stName := foldText(g.Name), foldText(stateName(g.State))
	return &agencyKeys{name: name, stName: stName, hay: strings.Fields(punctSpace.Replace(
		name + " " + foldText(g.County) + " county " + strings.ToLower(g.State) + " " + stName))}
}

// agencies groups every agreement the store knows by agency, sorted by
// state then name.
func (s *Server) agencies(ctx context.Context) ([]*agency, error) {
	all, err := s.store.FindAgreements(ctx, "")
	if err != nil {
		return nil, err
	}
	return groupAgencies(all, true), nil
}

// groupAgencies groups agreements by agency, sorted by state then name;
// without records, each agency keeps only its counts and match keys.
func groupAgencies(all []store.AgreementInfo, records bool) []*agency {
	byID := map[string]*agency{}
	var out []*agency
	for _, a := range all {
		id := agencyID(a.State, a.Agency)
		g := byID[id]
		if g == nil {
			g = &agency{ID: id, Name: a.Agency, State: a.State}
			byID[id] = g
			out = append(out, g)
		}
		if g.County == "" {
			g.County = county(a.Record.Extra)
		}
		if a.Active {
			g.Active++
		}
		g.Count++
		if records {
			g.Agreements = append(g.Agreements, a)
		}
	}
	for _, g := range out {
		if records {
			sort.SliceStable(g.Agreements, func(i, j int) bool {
				return g.Agreements[i].Active && !g.Agreements[j].Active
			})
		} else {
			g.keys = keysOf(g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].State != out[j].State {
			return out[i].State < out[j].State
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// agencyIndex is agencies without their agreements and with their match
// keys, built once per data version and shared: each search matches its
// query against every agency, and reading and grouping every agreement
// again for each query was a third of a search's cost. Ten years of lists
// are some 10,000 agreements; the index keeps a line per agency, not
// their records. The caller must not change what it returns.
func (s *Server) agencyIndex(ctx context.Context) ([]*agency, error) {
	ver, err := s.version(ctx, false)
	if err != nil {
		return nil, err
	}
	return s.cache.agencies(ver, func() ([]*agency, error) {
		all, err := s.store.FindAgreements(ctx, "")
		if err != nil {
			return nil, err
		}
		return groupAgencies(all, false), nil
	})
}

// county is the COUNTY column of a record, when the list has one.
func county(extra map[string]string) string {
	for k, v := range extra {
		if strings.EqualFold(strings.TrimSpace(k), "county") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// agencyMatch ranks an agency for a search, lower first:
//
//	0  the agency's name (or name and state) exactly
//	1  a name starting with the query's whole words ("harris" in "Harris County …")
//	2  a name starting with it inside a word ("Harrison County …")
//	3  every word of the query is a whole word of the name, county, state code or state name
//	4  every word starts one of those words
//	5  every word is found inside them
//
// and -1 for no match. So "harris county tx" finds the agencies of
// Harris County, Texas (by name or by the COUNTY column) before Harrison
// County's, and no Georgia sheriff.
func agencyMatch(g *agency, q string) int { return matchFolded(g, foldText(q)) }

// matchFolded is agencyMatch of a query already folded (foldText).
func matchFolded(g *agency, q string) int {
	words := strings.Fields(punctSpace.Replace(q))
	if len(words) == 0 {
		return -1
	}
	k := g.keys
	if k == nil {
		k = keysOf(g)
	}
	name, stName := k.name, k.stName
	st := strings.ToLower(g.State)
	switch {
	case name == q, name+" "+st == q, name+" "+stName == q:
		return 0
	case strings.HasPrefix(name, q+" "):
		return 1
	case strings.HasPrefix(name, q):
		return 2
	}
	hay := k.hay
	rank := 3
	for _, w := range words {
		whole, starts, inside := false, false, false
		for _, h := range hay {
			whole = whole || h == w
			starts = starts || strings.HasPrefix(h, w)
			inside = inside || strings.Contains(h, w)
		}
		switch {
		case whole:
		case starts:
			rank = max(rank, 4)
		case inside:
			rank = 5
		default:
			return -1
		}
	}
	return rank
}

// foldText lower-cases s, drops accents and apostrophes and collapses
// space, as the store's search does, so "Doña Ana" matches "dona ana".
func foldText(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) || r == '\'' || r == '’' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// changeTimeline merges agreements' changes into one timeline, oldest
// first (by the published date of the list that brought each, then id).
func changeTimeline(lists [][]diff.Change) []diff.Change {
	var out []diff.Change
	for _, l := range lists {
		out = append(out, l...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].AfterPublished != out[j].AfterPublished {
			return out[i].AfterPublished < out[j].AfterPublished
		}
		return out[i].ID < out[j].ID
	})
	return out
}
