package wayback

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
)

// Where ICE's lists were published (see docs/backfill.md).
const (
	// Folder holds the lists named participatingAgencies<date>.xlsx.
	Folder = "www.ice.gov/doclib/about/offices/ero/287g/"
	// DownloadPrefix holds every kind of ICE download by numeric id; its
	// lists are found only through the links of page captures.
	DownloadPrefix = "/file-download/download/public/"
)

// Pages are the addresses the 287(g) page has had, newest first.
var Pages = []string{
	"www.ice.gov/identify-and-arrest/287g",
	"www.ice.gov/287g",
	"www.ice.gov/factsheets/287g",
}

// Target is what Discover searches.
type Target struct {
	Folder string
	Pages  []string
	// From and To are CDX timestamp prefixes (YYYYMMDD…), inclusive, or "".
	From, To string
}

// DefaultTarget is ICE's folder and pages over all time.
func DefaultTarget() Target { return Target{Folder: Folder, Pages: slices.Clone(Pages)} }

// State is what discovery learnt that never changes, so an interrupted or
// repeated backfill does not ask again: the list links each page capture
// held, and the captures of each linked file (a download id is one file).
// The caller keeps it (the command, in the store's meta).
type State struct {
	Pages map[string][]string  `json:"pages"`
	Links map[string][]Capture `json:"links"`
}

// Candidate is one distinct file (one CDX digest) to download.
type Candidate struct {
	// Capture is the row to download: the earliest capture of the digest
	// that is not a revisit record.
	Capture Capture
	// Captures is how many rows carried this digest (duplicates, revisits).
	Captures int
	// Via says how it was found: "folder", or the page capture that linked it.
	Via string
}

// Discovery is what Discover found.
type Discovery struct {
	// FileCaptures counts the CDX rows of files (before grouping by
	// digest); PageCaptures the rows of the 287(g) page.
	FileCaptures int
	PageCaptures int
	// PagesRead counts page captures downloaded in this run (the others
	// were known from State).
	PagesRead int
	// Links counts the distinct list links found on page captures.
	Links int
	// Files holds one candidate per digest, in capture order.
	Files    []Candidate
	Warnings []string
}

// saveInterval is how often Discover hands what it learnt to save: each
// save is a database transaction (an fsync), and at the archive's pace
// (one request per Delay) half a minute of page reads is cheap to redo.
const saveInterval = 30 * time.Second

// Discover finds every distinct capture of ICE's lists: the folder's
// workbooks by a prefix query, and each list link of every capture of the
// 287(g) page (read by raw playback; download ids are never listed by
// prefix). st is updated in place and handed to save every few entries and
// at the end. Failures of single page captures are joined into the error,
// with the Discovery of everything else.
func (c *Client) Discover(ctx context.Context, t Target, st *State, save func(*State) error) (*Discovery, error) {
	if st.Pages == nil {
		st.Pages = map[string][]string{}
	}
	if st.Links == nil {
		st.Links = map[string][]Capture{}
	}
	d := &Discovery{}
	var rows []Capture
	var via []string
	var errs []error
	add := func(cs []Capture, how string) {
		for _, cp := range cs {
			rows = append(rows, cp)
			via = append(via, how)
		}
	}
	ok200 := []string{"statuscode:200"}

	if t.Folder != "" {
		cs, err := c.CDX(ctx, Query{URL: t.Folder, MatchType: "prefix", From: t.From, To: t.To, Filters: ok200, Collapse: "digest"})
		if err != nil {
			return d, err
		}
		cs = slices.DeleteFunc(cs, func(cp Capture) bool { return !looksLikeList(cp.Original) })
		add(cs, "folder")
	}

	pending, lastSave := 0, time.Now()
	flush := func(force bool) error {
		if save == nil || pending == 0 || (!force && time.Since(lastSave) < saveInterval) {
			return nil
		}
		pending, lastSave = 0, time.Now()
		return save(st)
	}
	links := map[string]string{} // link → the page capture that first held it
	var linkOrder []string
	for _, p := range t.Pages {
		pcs, err := c.CDX(ctx, Query{URL: p, From: t.From, To: t.To, Filters: ok200, Collapse: "digest"})
		if err != nil {
			return d, errors.Join(err, flush(true))
		}
		d.PageCaptures += len(pcs)
		for _, pc := range pcs {
			if pc.Revisit() {
				continue // the same page as a capture already read
			}
			key := pc.Timestamp + " " + pc.Original
			found, known := st.Pages[key]
			if !known {
				found, err = c.pageLinks(ctx, pc)
				switch {
				case ctx.Err() != nil:
					return d, errors.Join(fmt.Errorf("wayback: %w", ctx.Err()), flush(true))
				case err != nil:
					errs = append(errs, err)
					continue
				}
				st.Pages[key] = found
				d.PagesRead++
				pending++
				if err := flush(false); err != nil {
					return d, err
				}
			}
			for _, l := range found {
				if _, ok := links[l]; !ok {
					links[l] = c.PlaybackURL(pc.Timestamp, pc.Original)
					linkOrder = append(linkOrder, l)
				}
			}
		}
	}
	d.Links = len(linkOrder)
	for _, l := range linkOrder {
		if t.Folder != "" && strings.HasPrefix(stripScheme(l), t.Folder) && t.From == "" && t.To == "" {
			continue // the folder query listed it
		}
		cs, known := st.Links[l]
		if !known {
			var err error
			cs, err = c.CDX(ctx, Query{URL: stripScheme(l), Filters: ok200, Collapse: "digest"})
			if err != nil {
				if ctx.Err() != nil {
					return d, errors.Join(err, flush(true))
				}
				errs = append(errs, err)
				continue
			}
			if len(cs) == 0 {
				d.Warnings = append(d.Warnings, fmt.Sprintf("%s (linked by %s) was never captured", escape.Terminal(l), links[l]))
			}
			st.Links[l] = cs
			pending++
			if err := flush(false); err != nil {
				return d, err
			}
		}
		add(cs, links[l])
	}
	if err := flush(true); err != nil {
		errs = append(errs, err)
	}
	d.FileCaptures = len(rows)
	d.Files = distinct(rows, via)
	return d, errors.Join(errs...)
}

