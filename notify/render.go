package notify

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/sheet"
)

// message is one rendered email.
type message struct {
	Subject string
	Text    string
	HTML    string
}

// item is one change as an email shows it. Every string here may come from
// ICE's files: the text body gets it with control characters removed, the
// HTML body through html/template, and the subject never sees it.
type item struct {
	Headline string
	Agency   string
	Type     string
	Model    string
	List     string
	Signed   string
	MOA      string
	Page     string
	Note     string
	Fields   []fieldChange
	state    string
	kind     diff.Kind
}

type fieldChange struct{ Field, Old, New string }

type stateGroup struct {
	Name  string
	Items []item
}

type emailView struct {
	Subject string
	Intro   string
	States  []stateGroup
	// Lists links the page of each published list these changes came
	// from: everything that changed in it, not just what the filter kept.
	Lists  []listLink
	Footer string
}

// listLink is one published list's page.
type listLink struct{ Label, URL string }

// listLinks returns a link to the page of each list the changes were
// found in, oldest first; none without a public URL.
func (n *Notifier) listLinks(changes []diff.Change) []listLink {
	if n.opt.PublicURL == "" {
		return nil
	}
	seen := map[uint64]bool{}
	var ids []uint64
	byID := map[uint64]diff.Change{}
	for _, ch := range changes {
		if ch.AfterSnapshot == 0 || seen[ch.AfterSnapshot] {
			continue
		}
		seen[ch.AfterSnapshot] = true
		ids = append(ids, ch.AfterSnapshot)
		byID[ch.AfterSnapshot] = ch
	}
	slices.Sort(ids)
	out := make([]listLink, 0, len(ids))
	for _, id := range ids {
		ch := byID[id]
		label := "ICE's " + string(ch.List) + " list"
		if ch.AfterPublished != "" {
			label += " of " + humanDate(oneLine(ch.AfterPublished))
		}
		out = append(out, listLink{Label: label, URL: n.opt.PublicURL + "/snapshots/" + strconv.FormatUint(id, 10)})
	}
	return out
}

// counts is what a subject line says.
type counts struct{ added, ended, changed, promoted, missing, restored, documents int }

func countChanges(changes []diff.Change) counts {
	var c counts
	for _, ch := range changes {
		switch {
		case ch.Kind == diff.Added:
			c.added++
		case ch.Kind == diff.Removed && ch.PromotedTo != "":
			c.promoted++
		case ch.Kind == diff.Removed && ch.Confirmed != nil:
			c.missing++ // the lifecycle's removal: not an ending yet
		case ch.Kind == diff.Removed, ch.Kind == diff.Ended:
			c.ended++
		case ch.Kind == diff.Restored:
			c.restored++
		case ch.Document != nil:
			c.documents++ // the document kinds (diff/document.go)
		default:
			c.changed++
		}
	}
	return c
}

// subjectFor builds the subject only from counts and dates, so nothing
// from ICE's files can reach a header.
func subjectFor(prefix string, changes []diff.Change) string {
	c := countChanges(changes)
	s := fmt.Sprintf("%s: %d new, %d ended, %d changed", prefix, c.added, c.ended, c.changed)
	if c.restored > 0 {
		s += fmt.Sprintf(", %d restored", c.restored)
	}
	if c.missing > 0 {
		s += fmt.Sprintf(", %d missing", c.missing)
	}
	if c.promoted > 0 {
		s += fmt.Sprintf(", %d moved to participating", c.promoted)
	}
	if c.documents > 0 {
		s += fmt.Sprintf(", %d MOA documents", c.documents)
	}
	if d := listDate(changes); d != "" {
		s += " — ICE list of " + d
	}
	return s
}

// listDate is the newest published date among the changes, "Feb 13, 2026".
func listDate(changes []diff.Change) string {
	var newest time.Time
	for _, ch := range changes {
		for _, p := range []string{ch.AfterPublished, ch.BeforePublished} {
			if t, err := time.Parse(time.DateOnly, p); err == nil && t.After(newest) {
				newest = t
			}
		}
	}
	if newest.IsZero() {
		return ""
	}
	return newest.Format("Jan 2, 2006")
}

// humanDate turns YYYY-MM-DD into "Feb 13, 2026", leaving anything else
// as it is (it is only ever shown in a body).
func humanDate(s string) string {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format("Jan 2, 2006")
	}
	return s
}

