package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/pdfgen"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
	"github.com/watch287g/watch287g/wayback/waybacktest"
)

// documentsEnv is a database whose participating list links three
// documents on a loopback server: two PDFs and one dead link (the second
// agreement's MOA answers 404 from the start, its addendum is a PDF).
type documentsEnv struct {
	db       string
	srv      *httptest.Server
	ids      []string // agreement ids, row order
	mu       sync.Mutex
	requests []string
	// hit, when set, receives each request's path.
	hit chan string
}

func newDocumentsEnv(t *testing.T) *documentsEnv {
	t.Helper()
	e := &documentsEnv{db: filepath.Join(t.TempDir(), "w.db")}
	pdfs := map[string][]byte{
		// a.pdf is another agency's MOA: flagged as contradicting Alpha's row.
		"/doclib/287gMOA/a.pdf": pdfgen.PDF("287(g) Jail Enforcement Model MEMORANDUM OF AGREEMENT. This Memorandum of Agreement constitutes an agreement between United States Immigration and Customs Enforcement (ICE), a component of the Department of Homeland Security (DHS), and the Gamma Parish Sheriff's Office, hereinafter referred to as the LEA. " +
			strings.Repeat("The LEA agrees to the terms set out in this memorandum. ", 12)),
		"/doclib/287gMOA/b-add.pdf": pdfgen.PDF("ADDENDUM b"),
	}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests = append(e.requests, r.URL.Path)
		hit := e.hit
		e.mu.Unlock()
		if hit != nil {
			defer func() { hit <- r.URL.Path }()
		}
		b, ok := pdfs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Last-Modified", "Mon, 02 Jun 2025 10:00:00 GMT")
		w.Write(b)
	}))
	t.Cleanup(e.srv.Close)
	recs := []sheet.Record{
		{Row: 2, State: "TX", StateName: "TEXAS", Agency: "Alpha County Sheriff's Office", Model: sheet.JailEnforcement, Signed: "2025-01-15",
			MOAURL: e.srv.URL + "/doclib/287gMOA/a.pdf"},
		{Row: 3, State: "FL", StateName: "FLORIDA", Agency: "Beta County Sheriff's Office", Model: sheet.TaskForce, Signed: "2025-02-15",
			MOAURL: e.srv.URL + "/doclib/287gMOA/b.pdf", Extra: map[string]string{"ADDENDUM URL": e.srv.URL + "/doclib/287gMOA/b-add.pdf"}},
	}
	body, err := json.Marshal(&sheet.File{List: sheet.Participating, Records: recs, Warnings: []sheet.Warning{}})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(b []byte) (*sheet.File, error) {
		var f sheet.File
		return &f, json.Unmarshal(b, &f)
	}
	st, err := store.Open(e.db, store.Options{Parse: parse, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = st.Commit(ctx, store.Cycle{At: time.Now(), Inputs: []store.Input{{
		Source: "https://www.ice.gov/doclib/participating.xlsx", Name: "participating.xlsx", Body: body, Published: "2025-06-30",
	}}})
	if err != nil {
		t.Fatal(err)
	}
	_, aggs, err := st.Agreements(ctx, sheet.Participating, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range aggs {
		e.ids = append(e.ids, a.ID)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *documentsEnv) requestCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.requests)
}

func (e *documentsEnv) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runCLI(t, append([]string{"--db", e.db}, args...)...)
}

