package wayback_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/wayback"
	"github.com/watch287g/watch287g/wayback/waybacktest"
)

func newClient(t *testing.T, base string, delay time.Duration) *wayback.Client {
	t.Helper()
	c, err := wayback.New(wayback.Options{BaseURL: base, Delay: delay, PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return d
}

const folderURL = "https://www.ice.gov/doclib/about/offices/ero/287g/"

func TestCDX(t *testing.T) {
	s := waybacktest.NewServer(t)
	a, b := scrapertest.Sample(t, sheet.Participating, 2), scrapertest.Sample(t, sheet.Participating, 3)
	u := folderURL + "participatingAgencies.xlsx"
	s.Add(
		waybacktest.Capture{Timestamp: "20250201000000", Original: u, Body: a},
		waybacktest.Capture{Timestamp: "20250202000000", Original: u, Body: a}, // adjacent duplicate: collapsed
		waybacktest.Capture{Timestamp: "20250203000000", Original: u, Body: b},
		waybacktest.Capture{Timestamp: "20250204000000", Original: u, Body: []byte("gone"), Status: 404},
		waybacktest.Capture{Timestamp: "20250205000000", Original: u, Body: a}, // not adjacent: kept
		waybacktest.Capture{Timestamp: "20250301000000", Original: folderURL + "pendingAgencies.xlsx", Body: b},
		waybacktest.Capture{Timestamp: "20250302000000", Original: "https://www.ice.gov/other/x.xlsx", Body: b},
	)
	s.SetPageLimit(2)
	c := newClient(t, s.URL(), -1)
	tests := []struct {
		name string
		q    wayback.Query
		want []string // timestamps
	}{
		{"prefix, 200, collapsed", wayback.Query{URL: wayback.Folder, MatchType: "prefix", Filters: []string{"statuscode:200"}, Collapse: "digest"},
			[]string{"20250201000000", "20250203000000", "20250205000000", "20250301000000"}},
		{"trailing star", wayback.Query{URL: wayback.Folder + "*", Filters: []string{"statuscode:200"}, Collapse: "digest"},
			[]string{"20250201000000", "20250203000000", "20250205000000", "20250301000000"}},
		{"exact", wayback.Query{URL: wayback.Folder + "participatingAgencies.xlsx"},
			[]string{"20250201000000", "20250202000000", "20250203000000", "20250204000000", "20250205000000"}},
		{"negated filter", wayback.Query{URL: wayback.Folder, MatchType: "prefix", Filters: []string{"!statuscode:200"}},
			[]string{"20250204000000"}},
		{"from and to", wayback.Query{URL: wayback.Folder, MatchType: "prefix", From: "20250202", To: "202502"},
			[]string{"20250202000000", "20250203000000", "20250204000000", "20250205000000"}},
		{"nothing", wayback.Query{URL: "www.ice.gov/none"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetRequests()
			rows, err := c.CDX(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Timestamp)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			// Paging: 2 rows a page, so more than 2 rows took resume keys.
			if n := len(s.Requests()); n != max(1, (len(tt.want)+1)/2) && len(tt.want)%2 == 1 {
				t.Errorf("got %d requests for %d rows, want %d", n, len(tt.want), (len(tt.want)+1)/2)
			}
		})
	}
}

// scenario publishes a small history through the stand-in with every
// quirk, and returns what a backfill must end up with.
type scenario struct {
	s    *waybacktest.Server
	docs []waybacktest.Doc
	// decoy is a workbook under the download prefix no page links.
	decoy string
}

func newScenario(t *testing.T) *scenario {
	t.Helper()
	s := waybacktest.NewServer(t)
	p1 := scrapertest.Sample(t, sheet.Participating, 4)
	p2 := fixture(t, "participating_quirks.xlsx")
	p3 := fixture(t, "participating_county_addendum.xlsx")
	q1 := fixture(t, "pending.xlsx")
	q2 := fixture(t, "pending_moa.xlsx")
	docs := s.Publish([]waybacktest.Doc{
		{Name: "participatingAgencies.xlsx", Body: p1, Kind: sheet.Participating, At: day("2025-02-21 21:49"), Form: waybacktest.Undated},
		{Name: "pendingAgencies.xlsx", Body: q1, Kind: sheet.Pending, At: day("2025-02-21 21:50"), Form: waybacktest.Undated},
		{Name: "participatingAgencies05012025am.xlsx", Body: p2, Kind: sheet.Participating, At: day("2025-05-01 14:00"), Form: waybacktest.DocLib},
		{Name: "participatingAgencies07012025pm.xlsx", Body: p3, Kind: sheet.Participating, At: day("2025-07-01 22:00"), Form: waybacktest.FileDownload},
		{Name: "pendingAgencies07012025pm.xlsx", Body: q2, Kind: sheet.Pending, At: day("2025-07-01 22:01"), Form: waybacktest.FileDownload},
	})
	sc := &scenario{s: s, docs: docs}
	// Quirks: a later duplicate capture and a revisit of p3's id, a gzip
	// body, a captured block page and a truncated capture in the folder,
	// and a decoy workbook under the download prefix.
	s.Add(
		waybacktest.Capture{Timestamp: "20250702120000", Original: docs[3].URL(), Body: p3, Disposition: `attachment; filename="participatingAgencies07012025pm.xlsx"`},
		waybacktest.Capture{Timestamp: "20250703120000", Original: docs[3].URL(), Body: []byte("other")},
		waybacktest.Capture{Timestamp: "20250704120000", Original: docs[3].URL(), Body: p3, Revisit: true},
		waybacktest.Capture{Timestamp: "20250601100000", Original: folderURL + "participatingAgencies06012025am.xlsx", Body: scrapertest.Sample(t, sheet.Participating, 5), Gzip: true},
		waybacktest.Capture{Timestamp: "20250602100000", Original: folderURL + "participatingAgencies06022025am.xlsx", Body: []byte(waybacktest.BlockPage)},
		waybacktest.Capture{Timestamp: "20250603100000", Original: folderURL + "pendingAgencies06032025am.xlsx", Body: q2, Truncate: 1000},
	)
	decoyID := s.NewID()
	sc.decoy = fmt.Sprintf("/file-download/download/public/%d", decoyID)
	s.Add(waybacktest.Capture{Timestamp: "20250705120000", Original: "https://www.ice.gov" + sc.decoy,
		Body: scrapertest.Sample(t, sheet.Participating, 9), Disposition: `attachment; filename="participatingAgencies07052025am.xlsx"`})
	return sc
}

func TestDiscoverAndDownload(t *testing.T) {
	sc := newScenario(t)
	c := newClient(t, sc.s.URL(), -1)
	ctx := context.Background()
	var st wayback.State
	saves := 0
	d, err := c.Discover(ctx, wayback.DefaultTarget(), &st, func(*wayback.State) error { saves++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if saves == 0 {
		t.Error("got no save of the discovery state, want one at least")
	}
	for _, r := range sc.s.Requests() {
		if strings.Contains(r.Path, "file-download") && strings.Contains(r.Path, "/web/") && strings.HasSuffix(r.Path, sc.decoy) {
			t.Errorf("got a request for the decoy %s, want none", r.Path)
		}
		if r.Path == "/cdx/search/cdx" && strings.Contains(r.Query.Get("url"), "file-download") && (r.Query.Get("matchType") == "prefix" || strings.HasSuffix(r.Query.Get("url"), "*")) {
			t.Errorf("got a prefix listing of the download folder %v, want none", r.Query)
		}
	}
	type result struct{ name, list, reason string }
	var got []result
	for _, cand := range d.Files {
		if strings.HasSuffix(cand.Capture.Original, sc.decoy) {
			t.Errorf("got the decoy %s as a candidate, want it never found", cand.Capture.Original)
		}
		f, err := c.Download(ctx, cand.Capture)
		var rej *wayback.Rejected
		switch {
		case errors.As(err, &rej):
			got = append(got, result{name: cand.Capture.Original[strings.LastIndex(cand.Capture.Original, "/")+1:], reason: rej.Reason})
		case err != nil:
			t.Fatalf("download %v: %v", cand.Capture, err)
		default:
			got = append(got, result{name: f.Name + " " + f.Published, list: string(f.List())})
			if want := c.PlaybackURL(f.Timestamp, cand.Capture.Original); f.PlaybackURL != want {
				t.Errorf("got playback %s, want %s", f.PlaybackURL, want)
			}
		}
	}
	if len(got) != 9 {
		t.Errorf("got %d results %v, want 9 (6 workbooks, 3 rejections)", len(got), got)
	}
	count := map[string]int{}
	for _, g := range got {
		if g.reason != "" {
			count[g.reason]++
		} else {
			count[g.list]++
		}
	}
	wantCount := map[string]int{"participating": 4, "pending": 2, wayback.ReasonNotWorkbook: 2, wayback.ReasonCorrupt: 1}
	for k, v := range wantCount {
		if count[k] != v {
			t.Errorf("%s: got %d, want %d (results %v)", k, count[k], v, got)
		}
	}
	for dg, n := range sc.s.Downloads() {
		if n != 1 {
			t.Errorf("digest %s: got %d downloads, want 1", dg, n)
		}
	}

	// A second discovery knows every page capture and link: it reads no
	// page again and asks the CDX only for the folder and the pages.
	sc.s.ResetRequests()
	d2, err := c.Discover(ctx, wayback.DefaultTarget(), &st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d2.PagesRead != 0 || len(d2.Files) != len(d.Files) {
		t.Errorf("second discovery: got %d pages read and %d files, want 0 and %d", d2.PagesRead, len(d2.Files), len(d.Files))
	}
	for _, r := range sc.s.Requests() {
		if strings.HasPrefix(r.Path, "/web/") {
			t.Errorf("second discovery: got playback request %s, want none", r.Path)
		}
	}
}

func TestDownloadRedirects(t *testing.T) {
	s := waybacktest.NewServer(t)
	body := scrapertest.Sample(t, sheet.Pending, 2)
	u := folderURL + "pendingAgencies05012025am.xlsx"
	s.Add(
		waybacktest.Capture{Timestamp: "20250501100000", Original: u, Body: body},
		waybacktest.Capture{Timestamp: "20250509100000", Original: u, Body: body, Revisit: true},
	)
	c := newClient(t, s.URL(), -1)
	for _, ts := range []string{"20250502", "20250509100000"} { // nearest; revisit
		t.Run(ts, func(t *testing.T) {
			f, err := c.Download(context.Background(), wayback.Capture{Timestamp: ts, Original: u})
			if err != nil {
				t.Fatal(err)
			}
			if f.Timestamp != "20250501100000" || f.Published != "2025-05-01" {
				t.Errorf("got capture %s published %s, want 20250501100000 and 2025-05-01", f.Timestamp, f.Published)
			}
		})
	}

	// A redirect to another host is refused.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.invalid/web/20250101id_/https://www.ice.gov/x.xlsx", http.StatusFound)
	}))
	defer evil.Close()
	_, err := newClient(t, evil.URL, -1).Download(context.Background(), wayback.Capture{Timestamp: "2025", Original: u})
	var rej *wayback.Rejected
	if !errors.As(err, &rej) || rej.Reason != wayback.ReasonOffHost {
		t.Errorf("got %v, want a rejection %q", err, wayback.ReasonOffHost)
	}
	// A capture that redirects to a capture of another site is refused.
	s.Add(waybacktest.Capture{Timestamp: "20250601000000", Original: "https://www.ice.gov/moved.xlsx", Status: 301, Body: []byte("moved")})
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/web/20250601id_/https://evil.example/x.xlsx", http.StatusFound)
	}))
	defer other.Close()
	_, err = newClient(t, other.URL, -1).Download(context.Background(), wayback.Capture{Timestamp: "2025", Original: u})
	if !errors.As(err, &rej) || rej.Reason != wayback.ReasonOffHost {
		t.Errorf("got %v, want a rejection %q", err, wayback.ReasonOffHost)
	}
}

