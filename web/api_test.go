package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

const testPublicURL = "https://watch.example.org"

// newTestServer serves st over loopback with a clock fixed at now.
func newTestServer(t *testing.T, st Store, now time.Time) (*Server, *httptest.Server) {
	t.Helper()
	srv := New(Options{Store: st, PublicURL: testPublicURL, StaleAfter: 26 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), Now: func() time.Time { return now },
		Health: NewHealth(now)})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

// get fetches path and returns the response with its body read.
func get(t *testing.T, ts *httptest.Server, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, ts.URL+path, nil)
	if err != nil {
		t.Fatalf("new request %s: %v", path, err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp, body
}

func getJSON(t *testing.T, ts *httptest.Server, path string, wantStatus int, v any) {
	t.Helper()
	resp, body := get(t, ts, http.MethodGet, path, nil)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: got status %d, want %d (body %s)", path, resp.StatusCode, wantStatus, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: got Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode %s: %v", path, body, err)
	}
}

func agencies[T any](items []T, agency func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, agency(it))
	}
	slices.Sort(out)
	return out
}

func TestAgreementsAPI(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	ag := func(a diff.Agreement) string { return a.Agency }
	tests := map[string]struct {
		path     string
		snapshot uint64
		want     []string
	}{
		"latest":           {"/api/v1/agreements", fx.part2.ID, []string{cobb.Agency, harris.Agency, travis.Agency, tulsa.Agency}},
		"state":            {"/api/v1/agreements?state=tx", fx.part2.ID, []string{harris.Agency, travis.Agency}},
		"states repeated":  {"/api/v1/agreements?state=TX&state=GA", fx.part2.ID, []string{cobb.Agency, harris.Agency, travis.Agency}},
		"model":            {"/api/v1/agreements?model=task_force", fx.part2.ID, []string{harris.Agency, tulsa.Agency}},
		"pending":          {"/api/v1/agreements?list=pending", fx.pend1.ID, []string{tulsa.Agency}},
		"at date":          {"/api/v1/agreements?at=2025-01-20", fx.part1.ID, []string{alachua.Agency, harris.Agency, travis.Agency}},
		"at snapshot":      {"/api/v1/agreements?at=" + strconv.FormatUint(fx.part1.ID, 10), fx.part1.ID, []string{alachua.Agency, harris.Agency, travis.Agency}},
		"at date filtered": {"/api/v1/agreements?at=2025-01-20&state=FL", fx.part1.ID, []string{alachua.Agency}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var body AgreementsResponse
			getJSON(t, ts, tc.path, http.StatusOK, &body)
			if body.Snapshot == nil || body.Snapshot.ID != tc.snapshot {
				t.Fatalf("got snapshot %+v, want id %d", body.Snapshot, tc.snapshot)
			}
			if got := agencies(body.Agreements, ag); !slices.Equal(got, tc.want) {
				t.Errorf("got agencies %q, want %q", got, tc.want)
			}
			for _, a := range body.Agreements {
				if a.ID == "" {
					t.Errorf("agreement %q has no id", a.Agency)
				}
			}
		})
	}
}

func TestAgreementAPI(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	id := fx.agreementID(t, harris.Agency)
	var body AgreementResponse
	getJSON(t, ts, "/api/v1/agreements/"+id, http.StatusOK, &body)
	if body.Agreement.ID != id || body.Agreement.Signed != "2025-01-06" {
		t.Errorf("got agreement %s signed %s, want %s signed 2025-01-06", body.Agreement.ID, body.Agreement.Signed, id)
	}
	if len(body.Changes) != 1 || body.Changes[0].Kind != diff.Changed || !slices.Contains(body.Changes[0].Fields, "signed") {
		t.Errorf("got history %+v, want one change of signed", body.Changes)
	}
	var search SearchResponse
	getJSON(t, ts, "/api/v1/search?q=harris", http.StatusOK, &search)
	if len(search.Agreements) != 1 || search.Agreements[0].ID != id {
		t.Errorf("search harris: got %+v, want agreement %s", search.Agreements, id)
	}
}