func TestDocumentsFetchAndList(t *testing.T) {
	e := newDocumentsEnv(t)
	// The dead b.pdf is looked up in a stand-in archive that holds one capture.
	wb := waybacktest.NewServer(t)
	captured := pdfgen.PDF("b as captured")
	wb.Add(waybacktest.Capture{Timestamp: "20240101000000", Original: e.srv.URL + "/doclib/287gMOA/b.pdf", MimeType: "application/pdf", Body: captured})
	out := mustRun(t, "--db", e.db, "documents", "fetch", "--delay", "0", "--wayback-url", wb.URL())
	for _, want := range []string{"3 linked (3 new), 3 requests: 2 archived", "1 gone", "1 recovered from the Wayback Machine", "not announced"} {
		if !strings.Contains(out, want) {
			t.Errorf("fetch printed %q, want it to contain %q", out, want)
		}
	}
	if e.requestCount() != 3 {
		t.Errorf("server saw %d requests, want 3", e.requestCount())
	}

	t.Run("json", func(t *testing.T) {
		var rows []documentRow
		decodeJSON(t, mustRun(t, "--db", e.db, "documents", "--format", "json"), &rows)
		if len(rows) != 3 {
			t.Fatalf("got %d rows, want 3", len(rows))
		}
		byURL := map[string]documentRow{}
		for _, r := range rows {
			byURL[strings.TrimPrefix(r.URL, e.srv.URL)] = r
		}
		if r := byURL["/doclib/287gMOA/a.pdf"]; r.Status != store.DocumentOK || len(r.SHA256) != 64 || r.Size == 0 || r.Role != "moa" || len(r.Versions) != 1 || len(r.Contradictions) != 1 || r.LEA != "Gamma Parish Sheriff's Office" {
			t.Errorf("a.pdf: got %+v, want ok with its sha256, size, one version, and Gamma's LEA contradicting Alpha's row", r)
		}
		if r := byURL["/doclib/287gMOA/b.pdf"]; r.Status != store.DocumentGone || r.SHA256 != "" || r.HTTPStatus != 404 || r.Wayback == nil || r.Wayback.Timestamp != "20240101000000" {
			t.Errorf("b.pdf: got %+v, want gone (404), no live copy, the 2024 capture recovered", r)
		}
		if r := byURL["/doclib/287gMOA/b-add.pdf"]; r.Role != "addendum" || r.Status != store.DocumentOK {
			t.Errorf("b-add.pdf: got %+v, want an ok addendum", r)
		}
	})
	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			args []string
			want int
		}{
			{[]string{"--status", "gone"}, 1},
			{[]string{"--status", "ok"}, 2},
			{[]string{"--status", "new"}, 0},
			{[]string{"--agreement", e.ids[0]}, 1},
			{[]string{"--agreement", e.ids[1], "--status", "ok"}, 1},
			{[]string{"--status", "gone", "list"}, 1},
		}
		for _, tt := range tests {
			t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
				var rows []documentRow
				decodeJSON(t, mustRun(t, append([]string{"--db", e.db, "documents", "list", "--format", "json"}, tt.args...)...), &rows)
				if len(rows) != tt.want {
					t.Errorf("got %d rows, want %d", len(rows), tt.want)
				}
			})
		}
	})
	t.Run("csv", func(t *testing.T) {
		recs, err := csv.NewReader(strings.NewReader(mustRun(t, "--db", e.db, "documents", "--format", "csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4 || strings.Join(recs[0], ",") != strings.Join(documentsCSVHeader, ",") {
			t.Fatalf("got %d records, header %v; want a header and 3 rows", len(recs), recs[0])
		}
	})
	t.Run("text", func(t *testing.T) {
		out := mustRun(t, "--db", e.db, "documents")
		if !strings.Contains(out, "3 documents: 2 ok, 1 gone, 0 new") || !strings.Contains(out, "/doclib/287gMOA/b.pdf") || !strings.Contains(out, "CONTRADICTS: ") {
			t.Errorf("got %q, want the three addresses and the counts", out)
		}
	})
	t.Run("export", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "out")
		out := mustRun(t, "--db", e.db, "export", "--out", dir)
		if !strings.Contains(out, "exported 3 documents") {
			t.Errorf("export printed %q, want 3 documents (two fetched, one recovered)", out)
		}
		pdfs, _ := filepath.Glob(filepath.Join(dir, "documents", "*.pdf"))
		if len(pdfs) != 3 {
			t.Errorf("got %d PDFs in documents/, want 3", len(pdfs))
		}
		got, err := os.ReadFile(filepath.Join(dir, "documents", pdfSHA(captured)+".pdf"))
		if err != nil || !bytes.Equal(got, captured) {
			t.Errorf("the recovered copy: got %d bytes, %v; want the capture byte for byte", len(got), err)
		}
		tsv, err := os.ReadFile(filepath.Join(dir, "documents.tsv"))
		if lines := strings.Split(strings.TrimSpace(string(tsv)), "\n"); err != nil || len(lines) != 4 || !strings.HasPrefix(lines[0], "file\turl\t") {
			t.Errorf("documents.tsv: got %q, %v; want a header and 3 rows", tsv, err)
		}
	})
	t.Run("second fetch", func(t *testing.T) {
		// Nothing is due a moment later: no request is made.
		var sum struct{ Requests int }
		decodeJSON(t, mustRun(t, "--db", e.db, "documents", "fetch", "--delay", "0", "--format", "json", "--no-wayback"), &sum)
		if sum.Requests != 0 || e.requestCount() != 3 {
			t.Errorf("got %d requests (server saw %d in all), want none due", sum.Requests, e.requestCount())
		}
	})
}

