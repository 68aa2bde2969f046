package scraper

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/watch287g/watch287g/sheet"
)

func TestFindLinks(t *testing.T) {
	base, _ := url.Parse("https://www.ice.gov/identify-and-arrest/287g")
	const doclib = "https://www.ice.gov/doclib/about/offices/ero/287g/"
	for name, c := range map[string]struct {
		html     string
		want     map[sheet.List]string
		warnings int
	}{
		"doclib relative, text": {
			`<a href="/doclib/about/offices/ero/287g/participatingAgencies09022025am.xlsx">Participating Agencies</a>
			 <a href="/doclib/about/offices/ero/287g/pendingAgencies09022025am.xlsx">Pending Agencies</a>`,
			map[sheet.List]string{sheet.Participating: doclib + "participatingAgencies09022025am.xlsx", sheet.Pending: doclib + "pendingAgencies09022025am.xlsx"}, 0,
		},
		"href only, odd text": {
			`<a href="../doclib/about/offices/ero/287g/287gParticipatingAgencies090225.xlsx">Download (XLSX, 120 KB)</a>
			 <a href="https://www.ice.gov/doclib/about/offices/ero/287g/PendingAgency09022025.xlsx">here</a>`,
			map[sheet.List]string{sheet.Participating: doclib + "287gParticipatingAgencies090225.xlsx", sheet.Pending: doclib + "PendingAgency09022025.xlsx"}, 0,
		},
		"file-download, text with spacing and case": {
			"<a href=\"/file-download/download/public/1234\"><span>  PARTICIPATING\n\u00a0 agencies </span></a>" +
				`<a href="/file-download/download/public/5678" title="Pending Agencies">XLSX</a>`,
			map[sheet.List]string{sheet.Participating: "https://www.ice.gov/file-download/download/public/1234", sheet.Pending: "https://www.ice.gov/file-download/download/public/5678"}, 0,
		},
		"off-host and duplicate links": {
			`<a href="https://evil.example.org/participatingAgencies09022025am.xlsx">Participating Agencies</a>
			 <a href="/file-download/download/public/1">Participating Agencies</a>
			 <a href="/file-download/download/public/1#top">Participating agencies</a>
			 <a href="/file-download/download/public/2">Participating Agencies (old)</a>`,
			map[sheet.List]string{sheet.Participating: "https://www.ice.gov/file-download/download/public/1"}, 2,
		},
		"text and file name disagree": {
			`<a href="/doclib/about/offices/ero/287g/pendingAgencies09022025am.xlsx">Participating Agencies</a>`,
			map[sheet.List]string{sheet.Pending: doclib + "pendingAgencies09022025am.xlsx"}, 1,
		},
		"unrelated links only": {
			`<a href="/doclib/about/offices/ero/287g/287gFactSheet.pdf">Fact sheet</a>
			 <a href="mailto:x@ice.gov">participating agencies</a>
			 <a href="/file-download/download/public/9">Participating and pending agencies</a>`,
			map[sheet.List]string{}, 0,
		},
		"base href": {
			`<head><base href="https://www.ice.gov/doclib/about/offices/ero/287g/"></head>
			 <a href="participatingAgencies09022025am.xlsx">Participating Agencies</a>`,
			map[sheet.List]string{sheet.Participating: doclib + "participatingAgencies09022025am.xlsx"}, 0,
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, warnings := findLinks(base, base.Host, []byte(c.html))
			if len(got) != len(c.want) {
				t.Errorf("links: got %v, want %v", got, c.want)
			}
			for list, u := range c.want {
				if got[list].url != u || got[list].list != list {
					t.Errorf("%s: got %+v, want %s", list, got[list], u)
				}
			}
			if len(warnings) != c.warnings {
				t.Errorf("warnings: got %q, want %d", warnings, c.warnings)
			}
		})
	}
}

// A page of many odd links yields a bounded report, not a line per link.
func TestFindLinksCapsWarnings(t *testing.T) {
	base, _ := url.Parse("https://www.ice.gov/identify-and-arrest/287g")
	var b strings.Builder
	b.WriteString(`<a href="/doclib/about/offices/ero/287g/participatingAgencies09022025am.xlsx">Participating Agencies</a>`)
	for i := range 5000 {
		fmt.Fprintf(&b, `<a href="https://evil.example.org/%d/participatingAgencies.xlsx">Participating Agencies</a>`, i)
	}
	links, warnings := findLinks(base, base.Host, []byte(b.String()))
	if len(links) != 1 {
		t.Errorf("links: got %d, want 1", len(links))
	}
	if len(warnings) != maxLinkWarnings+1 {
		t.Fatalf("warnings: got %d, want %d", len(warnings), maxLinkWarnings+1)
	}
	if want := fmt.Sprintf("and %d more", 5000-maxLinkWarnings); !strings.Contains(warnings[maxLinkWarnings], want) {
		t.Errorf("last warning: got %q, want it to contain %q", warnings[maxLinkWarnings], want)
	}
}
