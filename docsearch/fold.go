package docsearch

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldRune appends r's folded form to b: lower case, accents dropped
// (NFD without combining marks), the typographic apostrophe as ', any
// white space as one ' '. It is the one folding both the query and the
// documents go through, so "Doña" matches "DONA".
func foldRune(b []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		} else if r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v' {
			r = ' '
		}
		return append(b, byte(r))
	case r == '’' || r == '‘':
		return append(b, '\'')
	case unicode.IsSpace(r):
		return append(b, ' ')
	}
	for _, m := range norm.NFD.String(string(r)) {
		if unicode.Is(unicode.Mn, m) {
			continue
		}
		b = utf8.AppendRune(b, unicode.ToLower(m))
	}
	return b
}

// fold returns s folded. With offsets, it also returns for each byte of
// the folded text the offset in s of the rune it came from (plus one
// final entry, len(s)), so a match found in the folded text can be cut
// out of the original.
func fold(s string, offsets bool) (string, []int32) {
	b := make([]byte, 0, len(s))
	var off []int32
	if offsets {
		off = make([]int32, 0, len(s)+1)
	}
	for i, r := range s {
		n := len(b)
		b = foldRune(b, r)
		if offsets {
			for range len(b) - n {
				off = append(off, int32(i))
			}
		}
	}
	if offsets {
		off = append(off, int32(len(s)))
	}
	return string(b), off
}

// isWordByte reports whether the folded byte c belongs to a word: a
// letter or digit (ASCII) or part of a multi-byte rune (a letter once
// folded, in practice).
func isWordByte(c byte) bool {
	return c >= utf8.RuneSelf || ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}

// countWordStarts counts the occurrences of term in text that begin a
// word (the byte before is not a word byte), so "ice" finds "ICE" and
// "ice's" but not "office". It returns the count (at most max) and the
// first occurrence's offset, -1 when none.
func countWordStarts(text, term string, max int) (int, int) {
	n, first := 0, -1
	for from := 0; from <= len(text)-len(term) && n < max; {
		i := strings.Index(text[from:], term)
		if i < 0 {
			break
		}
		i += from
		if i == 0 || !isWordByte(text[i-1]) || !isWordByte(term[0]) {
			if first < 0 {
				first = i
			}
			n++
		}
		from = i + 1
	}
	return n, first
}

// eSuffixes are the endings that drop a word's final e ("reimburse" →
// "reimbursable", "authorize" → "authorization", "lease" → "leasing"),
// so a search for the word finds them; a term is otherwise a word prefix.
var eSuffixes = []string{"ing", "able", "ible", "ion", "ation", "ity"}

// countTerm counts the word starts where term occurs (countWordStarts),
// and for a word of four or more letters ending in e, where its stem
// occurs followed by one of eSuffixes. It returns the count (at most max)
// and the first occurrence's offset, -1 when none.
func countTerm(text, term string, max int) (int, int) {
	if len(term) < 4 || term[len(term)-1] != 'e' || strings.IndexByte(term, ' ') >= 0 {
		return countWordStarts(text, term, max)
	}
	stem := term[:len(term)-1]
	n, first := 0, -1
	for from := 0; from <= len(text)-len(stem) && n < max; {
		i := strings.Index(text[from:], stem)
		if i < 0 {
			break
		}
		i += from
		from = i + 1
		if i > 0 && isWordByte(text[i-1]) {
			continue
		}
		rest := text[i+len(stem):]
		ok := strings.HasPrefix(rest, "e")
		for _, suf := range eSuffixes {
			ok = ok || strings.HasPrefix(rest, suf)
		}
		if ok {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}