// TestPoliteness proves from the stand-in's request log that requests
// never overlap, never come inside the delay, that 503, 429 and dropped
// connections are retried, Retry-After honoured, and each digest
// downloaded once.
func TestPoliteness(t *testing.T) {
	sc := newScenario(t)
	const delay = 20 * time.Millisecond
	sc.s.Fault("/cdx/", waybacktest.Fault{Status: 503}, waybacktest.Fault{Status: 429, RetryAfter: "1"})
	sc.s.Fault("/web/", waybacktest.Fault{Drop: true}, waybacktest.Fault{Status: 503})
	c := newClient(t, sc.s.URL(), delay)
	ctx := context.Background()
	d, err := c.Discover(ctx, wayback.DefaultTarget(), &wayback.State{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, cand := range d.Files {
		if _, err := c.Download(ctx, cand.Capture); err != nil && !errors.As(err, new(*wayback.Rejected)) {
			t.Fatal(err)
		}
	}
	log := sc.s.Requests()
	if st := c.Stats(); st.Retries != 4 || st.Requests < len(log) {
		t.Errorf("got %+v, want 4 retries and at least %d requests", st, len(log))
	}
	for i, r := range log {
		if r.Overlapped {
			t.Errorf("request %d %s overlapped another", i, r.Path)
		}
		if i == 0 {
			continue
		}
		gap := r.Start.Sub(log[i-1].End)
		if gap < delay {
			t.Errorf("request %d %s came %v after the previous one ended, want at least %v", i, r.Path, gap, delay)
		}
		if log[i-1].Status == http.StatusTooManyRequests && gap < time.Second {
			t.Errorf("request %d came %v after a 429 with Retry-After: 1, want at least 1s", i, gap)
		}
	}
	for dg, n := range sc.s.Downloads() {
		if n != 1 {
			t.Errorf("digest %s: got %d downloads, want 1", dg, n)
		}
	}
}

// TestCancel: a backfill waiting out a long Retry-After stops when ctx ends.
func TestCancel(t *testing.T) {
	s := waybacktest.NewServer(t)
	s.Fault("/cdx/", waybacktest.Fault{Status: 429, RetryAfter: "600"})
	waiting := make(chan struct{})
	c, err := wayback.New(wayback.Options{BaseURL: s.URL(), Delay: -1, Sleep: func(ctx context.Context, d time.Duration) error {
		if d > time.Minute {
			close(waiting)
		}
		<-ctx.Done()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-waiting; cancel() }()
	_, err = c.CDX(ctx, wayback.Query{URL: wayback.Folder})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}