// oneLine turns runs of control characters (CR, LF, tabs, ESC, …) into
// one space and drops bidi overrides and invalid UTF-8, so a value from a
// spreadsheet cannot forge lines in a text body or a header.
func oneLine(s string) string {
	return escape.StripControl(strings.Join(strings.FieldsFunc(s, unicode.IsControl), " "))
}

func (n *Notifier) pageURL(id string) string {
	if n.opt.PublicURL == "" || id == "" {
		return ""
	}
	return n.opt.PublicURL + "/agreements/" + url.PathEscape(id)
}

func (n *Notifier) itemFor(ch diff.Change) item {
	r := ch.Record()
	if r == nil {
		r = &sheet.Record{}
	}
	it := item{
		Agency: oneLine(r.Agency),
		Type:   oneLine(r.Type),
		Model:  oneLine(sheet.ModelLabel(r.Model)),
		List:   string(ch.List),
		Signed: humanDate(oneLine(r.Signed)),
		MOA:    escape.LinkURL(r.MOAURL),
		Page:   n.pageURL(ch.AgreementID),
		state:  r.State,
		kind:   ch.Kind,
	}
	switch {
	case ch.Kind == diff.Added && ch.List == sheet.Pending:
		it.Headline = "New pending agreement"
	case ch.Kind == diff.Added:
		it.Headline = "New agreement"
		if ch.WasPendingSince != "" {
			it.Headline = "Signed"
			it.Note = "pending since " + humanDate(oneLine(ch.WasPendingSince))
		}
	case ch.Kind == diff.Removed && ch.PromotedTo != "":
		it.Headline = "Signed (moved to participating)"
		it.Page = n.pageURL(ch.PromotedTo)
	case ch.Kind == diff.Removed && ch.Confirmed != nil && ch.List == sheet.Pending:
		it.Headline = "Missing from the pending list"
		it.Note = diff.LifecycleNote(&ch)
	case ch.Kind == diff.Removed && ch.Confirmed != nil:
		it.Headline = "Missing"
		it.Note = diff.LifecycleNote(&ch)
	case ch.Kind == diff.Ended && ch.List == sheet.Pending:
		it.Headline = "Left the pending list"
		it.Note = diff.LifecycleNote(&ch)
	case ch.Kind == diff.Ended:
		it.Headline = "Ended"
		it.Note = diff.LifecycleNote(&ch)
	case ch.Kind == diff.Restored:
		it.Headline = "Restored"
		it.Note = diff.LifecycleNote(&ch)
		for _, f := range ch.Fields {
			old, nw := displayField(ch.Before, f), displayField(ch.After, f)
			it.Fields = append(it.Fields, fieldChange{Field: f, Old: oneLine(old), New: oneLine(nw)})
		}
	case ch.Document != nil:
		// The document kinds: the agreement's linked MOA or addendum PDF.
		it.MOA = escape.LinkURL(ch.Document.URL)
		what := "MOA"
		if ch.Document.Role == diff.DocumentAddendum {
			what = "Addendum"
		}
		switch ch.Kind {
		case diff.DocumentAdded:
			it.Headline = what + " archived"
		case diff.DocumentReplaced:
			it.Headline = what + " replaced at the same address"
			it.Note = "new bytes; the previous copy is kept"
		case diff.DocumentGone:
			it.Headline = what + " link dead"
			it.Note = fmt.Sprintf("ICE answers HTTP %d; the last copy is kept", ch.Document.HTTPStatus)
		case diff.DocumentBack:
			it.Headline = what + " link back"
		default:
			it.Headline = what + " " + oneLine(string(ch.Kind))
		}
	case ch.Kind == diff.Removed && ch.List == sheet.Pending:
		it.Headline = "Removed from the pending list"
	case ch.Kind == diff.Removed:
		it.Headline = "Ended"
	default:
		it.Headline = "Changed"
		for _, f := range ch.Fields {
			old, nw := displayField(ch.Before, f), displayField(ch.After, f)
			it.Fields = append(it.Fields, fieldChange{Field: f, Old: oneLine(old), New: oneLine(nw)})
		}
	}
	return it
}

