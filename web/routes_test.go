package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEveryRoute hits every route the server registers over loopback, on
// a real store filled through store.Commit: a good request and the bad
// input each route can get (unknown id, bad filter, wrong method). A route
// added without a case here fails the test.
func TestEveryRoute(t *testing.T) {
	fx := newFixture(t)
	docSHA := archiveFixtureDocs(t, fx.st) // documents_test.go
	srv, ts := newTestServer(t, fx.st, fx.at)
	harrisID := url.PathEscape(fx.agreementID(t, harris.Agency))
	snap := strconv.FormatUint(fx.part2.ID, 10)
	const (
		jsonType = "application/json"
		htmlType = "text/html"
		textType = "text/plain"
		atomType = "application/atom+xml"
		xlsx     = xlsxType
	)
	tests := []struct {
		method, path string
		status       int
		ctype        string
		want         string // in the body
	}{
		{"GET", "/api/v1/agreements", 200, jsonType, `"agreements":[`},
		{"GET", "/api/v1/agreements?list=pending&state=ok", 200, jsonType, "Tulsa"},
		{"GET", "/api/v1/agreements?list=all", 400, jsonType, "list takes participating or pending"},
		{"GET", "/api/v1/agreements?model=ghost", 400, jsonType, `unknown model \"ghost\"`},
		{"POST", "/api/v1/agreements", 405, jsonType, "method not allowed"},
		{"GET", "/api/v1/agreements/" + harrisID, 200, jsonType, `"agreement":`},
		{"GET", "/api/v1/agreements/no-such-id", 404, jsonType, `"error":"not found"`},
		{"GET", "/api/v1/search?q=harris", 200, jsonType, "Harris County"},
		{"GET", "/api/v1/search", 400, jsonType, "q is required"},
		{"GET", "/api/v1/changes?kind=added", 200, jsonType, `"changes":[`},
		{"GET", "/api/v1/changes?kind=signed", 400, jsonType, `unknown kind \"signed\"`},
		{"PUT", "/api/v1/changes", 405, jsonType, "method not allowed"},
		{"GET", "/api/v1/snapshots", 200, jsonType, `"snapshots":[`},
		{"GET", "/api/v1/snapshots/" + snap, 200, jsonType, fx.part2.SHA256},
		{"GET", "/api/v1/snapshots/abc", 404, jsonType, `"error"`},
		{"GET", "/api/v1/snapshots/999", 404, jsonType, `"error"`},
		{"DELETE", "/api/v1/snapshots/" + snap, 405, jsonType, "method not allowed"},
		{"GET", "/api/v1/snapshots/" + snap + "/file", 200, xlsx, "PK"},
		{"GET", "/api/v1/snapshots/999/file", 404, jsonType, `"error"`},
		{"GET", "/api/v1/snapshots/" + snap + "/changes", 200, jsonType, `"next_cursor":null`},
		{"GET", "/api/v1/snapshots/999/changes", 404, jsonType, `"error"`},
		{"GET", "/api/v1/documents", 200, jsonType, docSHA},
		{"GET", "/api/v1/documents/" + docSHA, 200, jsonType, `"sha256":"` + docSHA},
		{"GET", "/api/v1/documents/" + strings.Repeat("0", 64), 404, jsonType, `"error":"not found"`},
		{"GET", "/api/v1/documents/search?q=reimburse", 200, jsonType, `"page":2`},
		{"GET", "/api/v1/documents/search?q=%22unclosed", 400, jsonType, "quote is not closed"},
		{"GET", "/api/v1/openapi.json", 200, jsonType, `"openapi"`},
		{"OPTIONS", "/api/v1/changes", 204, "", ""},
		{"GET", "/api/v1/nothing", 404, jsonType, "no such endpoint"},
		{"GET", "/feed.atom?state=TX", 200, atomType, "<feed"},
		{"GET", "/feed.atom?state=Narnia", 400, jsonType, `unknown state \"Narnia\"`},
		{"POST", "/feed.atom", 405, textType, "method not allowed"},
		{"OPTIONS", "/feed.atom", 204, "", ""},
		{"GET", "/healthz", 200, jsonType, `"status":"ok"`},
		{"POST", "/healthz", 405, textType, "method not allowed"},
		{"GET", "/metrics", 200, textType, "watch287g_agreements"},
		{"POST", "/metrics", 405, textType, "method not allowed"},
		{"GET", "/", 200, htmlType, "Active participating agreements"},
		{"POST", "/", 405, textType, "method not allowed"},
		{"GET", "/changes?state=FL", 200, htmlType, "Alachua County"},
		{"GET", "/changes?since=yesterday", 400, htmlType, "since takes a date"},
		{"GET", "/agreements/" + harrisID, 200, htmlType, "Every published version"},
		{"GET", "/agreements/no-such-id", 404, htmlType, "Not found"},
		{"GET", "/states/tx", 200, htmlType, "Travis County"},
		{"GET", "/states/ZZ", 404, htmlType, "Not found"},
		{"GET", "/snapshots", 200, htmlType, "participatingAgencies02012025pm.xlsx"},
		{"GET", "/snapshots/" + snap, 200, htmlType, "Where this file came from"},
		{"GET", "/snapshots/999", 404, htmlType, "Not found"},
		{"GET", "/feed", 200, htmlType, "IMPORTDATA"},
		{"GET", "/states.csv", 200, "text/csv", "TX,Texas"},
		{"GET", "/snapshots.csv", 200, "text/csv", fx.part2.SHA256},
		{"GET", "/agreements.csv?state=tx", 200, "text/csv", "Travis County"},
		{"GET", "/agreements.csv?list=signed", 400, htmlType, "list takes"},
		{"GET", "/favicon.ico", 204, "", ""},
		{"GET", "/snapshots/" + snap + "/changes.csv", 200, "text/csv", "agreement_id"},
		{"GET", "/agencies/tx-harris-county-sheriffs-office", 200, htmlType, "Agreements and pending records"},
		{"GET", "/agencies/tx-nobody", 404, htmlType, "Not found"},
		{"GET", "/agencies/tx-harris-county-sheriffs-office/agreements.csv", 200, "text/csv", "Harris County"},
		{"GET", "/changes.csv?state=TX", 200, "text/csv", "Harris County"},
		{"GET", "/changes.csv?state=Narnia", 400, htmlType, "unknown state"},
		{"GET", "/states/TX/agreements.csv", 200, "text/csv", "Travis County"},
		{"GET", "/states/ZZ/agreements.csv", 404, htmlType, "Not found"},
		{"GET", "/search?q=tulsa", 200, htmlType, "Tulsa Police Department"},
		{"GET", "/search?q=" + strings.Repeat("x", MaxSearchQuery+1), 400, htmlType, "q takes at most"},
		{"GET", "/documents", 200, htmlType, docSHA[:12]},
		{"GET", "/documents/search?q=reimburse", 200, htmlType, "<mark>reimburse</mark>"},
		{"GET", "/documents/search?q=a+b+c+d+e+f+g+h+i", 400, htmlType, "more than 8 words"},
		{"GET", "/documents/" + docSHA, 200, htmlType, "Addresses and versions"},
		{"GET", "/documents/nope", 404, htmlType, "Not found"},
		{"GET", "/documents/" + docSHA + "/file", 200, "application/pdf", "%PDF-"},
		{"GET", "/documents/" + strings.Repeat("0", 64) + "/file", 404, htmlType, "Not found"},
		{"GET", "/static/style.css", 200, "text/css", "@media"},
		{"GET", "/static/nothing.css", 404, textType, "not found"},
		{"GET", "/wp-admin", 404, htmlType, "Not found"},
	}
	covered := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path[:min(len(tc.path), 60)], func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, pattern := srv.mux.Handler(req)
			covered[pattern] = true
			resp, body := get(t, ts, tc.method, tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("got status %d, want %d (%.300s)", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("got Content-Type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(string(body), tc.want) {
				t.Errorf("got body %.300s, want it to contain %q", body, tc.want)
			}
			if tc.ctype == jsonType && tc.status >= 400 {
				var e ErrorResponse
				if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
					t.Errorf("got body %q (%v), want a JSON error", body, err)
				}
			}
			if tc.ctype == htmlType && !strings.Contains(string(body), `<html lang="en">`) {
				t.Errorf("got %.200s, want a whole page", body)
			}
		})
	}

	// Every pattern registered in routes() has a case above.
	src, err := os.ReadFile("web.go")
	if err != nil {
		t.Fatal(err)
	}
	routes := regexp.MustCompile(`m\.Handle(?:Func)?\("([^"]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(routes) < 20 {
		t.Fatalf("found %d routes in web.go, want the whole list", len(routes))
	}
	for _, m := range routes {
		if !covered[m[1]] {
			t.Errorf("route %q has no case in TestEveryRoute", m[1])
		}
	}
}
