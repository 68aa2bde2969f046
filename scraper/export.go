package scraper

import (
	"bytes"
	"context"
	"fmt"
	"net/url"

	"github.com/watch287g/watch287g/sheet"
)

// This file exports, for package wayback (which replays archived captures of
// the same page and files), the three rules a live fetch applies: which
// links on the page are the lists, what a download is called, and whether a
// body is a workbook worth archiving. One rule, one place.

// FindLinks returns each list's link (resolved against base and kept only
// on host) in a page's HTML, found by link text and href as Fetch finds
// them, and warnings about links it ignored.
func FindLinks(base *url.URL, host string, body []byte) (map[sheet.List]string, []string) {
	links, warnings := findLinks(base, host, body)
	out := make(map[sheet.List]string, len(links))
	for list, l := range links {
		out[list] = l.url
	}
	return out, warnings
}

// FileName is the name a download is known by: Content-Disposition's
// filename, else the last segment of u's path; never a path.
func FileName(contentDisposition string, u *url.URL) string {
	return fileName(contentDisposition, u)
}

// CheckWorkbook decides, as Fetch does, whether body is a file to archive.
// err is non-nil (ErrNotWorkbook or ErrTooLarge) when it must be rejected:
// no zip magic (an HTML block or error page), a truncated or corrupt zip,
// a workbook over the reader's caps. Otherwise parsed holds the reader's
// result, or parseErr says its header was not recognised: such a file is
// archived and quarantined.
func CheckWorkbook(body []byte) (parsed *sheet.File, parseErr, err error) {
	if !bytes.HasPrefix(body, zipMagic) {
		return nil, nil, fmt.Errorf("%w: body starts %q", ErrNotWorkbook, snippet(body))
	}
	return readWorkbook(context.Background(), sheet.ParseContext, body)
}
