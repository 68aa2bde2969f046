package web

import (
	"html/template"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
)

// funcs are the template functions shared by the pages and the feed.
var funcs = template.FuncMap{
	"model":     sheet.ModelLabel,
	"kindWord":  kindWord,
	"field":     displayField,
	"fieldHTML": fieldHTML,
	"title":     changeTitle,
	"stateName": stateName,
	"when":      when,
	"num":       thousands,
	"num64":     func(n int64) string { return thousands(int(n)) },
	"agencyID":  agencyID,
	"mark":      markField,
	"dash":      func(s string) string { return cmp(s, "—") },
	"shortSHA": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"pathEscape": url.PathEscape,
	"fieldName":  fieldName,
	"stateMap":   stateMap,  // maps.go
	"countyMap":  countyMap, // maps.go
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func kindWord(k diff.Kind) string {
	switch k {
	case diff.Added:
		return "Added"
	case diff.Removed:
		return "Removed"
	case diff.Changed:
		return "Changed"
	case diff.Ended:
		return "Ended"
	case diff.Restored:
		return "Restored"
	case diff.DocumentAdded:
		return "MOA document added"
	case diff.DocumentReplaced:
		return "MOA document replaced"
	case diff.DocumentGone:
		return "MOA document gone"
	}
	return string(k)
}

// fieldName is a change's field name in words.
func fieldName(f string) string {
	switch f {
	case "state_name":
		return "state name"
	case "moa_url":
		return "MOA link"
	case "type":
		return "agency type"
	}
	if k, ok := strings.CutPrefix(f, "extra."); ok {
		return strings.ToLower(k)
	}
	return f
}

// when formats a time for people, in UTC so cached pages are the same for
// everyone.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// stateName is a state's name for a page: sheet's table, or the code
// itself when unknown ("Unknown state" for none).
func stateName(code string) string {
	if n := sheet.StateName(code); n != "" {
		return n
	}
	if code == "" {
		return "Unknown state"
	}
	return code
}

// displayField is a field's value as a page shows it: a model in words.
func displayField(r *sheet.Record, field string) string {
	if field == "model" {
		return sheet.ModelLabel(r.Field(field))
	}
	return r.Field(field)
}

// fieldHTML is a field's value in a table cell: an address as a link named
// by its last path segment (MOA addresses run to a hundred characters and
// their file name is what a reader recognises), anything else as text, and
// an em dash for nothing.
func fieldHTML(r *sheet.Record, field string) template.HTML {
	v := displayField(r, field)
	if v == "" {
		return "—"
	}
	if escape.LinkURL(v) == "" {
		return template.HTML(template.HTMLEscapeString(v))
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return template.HTML(template.HTMLEscapeString(v))
	}
	name := path.Base(u.Path)
	if name == "/" || name == "." {
		name = u.Host
	}
	if unescaped, err := url.PathUnescape(name); err == nil {
		name = unescaped
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(u.String()) + `">` + template.HTMLEscapeString(name) + `</a>`)
}

// markField is a changed field's old value with the changed characters
// marked (<del>/<ins>, as the command line's diff marks them), for text
// fields that had a value before and after; "" otherwise (an address or
// a date, and a value filled in, which has nothing to mark).
func markField(before, after *sheet.Record, field string) template.HTML {
	switch field {
	case "moa_url", "moa_raw", "signed", "signed_raw":
		// Links are shown as links; a date's marked digits
		// (2025-1[-0-]{+2+}-…) read worse than the two dates.
		return ""
	}
	b, a := displayField(before, field), displayField(after, field)
	if b == "" || a == "" {
		return ""
	}
	return markHTML(b, a)
}
