package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// recorder serves one GET in-process.
func recorder(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
	return rec
}

func TestPages(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	harrisID := fx.agreementID(t, harris.Agency)
	tests := map[string]struct {
		path   string
		status int
		want   []string
	}{
		"overview": {"/", 200, []string{`<html lang="en">`, "<main", `<svg class="chart"`, "<title id=\"by-model-title\">",
			"Active participating agreements", ">4<", `href="/states/TX"`, `scope="col"`, "Harris County Sheriff&#39;s Office",
			`href="/agreements/` + harrisID + `"`}},
		"changes":          {"/changes", 200, []string{"Removed", "Alachua County", "Atom feed of these changes"}},
		"changes filtered": {"/changes?state=FL&kind=", 200, []string{"Alachua County", `value="FL"`}},
		"changes bad":      {"/changes?kind=signed", 400, []string{"unknown kind"}},
		"agreement": {"/agreements/" + url.PathEscape(harrisID), 200, []string{"<h1>Harris County Sheriff&#39;s Office</h1>",
			"2025-01-05", "2025-01-06", `href="https://www.ice.gov/doclib/287g/harrisCountyTX.pdf"`, "Every published version"}},
		"state":            {"/states/tx", 200, []string{"287(g) agreements in Texas", "Travis County", `<svg class="chart"`}},
		"state unknown":    {"/states/ZZ", 404, []string{"Not found"}},
		"snapshots":        {"/snapshots", 200, []string{`href="/api/v1/snapshots/1/file"`, fx.part2.SHA256, "participatingAgencies02012025pm.xlsx"}},
		"search":           {"/search?q=tulsa", 200, []string{"Tulsa Police Department", "for “tulsa”"}},
		"search empty":     {"/search", 200, []string{"Search agencies"}},
		"agreement absent": {"/agreements/nope", 404, []string{"Not found"}},
		"no such page":     {"/wp-admin", 404, []string{"Not found"}},
		"stylesheet":       {"/static/style.css", 200, []string{"@media"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := recorder(t, srv, tc.path)
			if rec.Code != tc.status {
				t.Fatalf("got status %d, want %d", rec.Code, tc.status)
			}
			body := rec.Body.String()
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") &&
				!strings.Contains(rec.Header().Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("got Content-Security-Policy %q, want one that allows no scripts", rec.Header().Get("Content-Security-Policy"))
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(body, "<script") {
				t.Errorf("page contains a <script>: ICE's text must be escaped and pages need no JavaScript")
			}
		})
	}
}

func TestChangesPagePagination(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	seen := map[string]bool{}
	path := "/changes?limit=3&kind=added,removed,changed"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatalf("pagination did not end")
		}
		rec := recorder(t, srv, path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: got %d, want 200", path, rec.Code)
		}
		for _, m := range regexp.MustCompile(`href="/agreements/([^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1) {
			seen[m[1]] = true
		}
		path = ""
		if m := regexp.MustCompile(`href="(/changes\?[^"]*cursor=[^"]*)" rel="next"`).FindStringSubmatch(rec.Body.String()); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(path, "kind=") {
				t.Errorf("next link %s drops the filters", path)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("got %d agreements over all pages, want 4", len(seen))
	}
}

func TestMethodNotAllowedOnPages(t *testing.T) {
	fx := newFixture(t)
	srv, _ := newTestServer(t, fx.st, fx.at)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/changes", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /changes: got %d, want 405", rec.Code)
	}
}