func TestChangesAPI(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	tests := map[string]struct {
		query string
		want  []string // kind:agency, sorted
	}{
		"all":                {"", []string{"added:" + cobb.Agency, "added:" + tulsa.Agency, "changed:" + harris.Agency, "removed:" + alachua.Agency}},
		"kind":               {"?kind=added", []string{"added:" + cobb.Agency, "added:" + tulsa.Agency}},
		"kinds comma":        {"?kind=added,removed", []string{"added:" + cobb.Agency, "added:" + tulsa.Agency, "removed:" + alachua.Agency}},
		"kinds repeated":     {"?kind=added&kind=removed", []string{"added:" + cobb.Agency, "added:" + tulsa.Agency, "removed:" + alachua.Agency}},
		"state":              {"?state=FL", []string{"removed:" + alachua.Agency}},
		"model":              {"?model=task_force&kind=changed", []string{"changed:" + harris.Agency}},
		"list":               {"?list=pending", nil},
		"since after all":    {"?since=2025-03-01", nil},
		"until before all":   {"?until=2025-01-01", nil},
		"one day, inclusive": {"?since=2025-02-01&until=2025-02-01", []string{"added:" + cobb.Agency, "added:" + tulsa.Agency, "changed:" + harris.Agency, "removed:" + alachua.Agency}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var body ChangesResponse
			getJSON(t, ts, "/api/v1/changes"+tc.query, http.StatusOK, &body)
			var got []string
			for _, c := range body.Changes {
				got = append(got, string(c.Kind)+":"+c.Record().Agency)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if body.NextCursor != nil {
				t.Errorf("got next_cursor %d, want null", *body.NextCursor)
			}
		})
	}
}

func TestChangesCursor(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	var all ChangesResponse
	getJSON(t, ts, "/api/v1/changes", http.StatusOK, &all)
	if len(all.Changes) != 4 {
		t.Fatalf("got %d changes, want 4", len(all.Changes))
	}
	var ids []uint64
	path := "/api/v1/changes?limit=3"
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatalf("cursor did not end after %d pages", pages)
		}
		var page ChangesResponse
		getJSON(t, ts, path, http.StatusOK, &page)
		if len(page.Changes) > 3 {
			t.Fatalf("got %d changes on a page, want at most 3", len(page.Changes))
		}
		for _, c := range page.Changes {
			ids = append(ids, c.ID)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/api/v1/changes?limit=3&cursor=" + strconv.FormatUint(*page.NextCursor, 10)
	}
	var want []uint64
	for _, c := range all.Changes {
		want = append(want, c.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("paged ids %v, want %v (newest first, no gaps or repeats)", ids, want)
	}
	if !slices.IsSortedFunc(want, func(a, b uint64) int { return int(b) - int(a) }) {
		t.Errorf("got ids %v, want newest first", want)
	}
}

