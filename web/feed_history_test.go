package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
)

// TestFeedLeavesOutHistory: a list older than the ones already fetched (a
// backfill after live fetches) brings changes to the history, marked
// historical; the feed leaves them out, so feed readers are not flooded
// with the past as news, while the API lists them with the rest.
func TestFeedLeavesOutHistory(t *testing.T) {
	fx := newFixture(t)
	// Published before every list of the fixture: its changes are found
	// only now (the store puts it in its place and rebuilds the history).
	fx.commitFile(t, sheet.Participating, "participatingAgencies01052025am.xlsx", "2025-01-05",
		fx.at.Add(time.Hour), []sheet.Record{harris})
	_, ts := newTestServer(t, fx.st, fx.at.Add(2*time.Hour))

	var api struct{ Changes []diff.Change }
	getJSON(t, ts, "/api/v1/changes?limit=200", http.StatusOK, &api)
	historical := map[string]bool{}
	news := 0
	for _, c := range api.Changes {
		if c.Historical {
			historical["tag:watch.example.org,2025:change/"+strconv.FormatUint(c.ID, 10)] = true
		} else {
			news++
		}
	}
	if len(historical) == 0 {
		t.Fatalf("got no historical change in the API's %d, want the older list's", len(api.Changes))
	}
	resp, body := get(t, ts, http.MethodGet, "/feed.atom?limit=200", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("feed: got status %d, want 200", resp.StatusCode)
	}
	var f atomFeed
	if err := xml.Unmarshal(body, &f); err != nil {
		t.Fatalf("parse feed: %v", err)
	}
	for _, e := range f.Entries {
		if historical[e.ID] {
			t.Errorf("feed entry %s (%s) is history found late, want it left out", e.ID, e.Title)
		}
	}
	if len(f.Entries) != news {
		t.Errorf("feed: got %d entries, want the %d changes that were news", len(f.Entries), news)
	}
}
