package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
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
