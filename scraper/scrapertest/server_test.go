package scrapertest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/watch287g/watch287g/sheet"
)

func get(t *testing.T, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestServer(t *testing.T) {
	srv := NewServer(t)
	body := Sample(t, sheet.Participating, 2)
	partPath, _ := srv.SetLinks(FileDownload, Doc{Name: "participatingAgencies09022025am.xlsx", Body: body}, Doc{Name: "pendingAgencies09022025am.xlsx", Body: Sample(t, sheet.Pending, 1)})

	resp, page := get(t, srv.URL(), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `href="`+partPath+`"`) {
		t.Fatalf("page: got %d %q, want 200 linking %s", resp.StatusCode, page, partPath)
	}
	resp, b := get(t, srv.BaseURL()+partPath, map[string]string{"User-Agent": "ua-test"})
	if !bytes.Equal(b, body) || !strings.Contains(resp.Header.Get("Content-Disposition"), "participatingAgencies09022025am.xlsx") {
		t.Errorf("file: got %d bytes, disposition %q; want the body and its name", len(b), resp.Header.Get("Content-Disposition"))
	}
	lm := resp.Header.Get("Last-Modified")
	resp, b = get(t, srv.BaseURL()+partPath, map[string]string{"If-Modified-Since": lm})
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("conditional: got %d with %d bytes, want 304 and none", resp.StatusCode, len(b))
	}

	srv.Fault(partPath, Fault{Status: 429, RetryAfter: "5", Times: 2})
	srv.Fault(partPath, Fault{BlockPage: true})
	for _, want := range []int{429, 429, 200, 200} {
		resp, b = get(t, srv.BaseURL()+partPath, nil)
		if resp.StatusCode != want {
			t.Errorf("faults: got %d, want %d", resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "5" {
			t.Errorf("Retry-After: got %q, want 5", resp.Header.Get("Retry-After"))
		}
	}
	if !bytes.Equal(b, body) {
		t.Errorf("after faults: got %d bytes, want the file", len(b))
	}

	reqs := srv.RequestsTo(partPath)
	if len(reqs) != 6 || reqs[0].UserAgent != "ua-test" || reqs[1].IfModifiedSince != lm || reqs[1].Bytes != 0 || reqs[4].Status != 200 {
		t.Errorf("requests: got %+v, want 6 recorded with headers and answers", reqs)
	}
	if r, _ := get(t, srv.BaseURL()+"/robots.txt", nil); r.StatusCode != 404 {
		t.Errorf("robots.txt unset: got %d, want 404", r.StatusCode)
	}
	srv.Redirect(OldPagePath, PagePath)
	if r, _ := get(t, srv.BaseURL()+OldPagePath, nil); r.StatusCode != 200 || r.Request.URL.Path != PagePath {
		t.Errorf("redirect: got %d at %s, want 200 at %s", r.StatusCode, r.Request.URL.Path, PagePath)
	}
}

func TestServerTruncate(t *testing.T) {
	srv := NewServer(t)
	p, _ := srv.SetLinks(DocLib, Doc{Name: "participatingAgencies09022025am.xlsx", Body: Sample(t, sheet.Participating, 5)}, Doc{})
	srv.Fault(p, Fault{Truncate: true})
	resp, err := http.Get(srv.BaseURL() + p)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("truncated body: got a whole read, want an error")
	}
}

func TestWorkbook(t *testing.T) {
	b := Sample(t, sheet.Participating, 3)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatalf("rows: %v", err)
	}
	if len(rows) != 4 || rows[0][4] != "SIGNED" || rows[1][1] != "Sample County 1 Sheriff's Office" {
		t.Errorf("rows: got %q, want a header and 3 rows", rows)
	}
	if v, _ := f.GetCellValue("Sheet1", "E2", excelize.Options{RawCellValue: true}); v != "45672" {
		t.Errorf("SIGNED: got raw %q, want the serial 45672 (2025-01-15)", v)
	}
}
