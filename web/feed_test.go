package web

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

func TestFeed(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	tests := map[string]struct {
		query   string
		entries int
	}{
		"all":      {"", 4},
		"added":    {"?kind=added", 2},
		"texas":    {"?state=TX", 1},
		"limit":    {"?limit=1", 1},
		"no match": {"?list=pending", 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, ts, http.MethodGet, "/feed.atom"+tc.query, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
				t.Errorf("got Content-Type %q, want application/atom+xml", ct)
			}
			var f atomFeed
			if err := xml.Unmarshal(body, &f); err != nil {
				t.Fatalf("parse feed: %v\n%s", err, body)
			}
			if f.XMLName.Space != "http://www.w3.org/2005/Atom" || f.ID == "" || f.Title == "" || f.Updated == "" {
				t.Errorf("got feed %q id %q title %q updated %q, want an Atom feed with id, title, updated", f.XMLName.Space, f.ID, f.Title, f.Updated)
			}
			if len(f.Entries) != tc.entries {
				t.Fatalf("got %d entries, want %d", len(f.Entries), tc.entries)
			}
			for _, e := range f.Entries {
				if !strings.HasPrefix(e.ID, "tag:watch.example.org,2025:change/") {
					t.Errorf("got entry id %q, want tag:watch.example.org,2025:change/N", e.ID)
				}
				if len(e.Links) != 2 || !strings.HasPrefix(e.Links[0].Href, testPublicURL+"/agreements/") ||
					e.Links[1].Rel != "related" || !strings.HasPrefix(e.Links[1].Href, testPublicURL+"/snapshots/") {
					t.Errorf("got links %+v, want the agreement page, then the list page (related)", e.Links)
				}
				if e.Updated == "" || e.Title == "" || e.Content.Type != "html" || e.Content.Body == "" {
					t.Errorf("entry %s: got updated %q title %q content %q/%q, want all set", e.ID, e.Updated, e.Title, e.Content.Type, e.Content.Body)
				}
			}
		})
	}

	t.Run("titles, ids and escaping", func(t *testing.T) {
		_, body := get(t, ts, http.MethodGet, "/feed.atom", nil)
		var f atomFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("parse feed: %v", err)
		}
		var titles []string
		for _, e := range f.Entries {
			titles = append(titles, e.Title)
		}
		for _, want := range []string{
			"Changed: Harris County Sheriff's Office (TX, Task Force): signed",
			// A removal is "missing" until confirmed ended (issue 11).
			"Missing: Alachua County Sheriff's Office (FL, Jail Enforcement) — missing from ICE's list of February 1, 2025 (not yet confirmed ended)",
			"Added: Tulsa Police Department (OK, Task Force)",
		} {
			if !slices.Contains(titles, want) {
				t.Errorf("got titles %q, want one %q", titles, want)
			}
		}
		// The content is HTML carried as text: ICE's markup must arrive
		// escaped inside it, never as live elements.
		for _, e := range f.Entries {
			if strings.Contains(e.Title, "Cobb") && strings.Contains(e.Content.Body, "<script>") {
				t.Errorf("entry content carries a live <script>: %s", e.Content.Body)
			}
		}
		if !strings.Contains(string(body), "&lt;script&gt;") {
			t.Errorf("want the agency's markup escaped in the feed")
		}
		// Entry ids are stable: asking again gives the same ids.
		_, again := get(t, ts, http.MethodGet, "/feed.atom", nil)
		var g atomFeed
		if err := xml.Unmarshal(again, &g); err != nil {
			t.Fatalf("parse feed: %v", err)
		}
		for i := range f.Entries {
			if f.Entries[i].ID != g.Entries[i].ID {
				t.Errorf("entry %d: got id %s then %s, want stable ids", i, f.Entries[i].ID, g.Entries[i].ID)
			}
		}
	})
}

// bigPublication commits one participating file, published on published
// but imported a week later, that adds n agreements in Utah.
func (fx *fixture) bigPublication(t *testing.T, published string, n int) {
	t.Helper()
	day, err := time.Parse(time.DateOnly, published)
	if err != nil {
		t.Fatalf("parse %s: %v", published, err)
	}
	recs := []sheet.Record{harris, travis, cobb, tulsa}
	for i := range n {
		name := fmt.Sprintf("Utah Agency Number %03d", i)
		recs = append(recs, sheet.Record{State: "UT", StateName: "UTAH", Agency: name, AgencyRaw: name,
			Type: "County", Model: sheet.JailEnforcement, ModelRaw: "Jail Enforcement Model"})
	}
	fx.commitFile(t, sheet.Participating, "participatingAgencies"+day.Format("01022006")+"am.xlsx", published,
		day.Add(7*24*time.Hour+10*time.Hour), recs)
}