// pageLinks reads one page capture's list links.
func (c *Client) pageLinks(ctx context.Context, pc Capture) ([]string, error) {
	orig, err := originalURL(pc.Original)
	if err != nil {
		return nil, err
	}
	u, err := orig.Parse(c.PlaybackURL(pc.Timestamp, pc.Original))
	if err != nil {
		return nil, err
	}
	r, err := c.get(ctx, u, sameCapturedHost(orig))
	if err != nil {
		return nil, fmt.Errorf("wayback: page capture: %w", err)
	}
	if r.status != http.StatusOK {
		if r.status == http.StatusNotFound {
			return nil, nil // listed but not served: nothing to learn, ever
		}
		return nil, fmt.Errorf("wayback: page capture %s: %w %d", escape.RedactURL(u.String()), ErrStatus, r.status)
	}
	body, err := gunzip(r.body, c.opts.MaxBody)
	if err != nil {
		return nil, nil
	}
	found, warnings := scraper.FindLinks(orig, orig.Host, body)
	for _, w := range warnings {
		c.log.Debug("page capture", slog.String("capture", pc.Timestamp), slog.String("warning", escape.Terminal(w)))
	}
	var out []string
	for _, list := range []sheet.List{sheet.Participating, sheet.Pending} {
		if l, ok := found[list]; ok {
			out = append(out, l)
		}
	}
	return out, nil
}

// looksLikeList keeps the folder's spreadsheets of agencies (the folder
// also holds PDFs and other documents).
func looksLikeList(original string) bool {
	u, err := originalURL(original)
	if err != nil {
		return false
	}
	name := strings.ToLower(path.Base(u.Path))
	ext := path.Ext(name)
	return (ext == ".xlsx" || ext == ".xls") && strings.Contains(name, "agenc") &&
		(strings.Contains(name, "participating") || strings.Contains(name, "pending"))
}

func stripScheme(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[i+3:]
	}
	return u
}

// distinct keeps one candidate per digest: its earliest capture that is
// not a revisit record (a revisit points at an earlier capture of the same
// bytes), in capture order.
func distinct(rows []Capture, via []string) []Candidate {
	byDigest := map[string]int{}
	var out []Candidate
	for i, cp := range rows {
		key := cp.Digest
		if key == "" {
			key = cp.Timestamp + " " + cp.Original
		}
		j, ok := byDigest[key]
		if !ok {
			byDigest[key] = len(out)
			out = append(out, Candidate{Capture: cp, Captures: 1, Via: via[i]})
			continue
		}
		c := &out[j]
		c.Captures++
		better := c.Capture.Revisit() && !cp.Revisit() ||
			c.Capture.Revisit() == cp.Revisit() && cp.Timestamp < c.Capture.Timestamp
		if better {
			c.Capture, c.Via = cp, via[i]
		}
	}
	slices.SortStableFunc(out, func(a, b Candidate) int { return cmp.Compare(a.Capture.Timestamp, b.Capture.Timestamp) })
	return out
}
