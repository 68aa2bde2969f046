package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// pagingFixture is the fixture with five more pending lists, eight
// snapshots in all, so pages of 1 to 3 have a middle.
func pagingFixture(t *testing.T) (*fixture, *Server) {
	t.Helper()
	fx := newFixture(t)
	recs := []sheet.Record{tulsa}
	at := fx.at
	for i := range 5 {
		r := tulsa
		r.Row = 3 + i
		r.Agency = fmt.Sprintf("Town %d Police Department", i)
		r.AgencyRaw = r.Agency
		recs = append(recs, r)
		at = at.Add(24 * time.Hour)
		fx.commitFile(t, sheet.Pending, fmt.Sprintf("pendingAgencies0%d022025am.xlsx", i+2),
			fmt.Sprintf("2025-02-0%d", i+2), at, recs)
	}
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.at }})
	return fx, srv
}

var (
	snapshotRowRe = regexp.MustCompile(`<tr id="s(\d+)">`)
	relRe         = regexp.MustCompile(`<a href="([^"]+)" rel="(next|prev)">`)
)

func getPage(t *testing.T, srv *Server, path string, hdr http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// TestSnapshotsPaging: following rel=next from the first page reaches
// every snapshot exactly once, newest first, and rel=prev from the last
// page walks back through the same pages.
func TestSnapshotsPaging(t *testing.T) {
	fx, srv := pagingFixture(t)
	all, err := fx.st.Snapshots(t.Context())
	if err != nil {
		t.Fatalf("snapshots: %v", err)
	}
	if len(all) != 8 {
		t.Fatalf("fixture: got %d snapshots, want 8", len(all))
	}
	var want []string
	for i := len(all) - 1; i >= 0; i-- {
		want = append(want, fmt.Sprint(all[i].ID))
	}
	for _, limit := range []int{1, 2, 3, 7, 8, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			links := func(body string) map[string]string {
				m := map[string]string{}
				for _, l := range relRe.FindAllStringSubmatch(body, -1) {
					m[l[2]] = strings.ReplaceAll(l[1], "&amp;", "&")
				}
				return m
			}
			path := fmt.Sprintf("/snapshots?limit=%d", limit)
			if limit == defaultSnapshotsPage {
				path = "/snapshots"
			}
			var got, pages []string
			for n := 0; path != ""; n++ {
				if n > len(all) {
					t.Fatalf("more than %d pages: a loop", len(all))
				}
				rec := getPage(t, srv, path, nil)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: got %d, want 200", path, rec.Code)
				}
				pages = append(pages, path)
				rows := snapshotRowRe.FindAllStringSubmatch(rec.Body.String(), -1)
				if len(rows) == 0 || len(rows) > limit {
					t.Fatalf("GET %s: got %d rows, want 1 to %d", path, len(rows), limit)
				}
				for _, m := range rows {
					got = append(got, m[1])
				}
				l := links(rec.Body.String())
				if n == 0 && l["prev"] != "" {
					t.Errorf("GET %s: the first page links a newer page %q", path, l["prev"])
				}
				path = l["next"]
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("pages %v: got snapshots %v, want %v", pages, got, want)
			}
			// Back from the last page.
			for i := len(pages) - 1; i > 0; i-- {
				prev := links(getPage(t, srv, pages[i], nil).Body.String())["prev"]
				if prev != pages[i-1] {
					t.Errorf("GET %s: got rel=prev %q, want %q", pages[i], prev, pages[i-1])
				}
			}
		})
	}
	for _, bad := range []string{"/snapshots?limit=0", "/snapshots?limit=1001", "/snapshots?before=x", "/snapshots?before=0"} {
		if rec := getPage(t, srv, bad, nil); rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", bad, rec.Code)
		}
	}
}

// TestSnapshotsCSVComplete: the streamed archive table holds every
// snapshot once, oldest first, however many chunks it takes, and its ETag
// holds until the data changes.
func TestSnapshotsCSVComplete(t *testing.T) {
	fx, srv := pagingFixture(t)
	all, err := fx.st.Snapshots(t.Context())
	if err != nil {
		t.Fatalf("snapshots: %v", err)
	}
	chunk := snapshotsCSVChunk
	snapshotsCSVChunk = 3 // several chunks, the last one short
	t.Cleanup(func() { snapshotsCSVChunk = chunk })
	read := func() (ids []string, etag string) {
		rec := getPage(t, srv, "/snapshots.csv", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /snapshots.csv: got %d, want 200", rec.Code)
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatalf("read csv: %v", err)
		}
		if len(rows) == 0 || rows[0][0] != "id" || len(rows[0]) != len(snapshotsCSVHeader) {
			t.Fatalf("csv header: got %v, want %v", rows[:min(1, len(rows))], snapshotsCSVHeader)
		}
		for _, r := range rows[1:] {
			ids = append(ids, r[0])
		}
		return ids, rec.Header().Get("ETag")
	}
	var want []string
	for _, sn := range all {
		want = append(want, fmt.Sprint(sn.ID))
	}
	ids, etag := read()
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("csv ids: got %v, want %v", ids, want)
	}
	if etag == "" {
		t.Fatal("csv: no ETag")
	}
	if rec := getPage(t, srv, "/snapshots.csv", http.Header{"If-None-Match": {etag}}); rec.Code != http.StatusNotModified {
		t.Errorf("GET /snapshots.csv with its ETag: got %d, want 304", rec.Code)
	}
	if _, again := read(); again != etag {
		t.Errorf("csv ETag without a change: got %s, want %s", again, etag)
	}
	r := tulsa
	r.Row, r.Agency, r.AgencyRaw = 9, "Late Police Department", "Late Police Department"
	fx.commitFile(t, sheet.Pending, "pendingAgencies02102025am.xlsx", "2025-02-10", fx.at.Add(time.Hour),
		append([]sheet.Record{tulsa}, r))
	ids2, etag2 := read()
	if etag2 == etag {
		t.Errorf("csv ETag after a new list: unchanged %s", etag)
	}
	if len(ids2) != len(ids)+1 {
		t.Errorf("csv after a new list: got %d rows, want %d", len(ids2), len(ids)+1)
	}
	if rec := getPage(t, srv, "/snapshots.csv", http.Header{"If-None-Match": {etag}}); rec.Code != http.StatusOK {
		t.Errorf("GET /snapshots.csv with the old ETag: got %d, want 200", rec.Code)
	}
}