// TestFeedPagesReachEveryChange: a publication of 175 changes reaches a
// feed reader whole by following rel="next", each change exactly once,
// each dated by ICE's publication rather than by the import.
func TestFeedPagesReachEveryChange(t *testing.T) {
	fx := newFixture(t)
	fx.bigPublication(t, "2026-02-27", 175)
	_, ts := newTestServer(t, fx.st, fx.at)

	var all ChangesResponse
	getJSON(t, ts, "/api/v1/changes?limit=500", http.StatusOK, &all)
	wantDate := map[uint64]string{}
	for _, c := range all.Changes {
		wantDate[c.ID] = c.AfterPublished + "T00:00:00Z"
	}
	if len(all.Changes) < 175 {
		t.Fatalf("got %d changes in the store, want at least 175", len(all.Changes))
	}

	seen := map[string]int{}
	var feedID string
	path := "/feed.atom"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatalf("rel=next did not end after %d pages", pages)
		}
		resp, body := get(t, ts, http.MethodGet, path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: got status %d, want 200", path, resp.StatusCode)
		}
		var f atomFeed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		if feedID == "" {
			feedID = f.ID
		} else if f.ID != feedID {
			t.Errorf("page %s: got feed id %s, want every page to carry %s", path, f.ID, feedID)
		}
		if len(f.Entries) > DefaultLimit {
			t.Errorf("page %s: got %d entries, want at most %d", path, len(f.Entries), DefaultLimit)
		}
		for _, e := range f.Entries {
			seen[e.ID]++
			id, err := strconv.ParseUint(e.ID[strings.LastIndex(e.ID, "/")+1:], 10, 64)
			if err != nil {
				t.Fatalf("entry id %s: %v", e.ID, err)
			}
			if e.Updated != wantDate[id] || e.Published != wantDate[id] {
				t.Errorf("entry %s: got updated %s published %s, want the publication date %s", e.ID, e.Updated, e.Published, wantDate[id])
			}
		}
		path = ""
		for _, l := range f.Links {
			if l.Rel == "next" {
				if !strings.HasPrefix(l.Href, testPublicURL+"/feed.atom?") {
					t.Fatalf("got next link %s, want one under the public URL", l.Href)
				}
				path = strings.TrimPrefix(l.Href, testPublicURL)
			}
		}
	}
	if len(seen) != len(all.Changes) {
		t.Errorf("got %d distinct entries over all pages, want %d", len(seen), len(all.Changes))
	}
	big := 0
	for id, n := range seen {
		if n != 1 {
			t.Errorf("entry %s seen %d times, want once", id, n)
		}
	}
	for _, c := range all.Changes {
		if c.AfterPublished == "2026-02-27" && c.Kind == diff.Added && c.Record().State == "UT" {
			big++
		}
	}
	if big != 175 {
		t.Errorf("got %d Utah agreements added 2026-02-27, want 175", big)
	}
}

// TestFeedBytesStable: the same data gives the same feed, whatever the
// clock says; the feed's updated is its newest publication.
func TestFeedBytesStable(t *testing.T) {
	fx := newFixture(t)
	_, ts1 := newTestServer(t, fx.st, fx.at)
	_, ts2 := newTestServer(t, fx.st, fx.at.Add(90*24*time.Hour))
	_, a := get(t, ts1, http.MethodGet, "/feed.atom", nil)
	_, b := get(t, ts2, http.MethodGet, "/feed.atom", nil)
	if string(a) != string(b) {
		t.Errorf("the feed changed with the clock, want the same bytes")
	}
	var f atomFeed
	if err := xml.Unmarshal(a, &f); err != nil {
		t.Fatalf("parse feed: %v", err)
	}
	if f.Updated != "2025-02-01T00:00:00Z" {
		t.Errorf("got feed updated %s, want the newest publication 2025-02-01T00:00:00Z", f.Updated)
	}
}
