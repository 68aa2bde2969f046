package diff

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/watch287g/watch287g/sheet"
)

// This file decides when two agency names mean the same agency. The rules
// are deliberately conservative: a missed rename costs one extra "added"
// and "removed" pair that a reader can see through, while a wrong merge
// hides a real termination, which is the one thing watch287g must never do.

// expansions maps abbreviations ICE uses interchangeably with the full word.
// "mt" is absent on purpose: in ICE's files it means Montana ("MT Dept of
// Justice"), not Mount.
var expansions = map[string][]string{
	"co":          {"county"},
	"cnty":        {"county"},
	"dept":        {"department"},
	"depts":       {"department"},
	"pd":          {"police", "department"},
	"sheriff":     {"sheriffs"},
	"st":          {"saint"},
	"ste":         {"saint"},
	"ft":          {"fort"},
	"twp":         {"township"},
	"bocc":        {"board", "county", "commissioners"},
	"univ":        {"university"},
	"constables":  {"constable"},
	"constabless": {"constable"},
}

// stopwords carry no identity: "County of Franklin" and "Franklin County"
// differ only in them and in order.
var stopwords = map[string]bool{"the": true, "of": true, "and": true, "a": true, "for": true}

// generic words describe what kind of body an agency is, not which one; a
// match must rest on the other, distinctive words ("Gulf" vs "Pasco").
var generic = map[string]bool{
	"county": true, "sheriffs": true, "office": true, "police": true, "department": true,
	"city": true, "town": true, "village": true, "borough": true, "township": true,
	"board": true, "commissioners": true, "commission": true, "state": true, "division": true,
	"services": true, "service": true, "public": true, "safety": true, "law": true,
	"enforcement": true, "corrections": true, "correction": true, "correctional": true,
	"detention": true, "facility": true, "jail": true, "prison": true, "center": true,
	"regional": true, "authority": true, "agency": true, "bureau": true, "constable": true,
	"marshals": true, "marshal": true, "patrol": true, "highway": true, "parish": true,
	"attorneys": true, "attorney": true, "district": true, "unit": true, "security": true,
	"investigation": true, "investigations": true, "criminal": true, "justice": true,
}

// kindWords name the kind of body; two agencies of different kinds in the
// same place (Franklin County Sheriff's Office, Franklin Police Department)
// are different agencies unless the MOA or the signing date says otherwise.
var kindWords = map[string]string{
	"sheriffs": "sheriff", "police": "police", "constable": "constable",
	"marshal": "marshal", "marshals": "marshal", "attorneys": "attorney", "attorney": "attorney",
	"jail": "jail", "prison": "jail", "corrections": "jail", "correction": "jail",
	"correctional": "jail", "detention": "jail", "commissioners": "board", "patrol": "police",
}

// name is an agency name prepared for comparison.
type name struct {
	// key is the canonical form: lower case, punctuation dropped,
	// abbreviations expanded, stop words removed. Equal keys are the same
	// agency for exact matching ("Police Dept." = "Police Department",
	// "Miami Dade" = "Miami-Dade", "Sheriffs Office" = "Sheriff's Office").
	key string
	// distinct holds the distinctive tokens, in order.
	distinct []string
	// toks holds every canonical token, in order.
	toks []string
	// kinds is the set of kinds of body named (sheriff, police, jail, …).
	kinds map[string]bool
	// core is key without the state's own code and name: "MT Dept of
	// Justice" and "Montana Department of Justice" share the core
	// "department justice". Inside one state, equal cores are one agency.
	core string
	// long marks a name of more than maxNameTokens words. No agency is
	// called that; the word-by-word rules, whose cost is the product of
	// the two names' lengths, are not applied to it, so a hostile cell
	// can match only by its whole key, core or MOA. toks then holds
	// the first maxNameTokens words, for the score.
	long bool
}

// maxNameTokens bounds the words of a name compared word by word; ICE's
// longest names have about 15.
const maxNameTokens = 48