// renderChanges renders one email for a set of changes, grouped by state.
func (n *Notifier) renderChanges(prefix, intro string, changes []diff.Change) (message, error) {
	byState := map[string][]item{}
	for _, ch := range changes {
		it := n.itemFor(ch)
		byState[it.state] = append(byState[it.state], it)
	}
	states := make([]string, 0, len(byState))
	for s := range byState {
		states = append(states, s)
	}
	slices.SortFunc(states, func(a, b string) int {
		if (a == "") != (b == "") { // unknown state last
			if a == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a, b)
	})
	v := emailView{Subject: subjectFor(prefix, changes), Intro: intro}
	for _, s := range states {
		items := byState[s]
		slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.Agency, b.Agency) })
		name := stateName(s)
		v.States = append(v.States, stateGroup{Name: name, Items: items})
	}
	v.Lists = n.listLinks(changes)
	if n.opt.PublicURL != "" {
		v.Footer = "More at " + n.opt.PublicURL + "/ — you receive this because you subscribed to watch287g alerts."
	} else {
		v.Footer = "You receive this because you subscribed to watch287g alerts."
	}
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return message{}, fmt.Errorf("notify: render html: %w", err)
	}
	return message{Subject: v.Subject, Text: renderText(v), HTML: html.String()}, nil
}

func stateName(code string) string {
	if code == "" {
		return "Unknown state"
	}
	return code
}

func renderText(v emailView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", v.Subject)
	if v.Intro != "" {
		fmt.Fprintf(&b, "%s\n\n", v.Intro)
	}
	for _, g := range v.States {
		fmt.Fprintf(&b, "== %s ==\n\n", g.Name)
		for _, it := range g.Items {
			fmt.Fprintf(&b, "%s: %s\n", it.Headline, it.Agency)
			line := func(label, value string) {
				if value != "" {
					fmt.Fprintf(&b, "  %-8s %s\n", label+":", value)
				}
			}
			line("List", it.List)
			line("Model", it.Model)
			line("Type", it.Type)
			line("Signed", it.Signed)
			line("Note", it.Note)
			for _, f := range it.Fields {
				fmt.Fprintf(&b, "  %s: %s → %s\n", f.Field, orNone(f.Old), orNone(f.New))
			}
			line("MOA", it.MOA)
			line("Page", it.Page)
			b.WriteString("\n")
		}
	}
	for _, l := range v.Lists {
		fmt.Fprintf(&b, "Everything that changed in %s: %s\n", l.Label, l.URL)
	}
	if len(v.Lists) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "-- \n%s\n", v.Footer)
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// htmlTemplate escapes everything it is given; styles are inline and
// there are no remote images, so the message reads the same in every
// client.
var htmlTemplate = template.Must(template.New("email").Funcs(template.FuncMap{"orNone": orNone}).Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.4;color:#1a1a1a;background:#ffffff">
<h1 style="font-size:20px;margin:0 0 12px 0">{{.Subject}}</h1>
{{if .Intro}}<p style="margin:0 0 16px 0">{{.Intro}}</p>{{end}}
{{range .States}}<h2 style="font-size:17px;margin:20px 0 8px 0;border-bottom:1px solid #cccccc">{{.Name}}</h2>
{{range .Items}}<div style="margin:0 0 14px 0;padding:8px 10px;border-left:4px solid #3b6ea5;background:#f5f7fa;word-wrap:break-word;overflow-wrap:anywhere">
<div style="font-weight:bold">{{.Headline}}: {{.Agency}}</div>
<div style="color:#444444;font-size:14px">{{.List}}{{if .Model}} · {{.Model}}{{end}}{{if .Type}} · {{.Type}}{{end}}{{if .Signed}} · signed {{.Signed}}{{end}}</div>
{{if .Note}}<div style="font-size:14px">{{.Note}}</div>{{end}}
{{if .Fields}}<ul style="margin:4px 0;padding-left:20px;font-size:14px">{{range .Fields}}<li>{{.Field}}: <span style="color:#a33">{{orNone .Old}}</span> → <span style="color:#262">{{orNone .New}}</span></li>{{end}}</ul>{{end}}
<div style="font-size:14px">{{if .MOA}}<a href="{{.MOA}}" style="color:#3b6ea5">MOA</a>{{end}}{{if and .MOA .Page}} · {{end}}{{if .Page}}<a href="{{.Page}}" style="color:#3b6ea5">Agreement page</a>{{end}}</div>
</div>
{{end}}{{end}}{{range .Lists}}<p style="margin:8px 0 0 0;font-size:14px">Everything that changed in <a href="{{.URL}}" style="color:#3b6ea5">{{.Label}}</a></p>
{{end}}<p style="margin:24px 0 0 0;font-size:12px;color:#666666">{{.Footer}}</p>
</body></html>
`))

// displayField is a field's value as an email shows it: models and dates
// in words.
func displayField(r *sheet.Record, field string) string {
	v := r.Field(field)
	switch field {
	case "model":
		return sheet.ModelLabel(v)
	case "signed":
		return humanDate(v)
	}
	return v
}
