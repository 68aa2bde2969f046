package waybacktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/scraper"
	"github.com/watch287g/watch287g/wayback/waybacktest"
)

func get(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestCorpus checks the stand-in built from the real corpus: every file is
// served by raw playback at its capture with its original name, the name
// reads as the date the corpus gives it, download ids appear only on page
// captures, and the folder listing pages with resume keys.
func TestCorpus(t *testing.T) {
	s := waybacktest.NewServer(t)
	docs := s.Publish(waybacktest.CorpusDocs(t, nil))
	if len(docs) < 300 {
		t.Fatalf("got %d corpus docs, want the whole corpus (300+)", len(docs))
	}
	forms := map[waybacktest.Form]int{}
	for _, d := range docs {
		forms[d.Form]++
		resp, body := get(t, s.URL()+"/web/"+waybacktest.Timestamp(d.At)+"id_/"+d.URL())
		if resp.StatusCode != http.StatusOK || string(body) != string(d.Body) {
			t.Fatalf("%s: got status %d and %d bytes, want 200 and %d", d.Path, resp.StatusCode, len(body), len(d.Body))
		}
		name := scraper.FileName(resp.Header.Get("X-Archive-Orig-Content-Disposition"), mustURL(t, d.URL()))
		if name != d.Name && d.Form != waybacktest.Undated {
			t.Errorf("%s: got name %q, want %q", d.Path, name, d.Name)
		}
		corpusDate := d.Path[strings.LastIndex(d.Path, "/")+1:][:10]
		if d.Form != waybacktest.Undated {
			if p, _, ok := scraper.ParseName(name, d.At); !ok || p != corpusDate {
				t.Errorf("%s: name %q reads as %q at %s, want %s", d.Path, name, p, d.At, corpusDate)
			}
		} else if got := d.At.Format(time.DateOnly); got != corpusDate {
			t.Errorf("%s: captured %s, want %s", d.Path, got, corpusDate)
		}
	}
	for _, f := range []waybacktest.Form{waybacktest.DocLib, waybacktest.FileDownload, waybacktest.Undated} {
		if forms[f] == 0 {
			t.Errorf("got no docs of form %d, want some of each", f)
		}
	}

	// The folder listing, 100 rows a page.
	s.SetPageLimit(100)
	var rows int
	resume := ""
	for pages := 0; ; pages++ {
		q := url.Values{"url": {"www.ice.gov/doclib/about/offices/ero/287g/"}, "matchType": {"prefix"}, "output": {"json"},
			"fl": {"timestamp,original,digest"}, "filter": {"statuscode:200"}, "collapse": {"digest"}, "showResumeKey": {"true"}}
		if resume != "" {
			q.Set("resumeKey", resume)
		}
		_, body := get(t, s.URL()+"/cdx/search/cdx?"+q.Encode())
		var page [][]string
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		resume = ""
		for i, r := range page[1:] {
			if len(r) == 0 {
				resume = page[i+2][0]
				break
			}
			rows++
			if strings.Contains(r[1], "file-download") {
				t.Errorf("folder listing holds %s", r[1])
			}
		}
		if resume == "" {
			break
		}
		if pages > 10 {
			t.Fatal("resume keys never end")
		}
	}
	if want := forms[waybacktest.DocLib] + forms[waybacktest.Undated]; rows != want {
		t.Errorf("got %d folder rows, want %d", rows, want)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
