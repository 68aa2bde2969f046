package moa

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/watch287g/watch287g/sheet"
)

// generic are words every agency name shares; what is left names the
// place or the body ("Benton", "Kansas Investigation").
var generic = map[string]bool{
	"the": true, "of": true, "and": true, "for": true, "county": true, "co": true, "cnty": true,
	"sheriff": true, "sheriffs": true, "sherriffs": true, "office": true, "so": true, "police": true,
	"department": true, "dept": true, "pd": true, "city": true, "town": true, "state": true,
	"division": true, "bureau": true, "agency": true, "public": true, "safety": true, "detention": true,
	"center": true, "corrections": true, "correctional": true, "facility": true, "jail": true,
	"services": true, "commission": true, "marshal": true, "marshals": true, "parish": true,
	"highway": true, "patrol": true, "regional": true, "authority": true, "law": true,
	"enforcement": true, "investigation": true, "general": true, "attorney": true,
}

// nameTokens returns the distinctive words of an agency's name, lower case,
// letters and digits only.
func nameTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.TrimSuffix(strings.Trim(w, "'"), "'s")
		if len(w) < 2 || generic[w] {
			continue
		}
		out = append(out, w)
	}
	return out
}

// sameAgency reports whether two names can be the same agency: some
// distinctive word of one is, up to OCR-sized edits, a word of the other.
// Names with no distinctive word ("County Sheriff's Office") never
// contradict: there is nothing to compare.
func sameAgency(a, b string) bool {
	ta, tb := nameTokens(a), nameTokens(b)
	if len(ta) == 0 || len(tb) == 0 {
		return true
	}
	for _, x := range ta {
		for _, y := range tb {
			// OCR costs a word up to two letters in five ("Fmklin"
			// for "Franklin"); short words must match exactly.
			limit := 0
			if min(len(x), len(y)) >= 4 {
				limit = max(len(x), len(y)) * 2 / 5
			}
			if sheet.EditDistance(x, y, limit) <= limit {
				return true
			}
		}
	}
	return false
}

// Contradicts returns why a document's fields contradict the agreement
// that links it (its agency and normalized model), or nil. A blank field
// contradicts nothing: the reader leaves fields blank when unsure, and
// only what the document clearly says can disagree. It is pure, for the
// store to flag documents with (ICE has linked one agency's row to
// another agency's MOA).
func Contradicts(fields Fields, agency, model string) []string {
	var reasons []string
	if fields.LEA != "" && strings.TrimSpace(agency) != "" && !sameAgency(fields.LEA, agency) {
		reasons = append(reasons, fmt.Sprintf("the document names %q (page %d), the agreement is %q's", fields.LEA, fields.LEAPage, agency))
	}
	if fields.Model != "" && sheet.ValidModel(model) && fields.Model != model {
		reasons = append(reasons, fmt.Sprintf("the document is a %s MOA (page %d), the agreement is %s", sheet.ModelLabel(fields.Model), fields.ModelPage, sheet.ModelLabel(model)))
	}
	return reasons
}