// prepare builds the comparison form of an agency name. The state's own
// name and code are not distinctive inside that state: "Office of the
// Attorney General" and "Texas Office of the Attorney General" in Texas,
// "Arnaudville Police Department, LA" in Louisiana.
func prepare(agency, state, stateName string) name {
	toks := tokens(agency)
	n := name{key: strings.Join(toks, " "), toks: toks, long: len(toks) > maxNameTokens}
	if n.long {
		n.toks = toks[:maxNameTokens:maxNameTokens]
	}
	skip := map[string]bool{}
	if state != "" {
		skip[strings.ToLower(state)] = true
	}
	if sw := tokens(stateName); len(sw) > 0 && containsRun(toks, sw) {
		for _, w := range sw {
			skip[w] = true
		}
	}
	var core []string
	for _, t := range toks {
		if !skip[t] {
			core = append(core, t)
		}
		if k, ok := kindWords[t]; ok {
			if n.kinds == nil {
				n.kinds = map[string]bool{}
			}
			n.kinds[k] = true
		}
		if !generic[t] && !isNumber(t) && !skip[t] && !n.long {
			n.distinct = append(n.distinct, t)
		}
	}
	n.core = strings.Join(core, " ")
	return n
}

// containsRun reports whether run appears contiguously in toks.
func containsRun(toks, run []string) bool {
	for i := 0; i+len(run) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

// agencyKey returns the canonical key of an agency name (see name.key).
// It is tokens joined by spaces, computed in one pass without the
// intermediate slices, because it runs for every agreement of both lists.
func agencyKey(agency string) string {
	var buf [128]byte
	out := buf[:0]
	if len(agency)+8 > len(buf) {
		out = make([]byte, 0, len(agency)+8)
	}
	var word [64]byte
	w := word[:0]
	flush := func() {
		if len(w) == 0 {
			return
		}
		if !mayRewrite(w) {
			if len(out) > 0 {
				out = append(out, ' ')
			}
			out = append(out, w...)
		} else if exp, ok := expansions[string(w)]; ok {
			for _, e := range exp {
				if len(out) > 0 {
					out = append(out, ' ')
				}
				out = append(out, e...)
			}
		} else if !stopwords[string(w)] {
			if len(out) > 0 {
				out = append(out, ' ')
			}
			out = append(out, w...)
		}
		w = w[:0]
	}
	for _, r := range agency {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
		case r == '&':
			flush()
			w = append(w, "and"...)
			flush()
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			w = append(w, byte(r))
		case r >= 'A' && r <= 'Z':
			w = append(w, byte(r+'a'-'A'))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w = utf8.AppendRune(w, unicode.ToLower(foldAccent(r)))
		default:
			flush()
		}
	}
	flush()
	return string(out)
}

// rewritten marks, by length and first byte, the words expansions or
// stopwords may hold, so that agencyKey looks most words ("county",
// "police") up in neither map.
var rewritten = func() (t [16][256]bool) {
	for _, m := range []map[string]bool{stopwords, func() map[string]bool {
		keys := map[string]bool{}
		for k := range expansions {
			keys[k] = true
		}
		return keys
	}()} {
		for k := range m {
			if len(k) < len(t) {
				t[len(k)][k[0]] = true
			}
		}
	}
	return t
}()

// mayRewrite reports whether w may be an expansion's or a stop word's key.
func mayRewrite(w []byte) bool {
	return len(w) >= len(rewritten) || rewritten[len(w)][w[0]]
}

// tokens splits a name into canonical lower-case words. Apostrophes are
// removed rather than split on, so "Sheriff's" and "Sheriffs" agree.
func tokens(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == '´':
			// drop
		case r == '&':
			b.WriteString(" and ")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(foldAccent(r)))
		default:
			b.WriteByte(' ')
		}
	}
	raw := strings.Fields(b.String())
	out := make([]string, 0, len(raw)+2)
	for _, t := range raw {
		if exp, ok := expansions[t]; ok {
			out = append(out, exp...)
			continue
		}
		if stopwords[t] {
			continue
		}
		out = append(out, t)
	}
	return out
}

// foldAccent maps the few accented letters found in US place names to
// their base letter, so "Doña Ana" and "Dona Ana" agree.
func foldAccent(r rune) rune {
	switch r {
	case 'á', 'à', 'â', 'ä', 'Á':
		return 'a'
	case 'é', 'è', 'ê', 'ë', 'É':
		return 'e'
	case 'í', 'ì', 'î', 'ï':
		return 'i'
	case 'ó', 'ò', 'ô', 'ö':
		return 'o'
	case 'ú', 'ù', 'û', 'ü':
		return 'u'
	case 'ñ', 'Ñ':
		return 'n'
	}
	return r
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// tokenClose reports whether two distinctive words are one typo apart:
// equal, or within an edit distance (transpositions count once) that grows
// with the word's length. Short words must be equal: "Gulf" is not "Golf".
func tokenClose(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) > maxWordBytes || len(b) > maxWordBytes {
		return false
	}
	n := max(utf8.RuneCountInString(a), utf8.RuneCountInString(b))
	limit := 0
	switch {
	case n >= 8:
		limit = 2
	case n >= 5:
		limit = 1
	}
	if limit == 0 {
		return false
	}
	return editWithin(a, b, limit) <= limit
}

