package sheet

import (
	"strings"
	"testing"
	"unicode"

	"github.com/watch287g/watch287g/internal/escape"
)

// The quick paths of the record reader return what the full rules return:
// plain text, names without typographic quotes and plain http(s) links are
// passed through only when the full rule would return them unchanged.

// fullCleanText is cleanText without its plain-text shortcut.
func fullCleanText(s string) string {
	return collapseSpace(escape.StripControl(strings.Map(spaceControl, s)))
}

func checkQuickPaths(t *testing.T, s string) {
	t.Helper()
	if got, want := cleanText(s), fullCleanText(s); got != want {
		t.Errorf("cleanText(%q): got %q, want %q", s, got, want)
	}
	if got, want := normalizeAgency(s), quoteReplacer.Replace(fullCleanText(s)); got != want {
		t.Errorf("normalizeAgency(%q): got %q, want %q", s, got, want)
	}
	if got, want := stripControl(s), escape.StripControl(s); got != want {
		t.Errorf("stripControl(%q): got %q, want %q", s, got, want)
	}
	if got, want := linkURL(s), escape.LinkURL(s); got != want {
		t.Errorf("linkURL(%q): got %q, want %q", s, got, want)
	}
	for _, p := range []string{"http://", "https://", "www.", "https:/", "http:/"} {
		if got, want := hasPrefixFold(s, p), strings.HasPrefix(strings.ToLower(s), p); got != want {
			t.Errorf("hasPrefixFold(%q, %q): got %v, want %v", s, p, got, want)
		}
	}
}

var quickInputs = []string{
	"", " ", "Harris County Sheriff's Office", "Harris  County", " Harris", "Harris ", "Harris\tCounty",
	"Sheriff\u2019s Office", "Sheriff`s", "Caf\u00e9", "\u00b4", "A\x00B", "A\x7fB", "A\u202eB",
	"https://www.ice.gov/doclib/287gMOA/A.pdf", "HTTPS://WWW.ICE.GOV/A.pdf", "http://a", "https://", "https:///x",
	"https://-/", "https://a.b/c d", "https://a.b/c%20d", "https://a.b:443/x", "https://a.b?x=1", "https://a.b/#x",
	"https://user@a.b/", "https://a.b/~u/_x-y.z", " https://a.b/", "https://a.b/ ", "https://[::1]/",
	"\u0130https://a", "https://a.b/\u00e9", "www.ice.gov", "javascript:alert(1)", "http:/www.ice.gov",
}

func TestQuickPaths(t *testing.T) {
	for _, s := range quickInputs {
		checkQuickPaths(t, s)
	}
	// The shortcuts are taken where they should be.
	if !plainText("Harris County Sheriff's Office") || plainText("Harris  County") {
		t.Error("plainText: got the wrong answer for a plain name or a double space")
	}
	if !plainHTTP("https://www.ice.gov/doclib/287gMOA/A_1.pdf") || plainHTTP("https://a.b/c%20d") {
		t.Error("plainHTTP: got the wrong answer for a plain link or an escaped one")
	}
	// Each wrapper mark's anchor is a byte that is no letter, so that it
	// has the same value in every spelling of the mark.
	for i, m := range wrapperMarks {
		if c := rune(m[wrapperAnchors[i]]); unicode.IsLetter(c) {
			t.Errorf("mark %q: anchor %q is a letter", m, c)
		}
	}
}

func FuzzQuickPaths(f *testing.F) {
	for _, s := range quickInputs {
		f.Add(s)
	}
	f.Fuzz(checkQuickPaths)
}
