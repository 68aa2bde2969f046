package scraper

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/watch287g/watch287g/sheet"
)

// maxLinkWarnings caps the warnings one page yields: a page of 100,000
// odd links must not make a cycle report (and the log) of 100,000 lines.
const maxLinkWarnings = 20

// link is one list's link on the page.
type link struct {
	url  string
	list sheet.List
}

// findLinks finds each list's link in the page's HTML: by link text
// ("participating agencies", "pending agencies", any case and spacing) and
// by href (participatingAgencies…xlsx, 287gParticipatingAgencies…,
// ParticipatingAgency…, pending alike). hrefs are resolved against base
// (the page's final URL) and kept only when they are on host. The first
// link of each list wins; others are reported as warnings.
func findLinks(base *url.URL, host string, body []byte) (map[sheet.List]link, []string) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, []string{fmt.Sprintf("page %s: parse html: %v", redact(base.String()), err)}
	}
	if b, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if bu, err := base.Parse(strings.TrimSpace(b)); err == nil {
			base = bu
		}
	}
	links := map[sheet.List]link{}
	var warnings []string
	more := 0
	warn := func(format string, args ...any) {
		if len(warnings) >= maxLinkWarnings {
			more++
			return
		}
		warnings = append(warnings, fmt.Sprintf(format, args...))
	}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u, err := base.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		u.Fragment = ""
		byText := listFromText(a.Text() + " " + a.AttrOr("title", "") + " " + a.AttrOr("aria-label", ""))
		byHref := listFromHref(u)
		list := byHref
		if list == "" {
			list = byText
		}
		if list == "" {
			return
		}
		if byText != "" && byHref != "" && byText != byHref {
			warn("link %s reads %q but its file name says %s; taking the file name", redact(u.String()), truncateName(collapse(a.Text()), 200), byHref)
		}
		if u.Host != host {
			warn("ignored %s link to another host: %s", list, redact(u.String()))
			return
		}
		if prev, ok := links[list]; ok {
			if prev.url != u.String() {
				warn("ignored a second %s link %s (using %s)", list, redact(u.String()), redact(prev.url))
			}
			return
		}
		links[list] = link{url: u.String(), list: list}
	})
	if more > 0 {
		warnings = append(warnings, fmt.Sprintf("and %d more warnings about the page's links", more))
	}
	return links, warnings
}

// listFromText reads a link's text.
func listFromText(s string) sheet.List {
	s = strings.ToLower(collapse(s))
	// "Participating and pending agencies" names both, so neither.
	agencies := strings.Contains(s, "agenc")
	part := agencies && strings.Contains(s, "participating")
	pend := agencies && strings.Contains(s, "pending")
	switch {
	case part && !pend:
		return sheet.Participating
	case pend && !part:
		return sheet.Pending
	}
	return ""
}

// listFromHref reads a link's file name. The /file-download/ form carries
// no name, so its list comes from the text only.
func listFromHref(u *url.URL) sheet.List {
	name := strings.ToLower(path.Base(u.Path))
	ext := path.Ext(name)
	if ext != ".xlsx" && ext != ".xls" {
		return ""
	}
	name = strings.TrimPrefix(name, "287g")
	switch {
	case strings.HasPrefix(name, "participatingagenc"):
		return sheet.Participating
	case strings.HasPrefix(name, "pendingagenc"):
		return sheet.Pending
	}
	return ""
}

// collapse folds every run of white space (non-breaking spaces included)
// into one space.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == '\u00a0' || r == '\u200b' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\v'
	}), " ")
}