func TestSnapshotsAPI(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	var list SnapshotsResponse
	getJSON(t, ts, "/api/v1/snapshots", http.StatusOK, &list)
	if len(list.Snapshots) != 3 {
		t.Fatalf("got %d snapshots, want 3", len(list.Snapshots))
	}
	var one store.Snapshot
	getJSON(t, ts, "/api/v1/snapshots/"+strconv.FormatUint(fx.pend1.ID, 10), http.StatusOK, &one)
	if one.List != sheet.Pending || one.FileName != "pendingAgencies01102025am.xlsx" {
		t.Errorf("got snapshot %s %s, want pending pendingAgencies01102025am.xlsx", one.List, one.FileName)
	}
	for _, snap := range list.Snapshots {
		t.Run("file "+snap.FileName, func(t *testing.T) {
			resp, body := get(t, ts, http.MethodGet, "/api/v1/snapshots/"+strconv.FormatUint(snap.ID, 10)+"/file", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("got status %d, want 200", resp.StatusCode)
			}
			sum := sha256.Sum256(body)
			if got := hex.EncodeToString(sum[:]); got != snap.SHA256 {
				t.Errorf("got sha256 %s, want %s", got, snap.SHA256)
			}
			if string(body) != string(fx.bodies[snap.ID]) {
				t.Errorf("got %d bytes, want the %d committed", len(body), len(fx.bodies[snap.ID]))
			}
			if ct := resp.Header.Get("Content-Type"); ct != xlsxType {
				t.Errorf("got Content-Type %q, want %q", ct, xlsxType)
			}
			_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
			if err != nil || params["filename"] != snap.FileName {
				t.Errorf("got Content-Disposition %q (%v), want filename %q", resp.Header.Get("Content-Disposition"), err, snap.FileName)
			}
			resp, _ = get(t, ts, http.MethodGet, "/api/v1/snapshots/"+strconv.FormatUint(snap.ID, 10)+"/file",
				map[string]string{"If-None-Match": `"` + snap.SHA256 + `"`})
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("with If-None-Match: got status %d, want 304", resp.StatusCode)
			}
		})
	}
}

func TestAPIErrors(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	tests := map[string]struct {
		method, path string
		status       int
	}{
		"bad kind":             {http.MethodGet, "/api/v1/changes?kind=signed", http.StatusBadRequest},
		"bad list":             {http.MethodGet, "/api/v1/changes?list=both", http.StatusBadRequest},
		"bad state":            {http.MethodGet, "/api/v1/changes?state=Narnia", http.StatusBadRequest},
		"bad model":            {http.MethodGet, "/api/v1/changes?model=task-farce", http.StatusBadRequest},
		"bad since":            {http.MethodGet, "/api/v1/changes?since=2025-13-01", http.StatusBadRequest},
		"bad until":            {http.MethodGet, "/api/v1/changes?until=yesterday", http.StatusBadRequest},
		"zero limit":           {http.MethodGet, "/api/v1/changes?limit=0", http.StatusBadRequest},
		"bad cursor":           {http.MethodGet, "/api/v1/changes?cursor=abc", http.StatusBadRequest},
		"bad at":               {http.MethodGet, "/api/v1/agreements?at=last+week", http.StatusBadRequest},
		"bad agreements list":  {http.MethodGet, "/api/v1/agreements?list=all", http.StatusBadRequest},
		"at before all":        {http.MethodGet, "/api/v1/agreements?at=2001-01-01", http.StatusNotFound},
		"unknown agreement":    {http.MethodGet, "/api/v1/agreements/no-such-id", http.StatusNotFound},
		"unknown snapshot":     {http.MethodGet, "/api/v1/snapshots/999", http.StatusNotFound},
		"non-numeric snapshot": {http.MethodGet, "/api/v1/snapshots/abc", http.StatusNotFound},
		"unknown file":         {http.MethodGet, "/api/v1/snapshots/999/file", http.StatusNotFound},
		"search without q":     {http.MethodGet, "/api/v1/search", http.StatusBadRequest},
		"unknown endpoint":     {http.MethodGet, "/api/v1/nothing", http.StatusNotFound},
		"post":                 {http.MethodPost, "/api/v1/changes", http.StatusMethodNotAllowed},
		"delete":               {http.MethodDelete, "/api/v1/snapshots/1", http.StatusMethodNotAllowed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, body := get(t, ts, tc.method, tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("got status %d, want %d (body %s)", resp.StatusCode, tc.status, body)
			}
			var e ErrorResponse
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Errorf("got body %q (%v), want a JSON error", body, err)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("got Access-Control-Allow-Origin %q, want *", got)
			}
		})
	}
}