func TestDocumentsBadInput(t *testing.T) {
	e := newDocumentsEnv(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad status", []string{"documents", "--status", "dead"}, "--status must be ok, gone or new"},
		{"bad format", []string{"documents", "--format", "xml"}, "--format must be"},
		{"unknown agreement", []string{"documents", "--agreement", "nope"}, `no agreement "nope"`},
		{"extra argument", []string{"documents", "list", "extra"}, "extra"},
		{"fetch bad format", []string{"documents", "fetch", "--format", "csv"}, "--format must be text or json"},
		{"fetch negative delay", []string{"documents", "fetch", "--delay", "-1s"}, "--delay must not be negative"},
		{"server", []string{"documents", "--server", "http://127.0.0.1:1"}, "--server is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.run(t, tt.args...)
			if r.err == nil {
				t.Fatalf("got success (stdout %q), want an error", r.stdout)
			}
			if msg := r.err.Error(); !strings.Contains(msg, tt.want) {
				t.Errorf("got %q, want it to contain %q", msg, tt.want)
			}
		})
	}
	if e.requestCount() != 0 {
		t.Errorf("bad input made %d requests, want 0", e.requestCount())
	}
}

// TestServeDocumentRounds: serve's document rounds fetch beside the list
// schedule, stop when serve stops, and are off with --no-fetch or
// --documents-every 0.
func TestServeDocumentRounds(t *testing.T) {
	e := newDocumentsEnv(t)
	hit := make(chan string, 10)
	e.mu.Lock()
	e.hit = hit
	e.mu.Unlock()
	var out bytes.Buffer
	a := &app{db: e.db, stdout: &out, stderr: &out, log: slog.New(slog.DiscardHandler), now: time.Now, cmd: "serve"}
	w, err := a.openWriter(cmdServe)
	if err != nil {
		t.Fatal(err)
	}
	defer w.st.Close()
	// Never the real archive: the dead b.pdf is looked up here.
	wb := waybacktest.NewServer(t)
	lookups := make(chan string, 10)
	wb.OnRequest(func(path string) {
		select {
		case lookups <- path:
		default:
		}
	})
	w.cfg.WaybackURL = wb.URL()
	for _, off := range []struct {
		every   time.Duration
		noFetch bool
	}{{0, false}, {time.Millisecond, true}} {
		done := a.startDocumentRounds(context.Background(), w.cfg, w.st, w.n, off.every, off.noFetch)
		select {
		case <-done:
		default:
			t.Errorf("every %v, no-fetch %v: rounds started, want none", off.every, off.noFetch)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := a.startDocumentRounds(ctx, w.cfg, w.st, w.n, time.Millisecond, false)
	for range 3 {
		<-hit
	}
	if p := <-lookups; !strings.HasPrefix(p, "/cdx/") {
		t.Errorf("the archive's first request: got %s, want a CDX lookup", p)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("rounds did not stop within 10 s of cancel")
	}
	if n := e.requestCount(); n != 3 {
		t.Errorf("server saw %d requests, want 3 (each link once)", n)
	}
}

func pdfSHA(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
