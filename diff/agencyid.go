package diff

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// AgencyID is the stable id of an agency: every agreement and pending
// record that share a state and an agency name, compared folded (lower
// case, accents and apostrophes dropped, every other run of punctuation or
// space one hyphen), with the state code in front:
// "tx-harris-county-sheriffs-office". It is stable while ICE spells the
// name the same way, readable in a URL, and the same for an agency's task
// force agreement, its warrant service officer agreement and its pending
// record. A renamed agency (a new spelling in a later list) keeps its
// agreements' ids but files them under the new name's agency, which is
// what the lists say it is now. The web's agency pages and the SQLite
// export's agencies table both key on it, so the two agree.
func AgencyID(state, agency string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(state))
	if b.Len() == 0 {
		b.WriteString("xx")
	}
	hyphen := true
	for _, r := range norm.NFD.String(agency) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’', r == '‘':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if hyphen {
				b.WriteByte('-')
				hyphen = false
			}
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
		if b.Len() >= 160 {
			break
		}
	}
	return b.String()
}