func TestAPIStoreFailureIsHidden(t *testing.T) {
	boom := func(context.Context, store.ChangeQuery) ([]diff.Change, uint64, error) {
		return nil, 0, errSecret
	}
	_, ts := newTestServer(t, &fakeStore{changes: boom}, time.Now())
	resp, body := get(t, ts, http.MethodGet, "/api/v1/changes", nil)
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got status %d, want 500", resp.StatusCode)
	}
	if strings.Contains(string(body), errSecret.Error()) {
		t.Errorf("got body %q, want the store's error kept out of it", body)
	}
}

var errSecret = &secretError{}

type secretError struct{}

func (*secretError) Error() string { return "bolt: /var/lib/secret/path corrupted" }

func TestETagAndInvalidation(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	resp, first := get(t, ts, http.MethodGet, "/api/v1/changes", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("got status %d ETag %q, want 200 with an ETag", resp.StatusCode, etag)
	}
	resp, body := get(t, ts, http.MethodGet, "/api/v1/changes", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Fatalf("If-None-Match: got status %d with %d bytes, want 304 and no body", resp.StatusCode, len(body))
	}
	resp, _ = get(t, ts, http.MethodGet, "/api/v1/changes?kind=added", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another URL with the same ETag: got %d, want 200", resp.StatusCode)
	}
	// A new file changes the data: the cached answer and its ETag must go.
	harris3 := harris
	harris3.Agency, harris3.AgencyRaw = "Harris County Sheriff's Department", "Harris County Sheriff's Department"
	fx.commitFile(t, sheet.Participating, "participatingAgencies02152025am.xlsx", "2025-02-15", fx.at.Add(14*24*time.Hour),
		[]sheet.Record{harris3, travis, cobb, tulsa})
	resp, second := get(t, ts, http.MethodGet, "/api/v1/changes", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after a commit: got status %d, want 200", resp.StatusCode)
	}
	if resp.Header.Get("ETag") == etag || string(second) == string(first) {
		t.Errorf("after a commit: got the same ETag or body, want new ones")
	}
	if !strings.Contains(string(second), "Harris County Sheriff's Department") {
		t.Errorf("after a commit: got %s, want the new change", second)
	}
}

func TestCORS(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	for _, path := range []string{"/api/v1/changes", "/api/v1/agreements", "/feed.atom", "/api/v1/openapi.json"} {
		resp, _ := get(t, ts, http.MethodGet, path, map[string]string{"Origin": "https://example.net"})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("GET %s: got Access-Control-Allow-Origin %q, want *", path, got)
		}
		resp, _ = get(t, ts, http.MethodOptions, path, map[string]string{"Origin": "https://example.net",
			"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "if-none-match"})
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("OPTIONS %s: got status %d, want 204", path, resp.StatusCode)
		}
		if got := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, "GET") {
			t.Errorf("OPTIONS %s: got Access-Control-Allow-Methods %q, want GET", path, got)
		}
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("OPTIONS %s: got Access-Control-Allow-Origin %q, want *", path, got)
		}
	}
	resp, _ := get(t, ts, http.MethodGet, "/", nil)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("GET /: got Access-Control-Allow-Origin %q, want none on pages", got)
	}
}

func TestOpenAPIListsEveryRoute(t *testing.T) {
	fx := newFixture(t)
	_, ts := newTestServer(t, fx.st, fx.at)
	var doc struct {
		OpenAPI string                     `json:"openapi"`
		Paths   map[string]json.RawMessage `json:"paths"`
	}
	getJSON(t, ts, "/api/v1/openapi.json", http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("got openapi %q, want 3.x", doc.OpenAPI)
	}
	for _, p := range []string{"/api/v1/agreements", "/api/v1/agreements/{id}", "/api/v1/search", "/api/v1/changes",
		"/api/v1/snapshots", "/api/v1/snapshots/{id}", "/api/v1/snapshots/{id}/file", "/api/v1/snapshots/{id}/changes", "/api/v1/openapi.json",
		"/api/v1/documents", "/api/v1/documents/{sha256}", "/api/v1/documents/search"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("openapi.json lacks path %s", p)
		}
	}
}
