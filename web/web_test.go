package web

import (
	"encoding/xml"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPublicURL: absolute links come from the configured public URL only:
// never from the request's Host, never from a built-in address.
func TestPublicURL(t *testing.T) {
	fx := newFixture(t)
	tests := map[string]struct {
		public   string
		linkBase string // every entry link starts with it
		idPrefix string
	}{
		"configured":          {"https://watch.example.org", "https://watch.example.org/agreements/", "tag:watch.example.org,2025:"},
		"with a path":         {"https://example.org/287g/", "https://example.org/287g/agreements/", "tag:example.org,2025:"},
		"derived from listen": {"http://192.0.2.7:9000", "http://192.0.2.7:9000/agreements/", "tag:192.0.2.7,2025:"},
		"unset":               {"", "/agreements/", "tag:watch287g.invalid,2025:"},
		"not http":            {"javascript:alert(1)", "/agreements/", "tag:watch287g.invalid,2025:"},
		"no host":             {"https://", "/agreements/", "tag:watch287g.invalid,2025:"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := New(Options{Store: fx.st, PublicURL: tc.public, Now: func() time.Time { return fx.at },
				Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/feed.atom", nil)
			req.Host = "attacker.example"
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			body := rec.Body.String()
			for _, bad := range []string{"attacker.example", "127.0.0.1", "8287"} {
				if strings.Contains(body, bad) {
					t.Errorf("feed contains %q, want links from the public URL only", bad)
				}
			}
			var f atomFeed
			if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
				t.Fatalf("parse feed: %v", err)
			}
			if len(f.Entries) == 0 {
				t.Fatal("got no entries")
			}
			for _, e := range f.Entries {
				if !strings.HasPrefix(e.Links[0].Href, tc.linkBase) {
					t.Errorf("got entry link %s, want it under %s", e.Links[0].Href, tc.linkBase)
				}
				if !strings.HasPrefix(e.ID, tc.idPrefix) {
					t.Errorf("got entry id %s, want prefix %s", e.ID, tc.idPrefix)
				}
			}
		})
	}
}

// TestNoBuiltInAddress: the package has no address of its own to fall back
// on; the public URL comes from configuration (which derives it from
// listen) or links stay relative.
func TestNoBuiltInAddress(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "127.0.0.1:8287") {
			t.Errorf("%s hardcodes 127.0.0.1:8287, want the configured public URL only", name)
		}
	}
}
