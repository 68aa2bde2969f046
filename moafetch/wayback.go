package moafetch

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback"
)

// Wayback is what a round needs of *wayback.Client to recover a dead
// link's document: the CDX search and the raw playback address.
type Wayback interface {
	CDX(ctx context.Context, q wayback.Query) ([]wayback.Capture, error)
	PlaybackURL(timestamp, original string) string
}

// DefaultWaybackEvery is how long a lookup that found nothing rests before
// the archive is asked again.
const DefaultWaybackEvery = 30 * 24 * time.Hour

// maxCaptureTries caps the captures read for one address, newest first:
// the archive also keeps captured error pages under a PDF's address.
const maxCaptureTries = 3

// wantsWayback reports whether a dead address should be looked up: no copy
// was ever archived here (a held copy is the record already), none was
// recovered, and the last lookup is old enough.
func (f *Fetcher) wantsWayback(u store.DocumentURL, now time.Time) bool {
	return f.opt.Wayback != nil && u.Status == store.DocumentGone && u.SHA256 == "" && u.Wayback == nil &&
		(u.WaybackChecked.IsZero() || now.Sub(u.WaybackChecked) >= f.opt.WaybackEvery)
}

// recoverFromWayback looks a dead address up in the Wayback Machine and
// archives the newest capture that reads as a PDF, with its provenance.
// An archive that does not answer is logged and asked again next round.
func (f *Fetcher) recoverFromWayback(ctx context.Context, u store.DocumentURL, now time.Time) (bool, error) {
	shown := escape.RedactURL(u.URL)
	log := f.log.With(slog.String("url", shown))
	original := u.URL
	if i := strings.Index(original, "://"); i >= 0 {
		original = original[i+3:]
	}
	caps, err := f.opt.Wayback.CDX(ctx, wayback.Query{URL: original, Filters: []string{"statuscode:200"}})
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		log.Warn("wayback lookup failed; asked again next round", slog.Any("error", err))
		return false, nil
	}
	tries := 0
	for i := len(caps) - 1; i >= 0 && tries < maxCaptureTries; i-- {
		c := caps[i]
		if c.Revisit() {
			continue
		}
		tries++
		if tries > 1 && f.opt.Delay > 0 {
			if err := wait(ctx, f.opt.Delay); err != nil {
				return false, err
			}
		}
		pb := f.opt.Wayback.PlaybackURL(c.Timestamp, c.Original)
		body, err := f.download(ctx, pb)
		if err == nil {
			var doc *moa.Document
			if doc, err = moa.Read(ctx, body, f.opt.Limits); err == nil {
				capture := &store.DocumentCapture{Timestamp: c.Timestamp, PlaybackURL: pb}
				if err := f.st.RecordWaybackLookup(ctx, u.URL, capture, body, doc, now); err != nil {
					return false, fmt.Errorf("moafetch: %w", err)
				}
				log.Info("dead document recovered from the wayback machine", slog.String("timestamp", c.Timestamp), slog.String("sha256", doc.SHA256))
				return true, nil
			}
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		log.Info("wayback capture is not the document", slog.String("timestamp", c.Timestamp), slog.String("error", escape.Terminal(err.Error())))
	}
	if err := f.st.RecordWaybackLookup(ctx, u.URL, nil, nil, nil, now); err != nil {
		return false, fmt.Errorf("moafetch: %w", err)
	}
	log.Info("no wayback capture of the dead document", slog.Int("captures", len(caps)))
	return false, nil
}

// download GETs a capture's bytes, capped at the PDF size limit.
func (f *Fetcher) download(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", f.opt.UserAgent)
	resp, err := f.opt.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s", redactErr(err, u))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	limit := f.opt.Limits.MaxBytes
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %s", redactErr(err, u))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("over the size cap of %d bytes", limit)
	}
	if resp.ContentLength >= 0 && int64(len(body)) != resp.ContentLength {
		return nil, fmt.Errorf("truncated: %d of %d bytes", len(body), resp.ContentLength)
	}
	return body, nil
}
