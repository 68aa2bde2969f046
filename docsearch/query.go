package docsearch

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Query limits: what one search may ask for.
const (
	// MaxQueryBytes caps the query as typed.
	MaxQueryBytes = 256
	// MaxTerms caps the words and phrases of one query.
	MaxTerms = 8
)

// ErrBadQuery is the error of a query Parse refuses (empty, too long, too
// many words, an unclosed quote); the web answers it with 400, the CLI
// with a usage error.
var ErrBadQuery = errors.New("bad search query")

// Query is a parsed search: every term must occur on a page (AND). A term
// is one word or a quoted phrase, folded (lower case, no accents, single
// spaces); a page matches a term where the term begins a word
// ("reimburse" finds "reimbursed"), and a word ending in e also where its
// stem takes an ending that drops the e ("reimbursable", countTerm).
type Query struct {
	Raw   string   `json:"query"`
	Terms []string `json:"terms"`
}

// Parse reads a query: words separated by spaces, "a phrase in double
// quotes"; case and accents are ignored. Punctuation around a word is
// dropped ("(reimburse)," is reimburse), inside it kept (287(g),
// sheriff's).
func Parse(s string) (Query, error) {
	if len(s) > MaxQueryBytes {
		return Query{}, fmt.Errorf("%w: %d bytes, at most %d", ErrBadQuery, len(s), MaxQueryBytes)
	}
	if !utf8.ValidString(s) {
		return Query{}, fmt.Errorf("%w: not UTF-8", ErrBadQuery)
	}
	q := Query{Raw: s}
	add := func(t string, phrase bool) error {
		f, _ := fold(t, false)
		if phrase {
			f = strings.Join(strings.Fields(f), " ")
		} else {
			f = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		}
		if f == "" {
			return nil
		}
		for _, have := range q.Terms {
			if have == f {
				return nil
			}
		}
		if len(q.Terms) == MaxTerms {
			return fmt.Errorf("%w: more than %d words or phrases", ErrBadQuery, MaxTerms)
		}
		q.Terms = append(q.Terms, f)
		return nil
	}
	rest := s
	for {
		i := strings.IndexByte(rest, '"')
		if i < 0 {
			break
		}
		for _, w := range strings.Fields(rest[:i]) {
			if err := add(w, false); err != nil {
				return Query{}, err
			}
		}
		j := strings.IndexByte(rest[i+1:], '"')
		if j < 0 {
			return Query{}, fmt.Errorf("%w: a quote is not closed", ErrBadQuery)
		}
		if err := add(rest[i+1:i+1+j], true); err != nil {
			return Query{}, err
		}
		rest = rest[i+2+j:]
	}
	for _, w := range strings.Fields(rest) {
		if err := add(w, false); err != nil {
			return Query{}, err
		}
	}
	if len(q.Terms) == 0 {
		return Query{}, fmt.Errorf("%w: no word to search for", ErrBadQuery)
	}
	return q, nil
}
