// Package docsearch is full-text search across the archived MOA documents
// (issue 14): a pure, bounded search over each distinct PDF's text, page
// by page (Search), and an Index that keeps the pages' folded text in
// memory, extracting a document's text from its archived bytes the first
// time it is searched and keeping it in the store.
package docsearch

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits bound the work of one search.
type Limits struct {
	// MaxScanBytes caps the folded text scanned per query, summed over
	// its terms: past it the search stops and says so (Truncated).
	MaxScanBytes int64
	// MaxHits caps the matching pages collected before ranking.
	MaxHits int
	// MaxCount caps the matches of one term counted on one page.
	MaxCount int
}

// DefaultLimits: the shared sample's 42 text documents hold about 2 MB of
// text, so a full scan of 8 terms is 16 MB; 10,000 documents of that size
// would be truncated at 256 MB of scanning, a few hundred milliseconds.
var DefaultLimits = Limits{MaxScanBytes: 256 << 20, MaxHits: 10000, MaxCount: 1000}

// Page is one page of one document's text, as extracted, with its folded
// form (fold) for matching.
type Page struct {
	SHA256 string
	Page   int // 1-based
	Text   string
	folded string
}

// NewPage returns a searchable page.
func NewPage(sha string, page int, text string) Page {
	f, _ := fold(text, false)
	return Page{SHA256: sha, Page: page, Text: text, folded: f}
}

// Snippet is the text around a page's first match: Before and After as
// the page has them (cut at about SnippetChars in all, "…" where cut),
// Match the matched words themselves, so a page can mark them.
type Snippet struct {
	Before string `json:"before"`
	Match  string `json:"match"`
	After  string `json:"after"`
}

// String is the snippet with the match in [brackets], for a terminal or a
// CSV cell.
func (s Snippet) String() string { return s.Before + "[" + s.Match + "]" + s.After }

// SnippetChars is about how many characters a snippet holds.
const SnippetChars = 200

// Hit is one matching page.
type Hit struct {
	SHA256  string  `json:"sha256"`
	Page    int     `json:"page"`
	Matches int     `json:"matches"`
	Snippet Snippet `json:"snippet"`
}

// Found is what Search found: every matching page ranked (most matches
// first, then sha and page), and whether the limits cut the search short.
type Found struct {
	Hits      []Hit
	Scanned   int64
	Truncated bool
}

// Search finds the pages holding every term of q. It is pure and bounded
// by lim: it scans at most lim.MaxScanBytes of folded text and collects
// at most lim.MaxHits pages.
func Search(pages []Page, q Query, lim Limits) Found {
	var out Found
	if len(q.Terms) == 0 {
		return out
	}
	for _, p := range pages {
		total, first, firstLen := 0, -1, 0
		for _, t := range q.Terms {
			out.Scanned += int64(len(p.folded))
			n, at := countTerm(p.folded, t, lim.MaxCount)
			if n == 0 {
				total = 0
				break
			}
			total += n
			if first < 0 || at < first {
				// The stem's length: the snippet marks the whole word anyway.
				first, firstLen = at, min(len(t), len(p.folded)-at)
			}
		}
		if total > 0 {
			out.Hits = append(out.Hits, Hit{SHA256: p.SHA256, Page: p.Page, Matches: total, Snippet: snippet(p.Text, first, firstLen)})
			if len(out.Hits) >= lim.MaxHits {
				out.Truncated = true
				break
			}
		}
		if out.Scanned >= lim.MaxScanBytes {
			out.Truncated = true
			break
		}
	}
	slices.SortStableFunc(out.Hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Matches, a.Matches); c != 0 {
			return c
		}
		if c := strings.Compare(a.SHA256, b.SHA256); c != 0 {
			return c
		}
		return cmp.Compare(a.Page, b.Page)
	})
	return out
}

// snippet cuts the text around the match at folded offset at (length n in
// the folded text) out of the original page text.
func snippet(text string, at, n int) Snippet {
	_, off := fold(text, true)
	if at < 0 || at+n >= len(off) {
		return Snippet{Before: clip(text, SnippetChars, false)}
	}
	start, end := int(off[at]), int(off[at+n])
	// A match ending inside a rune's folded bytes ends after that rune.
	if at+n < len(off)-1 && off[at+n] == off[at+n-1] {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	// Mark the whole word the term begins ("reimburse" marks "reimbursed").
	for end < len(text) {
		r, size := utf8.DecodeRuneInString(text[end:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		end += size
	}
	room := max(SnippetChars-utf8.RuneCountInString(text[start:end]), 0)
	before := clip(text[:start], room*2/5, true)
	after := clip(text[end:], room-utf8.RuneCountInString(before), false)
	return Snippet{Before: before, Match: text[start:end], After: after}
}

// clip keeps at most n runes of s: its end (fromEnd) or its start, cut at
// a space when one is near, with "…" where it was cut.
func clip(s string, n int, fromEnd bool) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return "…"
	}
	r := []rune(s)
	if fromEnd {
		cut := string(r[len(r)-n:])
		if i := strings.IndexByte(cut, ' '); i >= 0 && i < 20 {
			cut = cut[i+1:]
		}
		return "…" + cut
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i >= 0 && len(cut)-i < 20 {
		cut = cut[:i]
	}
	return cut + "…"
}
