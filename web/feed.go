package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// atomFeed and friends are the parts of Atom 1.0 (RFC 4287) the feed uses.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID         string      `xml:"id"`
	Title      string      `xml:"title"`
	Published  string      `xml:"published,omitempty"`
	Updated    string      `xml:"updated"`
	Links      []atomLink  `xml:"link"`
	Categories []atomCat   `xml:"category"`
	Content    atomContent `xml:"content"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

type atomContent struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// feedEpoch is the date in tag: URIs; it never changes, so entry ids stay
// stable for as long as the host name does.
const feedEpoch = "2025"

// feedEpochTime is the updated time of a feed with no entries: a constant,
// so an empty feed's bytes do not change with the clock either.
var feedEpochTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// changeTitle is one line for a change, as a reader sees it in a feed.
func changeTitle(c *diff.Change) string {
	r := c.Record()
	verb := map[diff.Kind]string{diff.Added: "Added", diff.Removed: "Removed", diff.Changed: "Changed",
		diff.Ended: "Ended", diff.Restored: "Restored"}[c.Kind]
	if c.Kind == diff.Removed && c.Confirmed != nil {
		verb = "Missing" // the lifecycle's removal: not an ending yet (issue 11)
	}
	if c.List == sheet.Pending {
		switch {
		case c.Kind == diff.Added:
			verb = "Pending"
		case c.PromotedTo != "":
			verb = "Signed (left pending list)"
		default:
			verb += " (pending list)"
		}
	}
	if r == nil {
		return verb
	}
	t := fmt.Sprintf("%s: %s (%s, %s)", verb, r.Agency, r.State, sheet.ModelLabel(r.Model))
	if (c.Kind == diff.Changed || c.Kind == diff.Restored) && len(c.Fields) > 0 {
		t += ": " + strings.Join(c.Fields, ", ")
	}
	// "ended: absent from ICE's lists since March 3, 2026 (4 lists)", …
	if note := diff.LifecycleNote(c); note != "" {
		t += " — " + note
	}
	return t
}

var entryTmpl = template.Must(template.New("entry").Funcs(funcs).Parse(
	`<p>{{kindWord .C.Kind}} on the {{.C.List}} list{{with .C.AfterPublished}} published {{.}}{{end}}.</p>` +
		`{{with .C.Record}}<p>{{.Agency}} ({{.StateName}}), {{.Type}}; {{model .Model}}` +
		`{{with .Signed}}; signed {{.}}{{end}}.{{with .MOAURL}} <a href="{{.}}">Memorandum of agreement</a>.{{end}}</p>{{end}}` +
		`{{if and .C.Before .C.After}}<ul>{{range .C.Fields}}<li>{{.}}: {{field $.C.Before .}} → {{field $.C.After .}}</li>{{end}}</ul>{{end}}` +
		`{{with .C.WasPendingSince}}<p>Was on the pending list since {{.}}.</p>{{end}}` +
		`<p><a href="{{.Link}}">Agreement history</a></p>`))

// publishedTime is when ICE published the change: the date of the file
// that showed it (its name's date), at midnight UTC. A change of an
// undated file falls back to when it was detected. Entries dated by import
// time would pile a backfill of a year onto one day.
func publishedTime(c *diff.Change) time.Time {
	for _, d := range []string{c.AfterPublished, c.BeforePublished} {
		if t, err := time.Parse(time.DateOnly, d); err == nil {
			return t
		}
	}
	return c.DetectedAt.UTC()
}

// feed serves GET /feed.atom with the filters of /api/v1/changes: the
// newest changes, and an RFC 5005 paged feed behind them (rel="next" to
// older pages by cursor), so a publication of hundreds of changes reaches
// a reader whole, however far it pages.
func (s *Server) feed(r *http.Request) *response {
	q := r.URL.Query()
	cq, err := changeQuery(q)
	if err != nil {
		return s.apiError(r, err)
	}
	changes, next, err := s.store.Changes(r.Context(), cq)
	if err != nil {
		return s.apiError(r, err)
	}
	// The feed is what was announced: history a backfill found late
	// (Historical) would reach readers as a flood of old news.
	changes = slices.DeleteFunc(changes, func(c diff.Change) bool { return c.Historical })
	filters := url.Values{}
	for _, k := range []string{"state", "model", "kind", "list", "since", "until", "limit"} {
		if v, ok := q[k]; ok {
			filters[k] = v
		}
	}
	first := s.absURL("/feed.atom", filters)
	self := first
	if cq.Cursor != 0 {
		page := cloneValues(filters)
		page.Set("cursor", strconv.FormatUint(cq.Cursor, 10))
		self = s.absURL("/feed.atom", page)
	}
	f := atomFeed{
		// Every page of one feed has the feed's id (RFC 5005 section 3).
		ID:      first,
		Title:   "287(g) agreement changes",
		Updated: feedEpochTime.Format(time.RFC3339),
		Author:  atomPerson{Name: "watch287g"},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "first", Type: "application/atom+xml", Href: first},
			{Rel: "alternate", Type: "text/html", Href: s.absURL("/changes", filters)},
		},
	}
	if next != 0 {
		page := cloneValues(filters)
		page.Set("cursor", strconv.FormatUint(next, 10))
		f.Links = append(f.Links, atomLink{Rel: "next", Type: "application/atom+xml", Href: s.absURL("/feed.atom", page)})
	}
	for i := range changes {
		c := &changes[i]
		// The publication, not the clock, so the feed's bytes (and ETag)
		// change only when its content does.
		published := publishedTime(c).Format(time.RFC3339)
		if published > f.Updated {
			f.Updated = published
		}
		link := s.absURL("/agreements/"+url.PathEscape(c.AgreementID), nil)
		var content bytes.Buffer
		if err := entryTmpl.Execute(&content, map[string]any{"C": c, "Link": link}); err != nil {
			return s.apiError(r, fmt.Errorf("render feed entry %d: %w", c.ID, err))
		}
		e := atomEntry{
			ID:         fmt.Sprintf("tag:%s,%s:change/%d", s.tagHost, feedEpoch, c.ID),
			Title:      changeTitle(c),
			Published:  published,
			Updated:    published,
			Links:      []atomLink{{Rel: "alternate", Type: "text/html", Href: link}},
			Categories: []atomCat{{Term: string(c.Kind)}, {Term: string(c.List)}},
			Content:    atomContent{Type: "html", Body: content.String()},
		}
		if c.AfterSnapshot != 0 {
			// The list that brought the change, with everything else it
			// changed.
			e.Links = append(e.Links, atomLink{Rel: "related", Type: "text/html",
				Href: s.absURL("/snapshots/"+strconv.FormatUint(c.AfterSnapshot, 10), nil)})
		}
		if rec := c.Record(); rec != nil && rec.State != "" {
			e.Categories = append(e.Categories, atomCat{Term: rec.State})
		}
		f.Entries = append(f.Entries, e)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	// A browser shows the feed as a page through this stylesheet; feed
	// readers skip the instruction. Root-relative like the pages' own
	// stylesheet: browsers apply only a same-origin XSLT, and the document's
	// own address is the one origin sure to be the same.
	b.WriteString(`<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>` + "\n")
	enc := xml.NewEncoder(&b)
	enc.Indent("", " ")
	if err := enc.Encode(f); err != nil {
		return s.apiError(r, fmt.Errorf("encode feed: %w", err))
	}
	b.WriteByte('\n')
	return &response{status: http.StatusOK, contentType: "application/atom+xml; charset=utf-8", body: b.Bytes()}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+1)
	for k, vs := range v {
		out[k] = vs
	}
	return out
}
