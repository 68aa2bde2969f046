package web

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
	"testing"
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
				if len(e.Links) != 1 || !strings.HasPrefix(e.Links[0].Href, testPublicURL+"/agreements/") {
					t.Errorf("got links %+v, want one to the agreement page", e.Links)
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
			"Removed: Alachua County Sheriff's Office (FL, Jail Enforcement)",
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
