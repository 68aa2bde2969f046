package web

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/docsearch"
	"github.com/watch287g/watch287g/internal/pdfgen"
	"github.com/watch287g/watch287g/moa"
	"github.com/watch287g/watch287g/store"
)

// harrisMOAText is the archived MOA's text: page 2 holds a word to find
// and markup a page must show as text.
var harrisMOAText = []string{
	"Memorandum of Agreement between ICE and the Harris County Sheriff's Office.",
	"ICE will not reimburse the LEA. <script>alert(1)</script> Reimbursement of detention is by separate agreement.",
}

// archiveFixtureDocs archives Harris's MOA (the fixture's one linked
// address) through the store's own archive path and returns its sha256.
func archiveFixtureDocs(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	links, err := st.DocumentLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 2, 2, 12, 0, 0, 0, time.UTC)
	if _, err := st.NoteDocumentLinks(ctx, links, at); err != nil {
		t.Fatal(err)
	}
	body := pdfgen.PDF(harrisMOAText...)
	doc, err := moa.Read(ctx, body, moa.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordDocumentFetch(ctx, store.DocumentResult{URL: harris.MOAURL, At: at, Status: 200, Body: body, Doc: doc}, nil); err != nil {
		t.Fatal(err)
	}
	return doc.SHA256
}

func TestDocumentRoutes(t *testing.T) {
	fx := newFixture(t)
	sha := archiveFixtureDocs(t, fx.st)
	_, ts := newTestServer(t, fx.st, fx.at)
	harrisID := fx.agreementID(t, harris.Agency)

	t.Run("file", func(t *testing.T) {
		resp, body := get(t, ts, "GET", "/documents/"+sha+"/file", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "%PDF-") {
			t.Fatalf("got %d %.20q, want 200 and the PDF", resp.StatusCode, body)
		}
		for k, want := range map[string]string{
			"Content-Type":            "application/pdf",
			"Content-Disposition":     `attachment; filename=harrisCountyTX.pdf`,
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "sandbox",
			"ETag":                    `"` + sha + `"`,
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("got %s %q, want %q", k, got, want)
			}
		}
		resp, _ = get(t, ts, "GET", "/documents/"+sha+"/file", map[string]string{"If-None-Match": `"` + sha + `"`})
		if resp.StatusCode != 304 {
			t.Errorf("got %d for a matching If-None-Match, want 304", resp.StatusCode)
		}
		for _, p := range []string{"/documents/" + strings.Repeat("0", 64) + "/file", "/documents/..%2f..%2fetc/file", "/documents/XYZ/file"} {
			if resp, _ := get(t, ts, "GET", p, nil); resp.StatusCode != 404 {
				t.Errorf("%s: got %d, want 404", p, resp.StatusCode)
			}
		}
	})
	t.Run("document page", func(t *testing.T) {
		resp, body := get(t, ts, "GET", "/documents/"+sha, nil)
		page := string(body)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		for _, want := range []string{sha, "Harris County Sheriff", harris.MOAURL, "/documents/" + sha + "/file", ">ok<", "this copy", "/agreements/" + url.PathEscape(harrisID)} {
			if !strings.Contains(page, want) {
				t.Errorf("got a page without %q", want)
			}
		}
	})
	t.Run("list", func(t *testing.T) {
		_, body := get(t, ts, "GET", "/documents", nil)
		if !strings.Contains(string(body), "/documents/"+sha) || !strings.Contains(string(body), "1 document archived") {
			t.Errorf("got %.2000s, want the document listed", body)
		}
		var d DocumentsResponse
		_, body = get(t, ts, "GET", "/api/v1/documents", nil)
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Documents) != 1 || d.Documents[0].SHA256 != sha || d.Documents[0].Status != store.DocumentOK ||
			len(d.Documents[0].Agreements) != 1 || d.Documents[0].Agreements[0].ID != harrisID || d.StatusCounts["ok"] != 1 {
			t.Errorf("got %+v, want Harris's MOA, ok", d)
		}
	})
	t.Run("search page", func(t *testing.T) {
		resp, body := get(t, ts, "GET", "/documents/search?q=REIMBURSE", nil)
		page := string(body)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d, want 200", resp.StatusCode)
		}
		for _, want := range []string{"1 page matches", "ICE will not <mark>reimburse</mark> the LEA. &lt;script&gt;", "page 2", "/documents/" + sha} {
			if !strings.Contains(page, want) {
				t.Errorf("got a page without %q", want)
			}
		}
		if strings.Contains(page, "<script>alert") {
			t.Errorf("got the document's markup unescaped")
		}
		resp, body = get(t, ts, "GET", "/documents/search?q="+url.QueryEscape(strings.Repeat(".*(a+)+$", 40)), nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "at most 256") || strings.Contains(string(body), ".*(a+)+$.*(a+)") {
			t.Errorf("got %d, want 400 saying the query is too long, not echoing it", resp.StatusCode)
		}
		_, body = get(t, ts, "GET", "/documents/search?q=unicorn", nil)
		if !strings.Contains(string(body), "0 pages match") {
			t.Errorf("got %.1000s, want no match", body)
		}
	})
	t.Run("search api", func(t *testing.T) {
		var res docsearch.Results
		_, body := get(t, ts, "GET", "/api/v1/documents/search?q=%22separate+agreement%22", nil)
		if err := json.Unmarshal(body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Total != 1 || res.Results[0].Page != 2 || res.Results[0].Snippet.Match != "separate agreement" || res.Results[0].Agencies[0] != harris.Agency {
			t.Errorf("got %+v, want page 2 of Harris's MOA", res)
		}
		for _, q := range []string{"", "?q=", "?q=a&limit=0", "?q=a&offset=-1", "?q=%22open"} {
			if resp, _ := get(t, ts, "GET", "/api/v1/documents/search"+q, nil); resp.StatusCode != 400 {
				t.Errorf("%q: got %d, want 400", q, resp.StatusCode)
			}
		}
	})
	t.Run("agency search links the document search", func(t *testing.T) {
		_, body := get(t, ts, "GET", "/search?q="+url.QueryEscape(`reimburse "a&b"`), nil)
		if want := `/documents/search?q=reimburse%20%22a%26b%22`; !strings.Contains(string(body), want) {
			t.Errorf("got %.3000s, want a link to %s", body, want)
		}
	})
	t.Run("agreement and agency pages", func(t *testing.T) {
		for _, p := range []string{"/agreements/" + url.PathEscape(harrisID), "/agencies/tx-harris-county-sheriffs-office"} {
			_, body := get(t, ts, "GET", p, nil)
			page := string(body)
			for _, want := range []string{"Archived documents", "/documents/" + sha + "/file", sha, harris.MOAURL, "1 version"} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: got a page without %q", p, want)
				}
			}
		}
	})
}
