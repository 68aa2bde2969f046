package docsearch

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		terms []string
		bad   bool
	}{
		{in: "reimburse", terms: []string{"reimburse"}},
		{in: "  Reimburse  DETENTION ", terms: []string{"reimburse", "detention"}},
		{in: `"Task Force"  model`, terms: []string{"task force", "model"}},
		{in: `(reimburse), "  the   LEA "`, terms: []string{"reimburse", "the lea"}},
		{in: "Doña Ana", terms: []string{"dona", "ana"}},
		{in: "sheriff’s sheriff's", terms: []string{"sheriff's"}},
		{in: "", bad: true},
		{in: `"" ,,, `, bad: true},
		{in: `"unclosed`, bad: true},
		{in: "a b c d e f g h i", bad: true},
		{in: strings.Repeat("x", MaxQueryBytes+1), bad: true},
		{in: "\xff\xfe", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			if tt.bad {
				if !errors.Is(err, ErrBadQuery) {
					t.Fatalf("got %v, want ErrBadQuery", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(q.Terms, "|") != strings.Join(tt.terms, "|") {
				t.Errorf("got terms %q, want %q", q.Terms, tt.terms)
			}
		})
	}
}

func TestSearchPure(t *testing.T) {
	pages := []Page{
		NewPage("aa", 1, "MEMORANDUM OF AGREEMENT between ICE and the Doña Ana County Sheriff's Office."),
		NewPage("aa", 2, "The LEA will not be reimbursed. Reimbursement of detention costs is by separate agreement. The Office of the Sheriff."),
		NewPage("bb", 1, "This page is about the Task Force model; the task  force works in the field."),
		NewPage("bb", 3, "An office, a service and a practice: none of these is ice."),
		NewPage("cc", 1, "Subject to authorization, a reimbursable fee for leasing space."),
	}
	mustQ := func(s string) Query {
		q, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	tests := []struct {
		q     string
		want  []string // sha:page in rank order
		match string   // the first hit's marked text
	}{
		{q: "reimburse", want: []string{"aa:2", "cc:1"}, match: "reimbursed"},
		{q: "REIMBURSEMENT detention", want: []string{"aa:2"}, match: "Reimbursement"},
		{q: "reimbursement", want: []string{"aa:2"}, match: "Reimbursement"},
		{q: "dona ana", want: []string{"aa:1"}, match: "Doña"},
		{q: "DOÑA", want: []string{"aa:1"}, match: "Doña"},
		{q: `"task force"`, want: []string{"bb:1"}, match: "Task Force"},
		{q: `"model force"`, want: nil},
		{q: `"force model"`, want: []string{"bb:1"}, match: "Force model"},
		{q: "ice", want: []string{"aa:1", "bb:3"}, match: "ICE"},
		{q: "office", want: []string{"aa:1", "aa:2", "bb:3"}, match: "Office"},
		{q: "the", want: []string{"aa:2", "bb:1", "aa:1", "bb:3"}},
		{q: "reimburse unicorn", want: nil},
		{q: "authorize", want: []string{"cc:1"}, match: "authorization"},
		{q: "reimburse fee", want: []string{"cc:1"}, match: "reimbursable"},
		{q: "lease", want: []string{"cc:1"}, match: "leasing"},
		{q: "least", want: nil},
		{q: "zzz", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := Search(pages, mustQ(tt.q), DefaultLimits)
			var ids []string
			for _, h := range got.Hits {
				ids = append(ids, h.SHA256+":"+itoa(h.Page))
			}
			if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
			if tt.match != "" && got.Hits[0].Snippet.Match != tt.match {
				t.Errorf("got match %q, want %q", got.Hits[0].Snippet.Match, tt.match)
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

func TestSnippetLength(t *testing.T) {
	long := strings.Repeat("lorem ipsum dolor sit amet ", 100) + "REIMBURSEMENT of costs" + strings.Repeat(" consectetur adipiscing elit", 100)
	got := Search([]Page{NewPage("aa", 4, long)}, Query{Terms: []string{"reimburse"}}, DefaultLimits)
	if len(got.Hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(got.Hits))
	}
	s := got.Hits[0].Snippet
	if s.Match != "REIMBURSEMENT" {
		t.Errorf("got match %q, want REIMBURSEMENT", s.Match)
	}
	if n := len([]rune(s.String())); n < 150 || n > SnippetChars+10 {
		t.Errorf("got a snippet of %d characters, want about %d: %q", n, SnippetChars, s.String())
	}
	if !strings.HasPrefix(s.Before, "…") || !strings.HasSuffix(s.After, "…") {
		t.Errorf("got %q, want … at both cut ends", s.String())
	}
	if !strings.HasPrefix(s.After, " of costs") {
		t.Errorf("got after %q, want the rest of the word and the text after it", s.After)
	}
}

// TestSearchBounded: a page of hostile text and a query full of regular
// expression characters cost what the limits allow and no more.
func TestSearchBounded(t *testing.T) {
	text := strings.Repeat("a.*(b)+[c]? ", 20000)
	var pages []Page
	for i := range 50 {
		pages = append(pages, NewPage("aa", i+1, text))
	}
	q, err := Parse(`a.* (b)+ [c]? ".*(b)+"`)
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{MaxScanBytes: 1 << 20, MaxHits: 10, MaxCount: 100}
	got := Search(pages, q, lim)
	if !got.Truncated {
		t.Errorf("got Truncated false, want true past the limits")
	}
	if got.Scanned > lim.MaxScanBytes+int64(len(q.Terms)*len(pages[0].folded)) {
		t.Errorf("scanned %d bytes, want at most about %d", got.Scanned, lim.MaxScanBytes)
	}
	if len(got.Hits) == 0 || got.Hits[0].Matches > len(q.Terms)*lim.MaxCount {
		t.Errorf("got %d hits, first with %d matches, want some, each at most %d", len(got.Hits), got.Hits[0].Matches, len(q.Terms)*lim.MaxCount)
	}
}