// maxWordBytes: words longer than this must be equal to correspond. No
// real agency name has a word a quarter as long; a hostile cell's word of
// 100 KB would cost 100 KB of edit distance per pair of candidates.
const maxWordBytes = 64

// tokenNear is the relaxed test used only when strong evidence (same
// signing date and place) backs the match: "Freedom"→"Freeborn". The words
// must share their first two letters and most of their letters.
func tokenNear(a, b string) bool {
	if tokenClose(a, b) {
		return true
	}
	if len(a) < 5 || len(b) < 5 || len(a) > maxWordBytes || len(b) > maxWordBytes || a[:2] != b[:2] {
		return false
	}
	n := max(len(a), len(b))
	return editWithin(a, b, n*2/5) <= n*2/5
}

// editWithin is the edit distance of a and b (insertions, deletions,
// substitutions and transpositions of adjacent bytes, each counting one)
// when it is at most k, else k+1: the value sheet.EditDistance(a, b, k)
// gives, computed only within k of the diagonal, where any alignment of
// cost k or less runs, so two long words cost their length times 2k+1
// rather than their lengths multiplied.
func editWithin(a, b string, k int) int {
	la, lb := len(a), len(b)
	if la-lb > k || lb-la > k {
		return k + 1
	}
	inf := k + 1
	var buf [3 * 66]int
	var rows []int
	if 3*(lb+1) <= len(buf) {
		rows = buf[:3*(lb+1)]
	} else {
		rows = make([]int, 3*(lb+1))
	}
	prev2, prev, cur := rows[:lb+1], rows[lb+1:2*(lb+1)], rows[2*(lb+1):]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		lo, hi := max(1, i-k), min(lb, i+k)
		cur[0] = i
		if lo-1 >= 1 {
			cur[lo-1] = inf
		}
		if hi+1 <= lb {
			cur[hi+1] = inf
		}
		rowMin := inf
		if i <= k {
			rowMin = i
		}
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > k {
			return inf
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[lb], inf)
}

// correspondAll reports whether every distinctive word of each name has a
// close word in the other: "Melbourne" does not match "West Melbourne",
// nor "Lady Lake" "Lake City".
func correspondAll(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		// Nothing distinctive on either side ("Wyoming State Highway
		// Patrol" in Wyoming): the caller's overlap test decides.
		return true
	}
	_, ok1 := correspond(a, b, tokenClose)
	_, ok2 := correspond(b, a, tokenClose)
	if !ok1 || !ok2 {
		return false
	}
	return coveredBy(a, b) && coveredBy(b, a)
}

// coveredBy reports whether every word of a has a close word in b.
func coveredBy(a, b []string) bool {
	for _, s := range a {
		found := false
		for _, t := range b {
			if tokenClose(s, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// correspond reports whether the distinctive words of two names agree:
// every distinctive word of the name with fewer of them has a close word in
// the other, and there is at least one. close is tokenClose or tokenNear.
func correspond(a, b []string, close func(a, b string) bool) (matched int, ok bool) {
	if len(a) == 0 || len(b) == 0 {
		return 0, false
	}
	small, big := a, b
	if len(b) < len(a) {
		small, big = b, a
	}
	for _, s := range small {
		found := false
		for _, t := range big {
			if close(s, t) {
				found = true
				break
			}
		}
		if !found {
			return matched, false
		}
		matched++
	}
	return matched, true
}

// kindsAgree is false when both names say what kind of body they are and
// share no kind ("Sheriff's Office" vs "Police Department").
func kindsAgree(a, b map[string]bool) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

// similarity is a 0..1 character similarity of two canonical keys.
func similarity(a, b string) float64 {
	// A full edit distance costs the product of the lengths: compare the
	// first maxSimilarityBytes of each (real keys are under 80 bytes).
	a, b = a[:min(len(a), maxSimilarityBytes)], b[:min(len(b), maxSimilarityBytes)]
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	return 1 - float64(sheet.EditDistance(a, b, n))/float64(n)
}

// maxSimilarityBytes bounds what similarity compares.
const maxSimilarityBytes = 256

// overlap is the share of tokens two names have in common, counting words
// one typo apart as common (a fuzzy Jaccard index).
func overlap(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	used := make([]bool, len(b))
	common := 0
	for _, s := range a {
		for j, t := range b {
			if !used[j] && tokenClose(s, t) {
				used[j] = true
				common++
				break
			}
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}
