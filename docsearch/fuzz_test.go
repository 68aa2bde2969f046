package docsearch

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: any query and any page text end without a panic, and a hit's
// snippet is cut from the page: its match is in the text, valid UTF-8,
// and the snippet is about SnippetChars long at most.
func FuzzSearch(f *testing.F) {
	f.Add("reimburse", "ICE will not reimburse the LEA.")
	f.Add(`"task force" model`, "The Task  Force model")
	f.Add("doña", "DOÑA ANA County")
	f.Add("ﬁ ß", "ﬁnance Straße ǅ")
	f.Add(`".*(a+)+$["`, strings.Repeat("a.*(", 100))
	f.Add("lease", "leasing, lease, least")
	f.Fuzz(func(t *testing.T, query, text string) {
		q, err := Parse(query)
		if err != nil {
			return
		}
		got := Search([]Page{NewPage("aa", 1, text)}, q, DefaultLimits)
		for _, h := range got.Hits {
			s := h.Snippet
			if !strings.Contains(text, s.Match) {
				t.Fatalf("match %q is not in the text %q", s.Match, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(s.String()) {
				t.Fatalf("snippet %q is not valid UTF-8", s.String())
			}
			if n := utf8.RuneCountInString(s.Before + s.After); n > SnippetChars+2 {
				t.Fatalf("snippet of %d characters around the match, want at most about %d", n, SnippetChars)
			}
		}
	})
}
