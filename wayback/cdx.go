package wayback

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// cdxFields are the fields asked of the CDX API, in this order.
const cdxFields = "timestamp,original,mimetype,statuscode,digest,length"

// maxCDXPages bounds one query's paging, so a server that keeps handing
// back resume keys cannot keep a backfill busy for ever.
const maxCDXPages = 1000

// Capture is one row of a CDX answer.
type Capture struct {
	// Timestamp is the capture's time, YYYYMMDDhhmmss (UTC).
	Timestamp string `json:"timestamp"`
	// Original is the captured URL as the archive recorded it.
	Original   string `json:"original"`
	MimeType   string `json:"mimetype"`
	StatusCode string `json:"statuscode"`
	// Digest is the archive's hash of the payload: captures with the same
	// digest hold the same bytes.
	Digest string `json:"digest"`
	Length string `json:"length"`
}

// Revisit reports whether the row is a warc/revisit record: the archive
// saw the same bytes again and stored only a pointer to an earlier capture.
func (c Capture) Revisit() bool { return strings.EqualFold(c.MimeType, "warc/revisit") }

// Query is one CDX search.
type Query struct {
	// URL is the url= parameter (without scheme, as the archive prefers).
	URL string
	// MatchType is "exact" (default) or "prefix".
	MatchType string
	// From and To are timestamp prefixes (YYYY, YYYYMMDD, …), inclusive.
	From, To string
	// Filters are filter= parameters: "field:regex", "!field:regex".
	Filters []string
	// Collapse is the collapse= parameter, such as "digest".
	Collapse string
}

// CDX runs q, following resume keys until every row is read.
func (c *Client) CDX(ctx context.Context, q Query) ([]Capture, error) {
	var out []Capture
	resume := ""
	for page := 0; ; page++ {
		if page >= maxCDXPages {
			return out, fmt.Errorf("wayback: cdx %s: %w: more than %d pages", q.URL, ErrCDX, maxCDXPages)
		}
		u := c.cdxURL(q, resume)
		r, err := c.get(ctx, u, nil)
		if err != nil {
			return out, fmt.Errorf("wayback: cdx: %w", err)
		}
		if r.status != http.StatusOK {
			return out, fmt.Errorf("wayback: cdx %s: %w %d", q.URL, ErrStatus, r.status)
		}
		rows, next, err := parseCDX(r.body)
		if err != nil {
			return out, fmt.Errorf("wayback: cdx %s: %w", q.URL, err)
		}
		out = append(out, rows...)
		if next == "" {
			return out, nil
		}
		resume = next
	}
}

func (c *Client) cdxURL(q Query, resume string) *url.URL {
	v := url.Values{}
	v.Set("url", q.URL)
	if q.MatchType != "" {
		v.Set("matchType", q.MatchType)
	}
	v.Set("output", "json")
	v.Set("fl", cdxFields)
	for _, f := range q.Filters {
		v.Add("filter", f)
	}
	if q.Collapse != "" {
		v.Set("collapse", q.Collapse)
	}
	if q.From != "" {
		v.Set("from", q.From)
	}
	if q.To != "" {
		v.Set("to", q.To)
	}
	v.Set("limit", strconv.Itoa(c.opts.PageSize))
	v.Set("showResumeKey", "true")
	if resume != "" {
		v.Set("resumeKey", resume)
	}
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/cdx/search/cdx"
	u.RawQuery = v.Encode()
	return &u
}

// parseCDX reads output=json: an array of string arrays, the first the
// field names; with showResumeKey, an empty row then [resumeKey] end a
// page when more remain. An empty answer is [] (or nothing at all).
func parseCDX(body []byte) ([]Capture, string, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, "", nil
	}
	var rows [][]string
	if err := json.Unmarshal(body, &rows); err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrCDX, err)
	}
	if len(rows) == 0 {
		return nil, "", nil
	}
	idx := map[string]int{}
	for i, name := range rows[0] {
		idx[name] = i
	}
	for _, f := range strings.Split(cdxFields, ",") {
		if _, ok := idx[f]; !ok {
			return nil, "", fmt.Errorf("%w: no %q column", ErrCDX, f)
		}
	}
	field := func(row []string, name string) string {
		if i := idx[name]; i < len(row) {
			return row[i]
		}
		return ""
	}
	var out []Capture
	resume := ""
	for i := 1; i < len(rows); i++ {
		row := rows[i]
		if len(row) == 0 {
			if i+1 < len(rows) && len(rows[i+1]) == 1 {
				resume = rows[i+1][0]
			}
			break
		}
		if len(row) != len(rows[0]) {
			return nil, "", fmt.Errorf("%w: row %d has %d fields, want %d", ErrCDX, i, len(row), len(rows[0]))
		}
		out = append(out, Capture{
			Timestamp: field(row, "timestamp"), Original: field(row, "original"), MimeType: field(row, "mimetype"),
			StatusCode: field(row, "statuscode"), Digest: field(row, "digest"), Length: field(row, "length"),
		})
	}
	return out, resume, nil
}
