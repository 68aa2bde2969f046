package wayback

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/sheet"
)

// File is one capture downloaded and accepted as a workbook.
type File struct {
	// Capture is the CDX row the download was asked for.
	Capture Capture
	// Timestamp is the capture that answered (a redirect may lead to the
	// nearest one), and PlaybackURL its raw playback address: together with
	// Capture.Original, where the file can be cited from.
	Timestamp   string
	PlaybackURL string
	// Name is the original file name: the captured Content-Disposition's,
	// else the original URL's last segment.
	Name string
	Body []byte
	// Parsed is the reader's result, or ParseErr says the header was not
	// recognised (archived and quarantined by the store).
	Parsed   *sheet.File
	ParseErr error
	// Published is the date the name claims, else the capture's date;
	// Slot the part of the day the name claims.
	Published string
	Slot      string
}

// List is the list the file holds by its columns, or "".
func (f *File) List() sheet.List {
	if f.Parsed == nil {
		return ""
	}
	return f.Parsed.List
}

// Rejected is the error Download returns for a capture that is not a file
// to archive: a captured block or error page, a truncated capture, a body
// over the caps, a capture the archive no longer serves. The capture will
// never become a workbook, so the caller may remember not to ask again.
type Rejected struct {
	// Reason is a short, stable label for a summary.
	Reason string
	Err    error
}

func (r *Rejected) Error() string { return r.Reason + ": " + r.Err.Error() }
func (r *Rejected) Unwrap() error { return r.Err }

// Reasons a capture is rejected.
const (
	ReasonNotWorkbook = "not a workbook (block or error page)"
	ReasonCorrupt     = "truncated or corrupt workbook"
	ReasonTooLarge    = "too large"
	ReasonStatus      = "not served by the archive"
	ReasonOffHost     = "redirected off host"
)

// playbackPath matches /web/<timestamp>[flags_]/<original>.
var playbackPath = regexp.MustCompile(`^/web/(\d{1,14})(?:[a-z]{2}_)?/(.+)$`)

// PlaybackURL is the raw playback address of a capture: the original bytes,
// original headers prefixed X-Archive-Orig-.
func (c *Client) PlaybackURL(timestamp, original string) string {
	return c.base.String() + "/web/" + timestamp + "id_/" + original
}

// Download fetches one capture by raw playback, following redirects to the
// nearest capture of the same URL, and accepts it only as a live fetch
// would. A capture that can never be a workbook is a *Rejected error; any
// other error (the archive down after retries, ctx ended) is worth trying
// again later.
func (c *Client) Download(ctx context.Context, cp Capture) (*File, error) {
	orig, err := originalURL(cp.Original)
	if err != nil {
		return nil, &Rejected{Reason: ReasonStatus, Err: err}
	}
	u, err := url.Parse(c.PlaybackURL(cp.Timestamp, cp.Original))
	if err != nil {
		return nil, &Rejected{Reason: ReasonStatus, Err: err}
	}
	r, err := c.get(ctx, u, sameCapturedHost(orig))
	switch {
	case errors.Is(err, ErrOffHost):
		return nil, &Rejected{Reason: ReasonOffHost, Err: err}
	case errors.Is(err, ErrTooLarge):
		return nil, &Rejected{Reason: ReasonTooLarge, Err: err}
	case err != nil:
		return nil, fmt.Errorf("wayback: download: %w", err)
	}
	if r.status != http.StatusOK {
		err := fmt.Errorf("%s: %w %d", escape.RedactURL(r.url.String()), ErrStatus, r.status)
		if r.status == http.StatusNotFound || r.status == http.StatusGone || r.status == http.StatusForbidden {
			return nil, &Rejected{Reason: ReasonStatus, Err: err}
		}
		return nil, fmt.Errorf("wayback: download: %w", err)
	}
	body, err := gunzip(r.body, c.opts.MaxBody)
	if err != nil {
		return nil, &Rejected{Reason: ReasonCorrupt, Err: err}
	}
	f := &File{Capture: cp, Timestamp: cp.Timestamp, PlaybackURL: r.url.String(), Body: body}
	if m := playbackPath.FindStringSubmatch(r.url.Path); m != nil {
		f.Timestamp = m[1]
	}
	f.Name = scraper.FileName(r.header.Get("X-Archive-Orig-Content-Disposition"), orig)
	f.Published, f.Slot = published(f.Name, f.Timestamp)
	parsed, parseErr, err := scraper.CheckWorkbook(body)
	if err != nil {
		reason := ReasonNotWorkbook
		switch {
		case errors.Is(err, scraper.ErrTooLarge):
			reason = ReasonTooLarge
		case bytes.HasPrefix(body, []byte("PK")):
			reason = ReasonCorrupt
		}
		return nil, &Rejected{Reason: reason, Err: fmt.Errorf("%s (%s): %w", escape.RedactURL(f.PlaybackURL), orUntyped(r.header.Get("Content-Type")), err)}
	}
	f.Parsed, f.ParseErr = parsed, parseErr
	return f, nil
}

func orUntyped(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// CaptureTime reads a CDX timestamp (any prefix of YYYYMMDDhhmmss) as UTC.
func CaptureTime(ts string) (time.Time, bool) {
	const layout = "20060102150405"
	if len(ts) < 8 || len(ts) > len(layout) {
		return time.Time{}, false
	}
	t, err := time.Parse(layout[:len(ts)], ts)
	return t, err == nil
}

// published is the date and slot a name claims, read against the capture
// time (which repairs mistyped years); a name that claims none (ICE's
// early, undated participatingAgencies.xlsx) takes the capture's date.
func published(name, timestamp string) (string, string) {
	ref, ok := CaptureTime(timestamp)
	if !ok {
		ref = time.Now()
	}
	if p, slot, ok := scraper.ParseName(name, ref); ok {
		return p, slot
	}
	if ok {
		return ref.Format(time.DateOnly), ""
	}
	return "", ""
}

// originalURL parses a CDX original, which may lack a scheme.
func originalURL(s string) (*url.URL, error) {
	switch {
	case strings.HasPrefix(s, "https:/") && !strings.HasPrefix(s, "https://"):
		s = "https://" + s[len("https:/"):] // a path cleaner ate a slash
	case strings.HasPrefix(s, "http:/") && !strings.HasPrefix(s, "http://"):
		s = "http://" + s[len("http:/"):]
	case !strings.Contains(s, "://"):
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("capture of %q: not a url", escape.Terminal(s))
	}
	return u, nil
}

// sameCapturedHost allows a redirect only to a capture of the same host:
// the nearest capture of the same file, never a different site.
func sameCapturedHost(orig *url.URL) func(*url.URL) error {
	return func(next *url.URL) error {
		m := playbackPath.FindStringSubmatch(next.Path)
		if m == nil {
			return fmt.Errorf("%w: %s is not a capture", ErrOffHost, escape.RedactURL(next.String()))
		}
		target, err := originalURL(m[2])
		if err != nil || !strings.EqualFold(target.Hostname(), orig.Hostname()) {
			return fmt.Errorf("%w: capture of %s redirects to a capture of %s", ErrOffHost, orig.Hostname(), escape.RedactURL(m[2]))
		}
		return nil
	}
}

// gunzip undoes a gzip stream the archive stored (or serves) without a
// Content-Encoding header; other bodies come back as they are.
func gunzip(b []byte, maxBody int64) ([]byte, error) {
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b, 0x08}) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip body: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("gzip body: %w", err)
	}
	if int64(len(out)) > maxBody {
		return nil, fmt.Errorf("gzip body: %w: over %d bytes", ErrTooLarge, maxBody)
	}
	return out, nil
}
