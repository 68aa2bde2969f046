package waybacktest

import (
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/corpustest"
	"github.com/watch287g/watch287g/sheet"
)

// Form is how the page linked a file.
type Form int

// The forms ICE's links have taken.
const (
	// DocLib links /doclib/about/offices/ero/287g/<Name>.
	DocLib Form = iota
	// FileDownload links /file-download/download/public/<id>; the name
	// comes only in Content-Disposition.
	FileDownload
	// Undated links /doclib/…/participatingAgencies.xlsx (or pending…):
	// one URL whose bytes changed, as in early 2025.
	Undated
)

// Paths on ICE's site.
const (
	PagePath        = "/identify-and-arrest/287g"
	DocLibDir       = "/doclib/about/offices/ero/287g/"
	FileDownloadDir = "/file-download/download/public/"
)

// Doc is one file ICE published, as the archive captured it.
type Doc struct {
	// Name is ICE's file name.
	Name string
	Body []byte
	// Kind is the list the page's link named (the link text).
	Kind sheet.List
	// At is when the archive captured the file; the page is captured a
	// minute before.
	At   time.Time
	Form Form
	// ID is the download id for FileDownload, assigned when zero.
	ID int
	// Path is the file on disk it came from, if any (for an import of the
	// same files).
	Path string
}

// URL is the file's original URL.
func (d Doc) URL() string {
	switch d.Form {
	case FileDownload:
		return fmt.Sprintf("https://%s%s%d", ICE, FileDownloadDir, d.ID)
	case Undated:
		return "https://" + ICE + DocLibDir + string(d.Kind) + "Agencies.xlsx"
	}
	return "https://" + ICE + DocLibDir + d.Name
}

// Timestamp formats t as a capture timestamp.
func Timestamp(t time.Time) string { return t.UTC().Format("20060102150405") }

// Publish archives docs in order: for each, a capture of the 287(g) page a
// minute before At, linking it and the latest doc of the other list (with
// ICE's link texts), then the file's capture (with Content-Disposition
// for FileDownload). It returns docs with their ids assigned.
func (s *Server) Publish(docs []Doc) []Doc {
	docs = append([]Doc(nil), docs...)
	latest := map[sheet.List]Doc{}
	for i := range docs {
		d := &docs[i]
		if d.Form == FileDownload && d.ID == 0 {
			d.ID = s.NewID()
		}
		latest[d.Kind] = *d
		s.setPage(Timestamp(d.At.Add(-time.Minute)), []byte(Page(latest)))
		c := Capture{Timestamp: Timestamp(d.At), Original: d.URL(), Body: d.Body}
		if d.Form == FileDownload {
			c.Disposition = fmt.Sprintf(`attachment; filename="%s"`, d.Name)
		}
		s.Add(c)
	}
	return docs
}

// Page is the 287(g) page linking the given docs, as ICE wrote it.
func Page(docs map[sheet.List]Doc) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>Delegation of Immigration Authority Section 287(g)</title></head><body><main>`)
	b.WriteString(`<h1>Delegation of Immigration Authority Section 287(g)</h1><ul>`)
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		d, ok := docs[list]
		if !ok {
			continue
		}
		href := d.URL()
		if d.Form != FileDownload {
			href = strings.TrimPrefix(href, "https://"+ICE)
		}
		text := "Participating Agencies"
		if list == sheet.Pending {
			text = "Pending Agencies"
		}
		fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, html.EscapeString(href), text)
	}
	b.WriteString(`<li><a href="/file-download/download/public/1234">Detention statistics</a></li></ul></main></body></html>`)
	return b.String()
}

// corpusName is the corpus's "2025-09-02am_<original>.xlsx".
var corpusName = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(am|mid|pm)?_(.+?)(__v\d+)?(\.xlsx)$`)

// waybackName is an early undated file, named by its capture time.
var waybackName = regexp.MustCompile(`^(participating|pending)Agencies-(\d{14})$`)

// CorpusDocs turns the shared corpus (skipping the test when absent) into
// Docs, in published order, keeping the files keep accepts (nil: all):
// ICE's original names, captured on the corpus date (am 10:00, mid 16:00,
// pm 21:00 UTC, a minute apart), the early captures under the one undated
// URL at their own timestamps, and the forms alternating by month (even
// months DocLib, odd months FileDownload), as ICE alternated.
func CorpusDocs(t testing.TB, keep func(name string) bool) []Doc {
	t.Helper()
	dir := corpustest.Dir(t)
	var docs []Doc
	group := map[string]int{} // files so far of one day and slot
	for _, f := range corpustest.Manifest(t, dir) {
		if keep != nil && !keep(f.Name) {
			continue
		}
		m := corpusName.FindStringSubmatch(f.Name)
		if m == nil {
			t.Fatalf("corpus name %q: not YYYY-MM-DD[slot]_name.xlsx", f.Name)
		}
		day, err := time.Parse(time.DateOnly, m[1])
		if err != nil {
			t.Fatalf("corpus name %q: %v", f.Name, err)
		}
		hour := map[string]int{"": 12, "am": 10, "mid": 16, "pm": 21}[m[2]]
		at := day.Add(time.Duration(hour)*time.Hour + time.Duration(group[m[1]+m[2]])*time.Minute)
		group[m[1]+m[2]]++
		name := m[3] + m[5]
		kind := sheet.Participating
		if strings.Contains(strings.ToLower(name), "pending") {
			kind = sheet.Pending
		}
		form := DocLib
		if day.Month()%2 == 1 {
			form = FileDownload
		}
		if w := waybackName.FindStringSubmatch(m[3]); w != nil {
			form = Undated
			at, err = time.Parse("20060102150405", w[2])
			if err != nil {
				t.Fatalf("corpus name %q: %v", f.Name, err)
			}
			name = w[1] + "Agencies.xlsx"
		}
		path := filepath.Join(dir, f.Name)
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, Doc{Name: name, Body: body, Kind: kind, At: at, Form: form, Path: path})
	}
	return docs
}

// setPage archives a capture of the page at ts, replacing one already
// there (two files captured at the same second share one page capture).
func (s *Server) setPage(ts string, body []byte) {
	s.mu.Lock()
	for _, c := range s.caps {
		if c.Timestamp == ts && c.key == ICE+PagePath {
			c.Body, c.digest = body, Digest(body)
			s.mu.Unlock()
			return
		}
	}
	s.mu.Unlock()
	s.Add(Capture{Timestamp: ts, Original: "https://" + ICE + PagePath, Body: body})
}
