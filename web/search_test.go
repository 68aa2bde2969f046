package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

func TestSearchCaps(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	long := strings.Repeat("a", MaxSearchQuery+1)
	longest := strings.Repeat("a", MaxSearchQuery)
	tests := map[string]struct {
		path    string
		status  int
		maxBody int
		want    string
	}{
		"page q too long":         {"/search?q=" + long, http.StatusBadRequest, 16 << 10, "q takes at most 200 bytes"},
		"api q too long":          {"/api/v1/search?q=" + long, http.StatusBadRequest, 200, "q takes at most 200 bytes"},
		"page longest q":          {"/search?q=" + longest, http.StatusOK, 16 << 10, "0 results"},
		"api longest q":           {"/api/v1/search?q=" + longest, http.StatusOK, 200, `"total":0`},
		"multibyte over the cap":  {"/api/v1/search?q=" + url.QueryEscape(strings.Repeat("é", 101)), http.StatusBadRequest, 200, "at most 200 bytes"},
		"query string over 2 KiB": {"/search?q=a&x=" + strings.Repeat("b", 2100), http.StatusRequestURITooLong, 16 << 10, "longer than 2048 bytes"},
		"api query over 2 KiB":    {"/api/v1/changes?x=" + strings.Repeat("b", 2100), http.StatusRequestURITooLong, 200, "longer than 2048 bytes"},
		"bad limit":               {"/api/v1/search?q=a&limit=0", http.StatusBadRequest, 200, "limit takes"},
		"bad offset":              {"/api/v1/search?q=a&offset=-1", http.StatusBadRequest, 200, "offset takes"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, ts, http.MethodGet, tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("got status %d, want %d (%.200s)", resp.StatusCode, tc.status, body)
			}
			if len(body) > tc.maxBody {
				t.Errorf("got a %d-byte body, want at most %d", len(body), tc.maxBody)
			}
			if !strings.Contains(string(body), tc.want) {
				t.Errorf("got body %.300s, want it to say %q", body, tc.want)
			}
			if tc.status != http.StatusOK && strings.Contains(string(body), strings.Repeat("a", 100)) {
				t.Errorf("the refused query is echoed back, want it left out")
			}
		})
	}
}

// TestSearchPaging follows next_offset through every match: each exactly
// once, no page over the limit.
func TestSearchPaging(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	var all SearchResponse
	getJSON(t, ts, "/api/v1/search?q=county", http.StatusOK, &all)
	if all.Total < 3 || len(all.Agreements) != all.Total || all.NextOffset != nil {
		t.Fatalf("got %d of %d agreements, next %v, want all (at least 3) on one page", len(all.Agreements), all.Total, all.NextOffset)
	}
	seen := map[string]int{}
	path := "/api/v1/search?q=county&limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > all.Total {
			t.Fatalf("paging did not end after %d pages", pages)
		}
		var page SearchResponse
		getJSON(t, ts, path, http.StatusOK, &page)
		if len(page.Agreements) > 2 || page.Total != all.Total {
			t.Fatalf("got %d agreements of total %d, want at most 2 of %d", len(page.Agreements), page.Total, all.Total)
		}
		for _, a := range page.Agreements {
			seen[a.ID]++
		}
		path = ""
		if page.NextOffset != nil {
			path = "/api/v1/search?q=county&limit=2&offset=" + strconv.Itoa(*page.NextOffset)
		}
	}
	for _, a := range all.Agreements {
		if seen[a.ID] != 1 {
			t.Errorf("agreement %s seen %d times over the pages, want once", a.ID, seen[a.ID])
		}
	}
	if len(seen) != all.Total {
		t.Errorf("got %d agreements over the pages, want %d", len(seen), all.Total)
	}
}

// everyAgreementReads is the real store, counting the reads of every
// agreement (FindAgreements with an empty query).
type everyAgreementReads struct {
	*store.Store
	n atomic.Int64
}

func (c *everyAgreementReads) FindAgreements(ctx context.Context, query string) ([]store.AgreementInfo, error) {
	if query == "" {
		c.n.Add(1)
	}
	return c.Store.FindAgreements(ctx, query)
}

// TestSearchAgenciesOncePerVersion: searches for different queries match
// them against one agency list per data version, read once; a new list
// reads it again, and the new agency is found.
func TestSearchAgenciesOncePerVersion(t *testing.T) {
	fx := newFixture(t)
	cs := &everyAgreementReads{Store: fx.st}
	srv := New(Options{Store: cs, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	search := func(q string) string {
		t.Helper()
		rec := recorder(t, srv, "/search?q="+url.QueryEscape(q))
		if rec.Code != http.StatusOK {
			t.Fatalf("search %q: got %d, want 200", q, rec.Code)
		}
		return rec.Body.String()
	}
	for _, q := range []string{"county", "harris", "sheriff", "travis"} {
		search(q)
	}
	if got := cs.n.Load(); got != 1 {
		t.Errorf("four searches of one version: got %d reads of every agreement, want 1", got)
	}
	newcomer := sheet.Record{Row: 6, State: "TX", StateName: "TEXAS", Agency: "Zavala County Sheriff's Office",
		AgencyRaw: "Zavala County Sheriff's Office", Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
		Signed: "2025-02-25", SignedRaw: "45713"}
	fx.commitFile(t, sheet.Participating, "participatingAgencies03012025am.xlsx", "2025-03-01", fx.at.Add(time.Hour),
		[]sheet.Record{harris, travis, cobb, tulsa, newcomer})
	page := search("zavala")
	if got := cs.n.Load(); got != 2 {
		t.Errorf("a search after a new list: got %d reads of every agreement, want 2", got)
	}
	if !strings.Contains(page, "/agencies/tx-zavala-county-sheriffs-office") {
		t.Errorf("search after a new list: the new agency is not listed")
	}
}

// TestAgencyIndexLight: the search index keeps a line per agency, not its
// records, and ranks every query as the full agency list does.
func TestAgencyIndexLight(t *testing.T) {
	fx := newFixture(t)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	ctx := t.Context()
	index, err := srv.agencyIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	full, err := srv.agencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(index) != len(full) || len(index) == 0 {
		t.Fatalf("index of %d agencies, full list %d", len(index), len(full))
	}
	for i, g := range index {
		if g.Agreements != nil || g.keys == nil {
			t.Errorf("%s: index keeps %d records, keys %v; want none and keys", g.ID, len(g.Agreements), g.keys)
		}
		if f := full[i]; g.ID != f.ID || g.Count != len(f.Agreements) || g.Active != f.Active || g.County != f.County {
			t.Errorf("index %s (%d, %d active) differs from the full list's %s (%d, %d active)", g.ID, g.Count, g.Active, f.ID, len(f.Agreements), f.Active)
		}
		for _, q := range []string{"harris county tx", "county", "Travis", "sheriff's office", "texas", "ok", "cobb, georgia", "nothing like it"} {
			if got, want := agencyMatch(g, q), agencyMatch(full[i], q); got != want {
				t.Errorf("%s, query %q: index ranks %d, full list %d", g.ID, q, got, want)
			}
		}
	}
}
