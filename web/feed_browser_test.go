package web

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFeedInABrowser: a browser gets the feed as XML with a stylesheet
// that renders it as a page; a feed reader gets the Atom type; both the
// same bytes.
func TestFeedInABrowser(t *testing.T) {
	fx := newReporterFixture(t)
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL})
	get := func(path, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: got status %d, want 200", path, rec.Code)
		}
		return rec
	}
	browser := get("/feed.atom", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	reader := get("/feed.atom", "application/atom+xml, application/rss+xml;q=0.9")
	if ct := browser.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Errorf("browser: got Content-Type %q, want application/xml", ct)
	}
	if ct := reader.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("reader: got Content-Type %q, want application/atom+xml", ct)
	}
	if !strings.Contains(browser.Header().Get("Vary"), "Accept") {
		t.Errorf("got Vary %q, want Accept in it", browser.Header().Get("Vary"))
	}
	if browser.Body.String() != reader.Body.String() {
		t.Error("browser and reader got different bodies, want the same feed")
	}
	if !strings.Contains(reader.Body.String(), `<?xml-stylesheet type="text/xsl" href="/static/feed.xsl"?>`) {
		t.Error("feed: no stylesheet instruction")
	}
	xsl := get("/static/feed.xsl", "")
	if ct := xsl.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/xsl") {
		t.Errorf("feed.xsl: got Content-Type %q, want text/xsl", ct)
	}
	var doc struct {
		XMLName xml.Name
	}
	if err := xml.Unmarshal(xsl.Body.Bytes(), &doc); err != nil || doc.XMLName.Local != "stylesheet" {
		t.Errorf("feed.xsl: got %v (err %v), want an XSLT stylesheet", doc.XMLName, err)
	}
	page := get("/feed", "")
	if !strings.Contains(page.Body.String(), testPublicURL+"/feed.atom") {
		t.Error("/feed: the feed's address is not on the page")
	}
}
