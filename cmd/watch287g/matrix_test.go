package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/sqlitetest"
	"github.com/watch287g/watch287g/store"
)

// jsonKeys decodes one JSON document and checks it holds the keys
// DESIGN.md promises scripts (nested keys as "a.b", for the first element
// of an array).
func jsonKeys(t *testing.T, out string, keys ...string) map[string]any {
	t.Helper()
	var doc map[string]any
	decodeJSON(t, out, &doc)
	for _, k := range keys {
		var v any = doc
		for _, part := range strings.Split(k, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				if arr, isArr := v.([]any); isArr && len(arr) > 0 {
					m, ok = arr[0].(map[string]any)
				}
			}
			if !ok {
				t.Fatalf("JSON: %q: got %T on the way, want an object\n%.2000s", k, v, out)
			}
			if v, ok = m[part]; !ok {
				t.Fatalf("JSON: got no key %q, want it (DESIGN.md)\n%.2000s", k, out)
			}
		}
	}
	return doc
}

func lenOf(doc map[string]any, key string) int {
	arr, _ := doc[key].([]any)
	return len(arr)
}

// TestCommandMatrix runs every read command of DESIGN.md in each of its
// formats on the fixture store, with its main filters.
func TestCommandMatrix(t *testing.T) {
	fx := newFixture(t)
	all := fx.changes(t)

	t.Run("snapshots", func(t *testing.T) {
		if out := fx.mustRun(t, "snapshots"); !strings.Contains(out, "5 snapshots") {
			t.Errorf("text: got\n%s\nwant a summary of 5 snapshots", out)
		}
		doc := jsonKeys(t, fx.mustRun(t, "snapshots", "--format", "json"), "snapshots.id", "snapshots.list", "snapshots.sha256", "snapshots.status", "snapshots.file_name")
		if n := lenOf(doc, "snapshots"); n != 5 {
			t.Errorf("json: got %d snapshots, want 5", n)
		}
		rows := readCSV(t, fx.mustRun(t, "snapshots", "--format", "csv"), nil)
		if len(rows) != 5 {
			t.Errorf("csv: got %d rows, want 5", len(rows))
		}
	})

	t.Run("changes", func(t *testing.T) {
		out := fx.mustRun(t, "changes")
		if want := fmt.Sprintf("%d changes", len(all)); !strings.Contains(out, want) {
			t.Errorf("text: got\n%s\nwant %q", out, want)
		}
		jsonKeys(t, fx.mustRun(t, "changes", "--format", "json"), "changes.id", "changes.kind", "changes.list", "changes.agreement_id")
		rows := readCSV(t, fx.mustRun(t, "changes", "--format", "csv"), changeCSVHeader)
		if len(rows) != len(all) {
			t.Errorf("csv: got %d rows, want %d", len(rows), len(all))
		}
		for _, c := range []struct {
			args   []string
			filter diff.Filter
		}{
			{[]string{"--state", "tx"}, diff.Filter{States: []string{"TX"}}},
			{[]string{"--model", "task_force"}, diff.Filter{Models: []string{"task_force"}}},
			{[]string{"--model", "Task Force"}, diff.Filter{Models: []string{"task_force"}}},
			{[]string{"--state", "texas"}, diff.Filter{States: []string{"TX"}}},
			{[]string{"--kind", "added,changed"}, diff.Filter{Kinds: []diff.Kind{diff.Added, diff.Changed}}},
			{[]string{"--list", "pending"}, diff.Filter{Lists: []string{"pending"}}},
			{[]string{"--limit", "2"}, diff.Filter{}},
		} {
			want := 0
			for i := range all {
				if c.filter.Match(&all[i]) {
					want++
				}
			}
			if c.args[0] == "--limit" {
				want = 2
			}
			if want == 0 {
				t.Errorf("changes %s: the fixture has no such change, want some to test the filter", c.args)
			}
			if got := len(fx.changes(t, c.args...)); got != want {
				t.Errorf("changes %s: got %d, want %d", strings.Join(c.args, " "), got, want)
			}
		}
	})

	t.Run("agreements", func(t *testing.T) {
		out := fx.mustRun(t, "agreements")
		if !strings.Contains(out, "33 participating agreements") {
			t.Errorf("text: got\n%s\nwant a summary of 33 participating agreements", out)
		}
		doc := jsonKeys(t, fx.mustRun(t, "agreements", "--format", "json"), "snapshot.id", "agreements.id", "agreements.state", "agreements.agency", "agreements.model")
		if n := lenOf(doc, "agreements"); n != 33 {
			t.Errorf("json: got %d agreements, want 33", n)
		}
		for _, c := range []struct {
			args []string
			want int
		}{
			{[]string{"--list", "pending"}, 4},
			{[]string{"--at", fxDay1}, 30},
			{[]string{"--at", fxDay2, "--list", "pending"}, 4},
			{[]string{"--at", "1"}, 30},
			{[]string{"--state", "TX"}, 8},
			{[]string{"--model", "task_force"}, 11},
		} {
			doc := jsonKeys(t, fx.mustRun(t, append([]string{"agreements", "--format", "json"}, c.args...)...), "agreements")
			if got := lenOf(doc, "agreements"); got != c.want {
				t.Errorf("agreements %s: got %d, want %d", strings.Join(c.args, " "), got, c.want)
			}
		}
		rows := readCSV(t, fx.mustRun(t, "agreements", "--format", "csv"), agreementCSVHeader)
		if len(rows) != 33 {
			t.Errorf("csv: got %d rows, want 33", len(rows))
		}
		agency := slices.Index(agreementCSVHeader, "agency")
		found := false
		for _, r := range rows {
			if strings.HasPrefix(r[agency], "=") {
				t.Errorf("csv: agency cell %q starts a formula", r[agency])
			}
			found = found || r[agency] == "'"+fxFormula
		}
		if !found {
			t.Errorf("csv: got no agency cell %q, want the formula-like name neutralised", "'"+fxFormula)
		}
	})

	t.Run("history", func(t *testing.T) {
		out := fx.mustRun(t, "history", "Sample County 1 Sheriff's Office")
		if !strings.Contains(out, "Sample County 1 Sheriff's Office") || !strings.Contains(out, "changed") {
			t.Errorf("text: got\n%s\nwant agency 1 and its change", out)
		}
		jsonKeys(t, fx.mustRun(t, "history", "--format", "json", "Sample County 1 Sheriff's Office"), "query", "agreements.agreement", "agreements.changes")
		readCSV(t, fx.mustRun(t, "history", "Sample County 1 Sheriff's Office", "--format", "csv"), changeCSVHeader)
		if out := fx.mustRun(t, "history", "Sample Town 5"); !strings.Contains(out, "status: missing since ICE's list of "+fxDay2+" (last listed "+fxDay1+")") {
			t.Errorf("history of a town dropped from pending: got\n%s\nwant it missing, last listed %s", out, fxDay1)
		}
		if out := fx.mustRun(t, "history", "no such agency"); !strings.Contains(out, "no agreement matches") {
			t.Errorf("history of nothing: got %q, want it to say no agreement matches", out)
		}
	})

	t.Run("diff", func(t *testing.T) {
		oldF, newF := fx.files[fxDay1+"/participating"], fx.files[fxDay2+"/participating"]
		for _, args := range [][]string{{oldF, newF}, {"1", "3"}} {
			doc := jsonKeys(t, fx.mustRun(t, append([]string{"diff", "--format", "json"}, args...)...),
				"old.list", "old.records", "old.agreements", "new.agreements", "added", "removed", "changed", "warnings")
			var d diffOutput
			decodeJSON(t, fx.mustRun(t, append([]string{"diff"}, append(args, "--format", "json")...)...), &d)
			if d.New.Agreements != d.Old.Agreements+len(d.Added)-len(d.Removed) {
				t.Errorf("diff %s: new.agreements %d != old %d + added %d - removed %d", args, d.New.Agreements, d.Old.Agreements, len(d.Added), len(d.Removed))
			}
			if lenOf(doc, "added") != 2 {
				t.Errorf("diff %s: got %d added, want 2", args, lenOf(doc, "added"))
			}
			readCSV(t, fx.mustRun(t, append([]string{"diff", "--format", "csv"}, args...)...), diff.ChangeCSVHeader())
			if out := fx.mustRun(t, append([]string{"diff"}, args...)...); out == "" {
				t.Errorf("diff %s text: got nothing", args)
			}
		}
	})

	t.Run("parse", func(t *testing.T) {
		f := fx.files[fxDay1+"/participating"]
		doc := jsonKeys(t, fx.mustRun(t, "parse", f, "--format", "json"), "file", "list", "sha256", "records.state", "records.agency", "records.signed", "warnings")
		if n := lenOf(doc, "records"); n != 30 {
			t.Errorf("json: got %d records, want 30", n)
		}
		rows := readCSV(t, fx.mustRun(t, "parse", "--format", "csv", f), nil)
		if len(rows) != 30 {
			t.Errorf("csv: got %d rows, want 30", len(rows))
		}
		if out := fx.mustRun(t, "parse", f); !strings.Contains(out, "participating list, 30 records") {
			t.Errorf("text: got\n%s\nwant a summary of 30 participating records", out)
		}
	})

	t.Run("verify", func(t *testing.T) {
		if out := fx.mustRun(t, "verify"); !strings.HasPrefix(out, "ok:") {
			t.Errorf("verify: got %q, want ok", out)
		}
	})

	t.Run("export", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "export")
		fx.mustRun(t, "export", "--out", out)
		b, err := os.ReadFile(filepath.Join(out, "changes.csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows := readCSV(t, string(b), changeCSVHeader)
		if len(rows) != len(all) {
			t.Errorf("changes.csv: got %d rows, want %d", len(rows), len(all))
		}
		if !strings.Contains(string(b), "'"+fxFormula) || strings.Contains(string(b), ","+fxFormula) {
			t.Errorf("changes.csv: want the formula-like agency neutralised as %q", "'"+fxFormula)
		}
		b, err = os.ReadFile(filepath.Join(out, "agreements.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if rows := readCSV(t, string(b), agreementCSVHeader); len(rows) != 33+4 {
			t.Errorf("agreements.csv: got %d rows, want 37 (33 participating, 4 pending)", len(rows))
		}
		b, err = os.ReadFile(filepath.Join(out, "agreements-ever.csv"))
		if err != nil {
			t.Fatal(err)
		}
		// Every agreement ever: 33 participating and 5 pending towns, the
		// fifth missing since the list of 2025-09-03.
		status := map[string]int{}
		for _, r := range readCSV(t, string(b), agreementEverHeader) {
			status[r[0]+"/"+r[2]]++
		}
		if want := map[string]int{"participating/listed": 33, "pending/listed": 4, "pending/missing": 1}; !maps.Equal(status, want) {
			t.Errorf("agreements-ever.csv: got %v, want %v", status, want)
		}
		// The database Datasette reads: the same tables (export_sqlite_test.go
		// queries it further).
		sq := openExportDB(t, filepath.Join(out, "watch287g.sqlite"))
		for table, want := range map[string]int{"agreements": 38, "changes": len(all), "snapshots": 5} {
			if n := sqlitetest.Int(t, sq, "SELECT count(*) FROM "+table); n != want {
				t.Errorf("sqlite table %s: got %d rows, want %d", table, n, want)
			}
		}
	})

	t.Run("outbox", func(t *testing.T) {
		if out := fx.mustRun(t, "outbox"); !strings.Contains(out, "no such deliveries") {
			t.Errorf("text: got %q", out)
		}
		doc := jsonKeys(t, fx.mustRun(t, "outbox", "--format", "json", "--state", "all"), "deliveries")
		if lenOf(doc, "deliveries") != 0 {
			t.Errorf("json: got deliveries without any subscriber")
		}
		readCSV(t, fx.mustRun(t, "outbox", "--format", "csv"), nil)
	})

	t.Run("config check", func(t *testing.T) {
		if out := fx.mustRun(t, "config", "check"); !strings.Contains(out, "configuration OK") {
			t.Errorf("config check: got %q", out)
		}
	})
}

// TestNotifyTest sends the sample through a webhook on loopback.
func TestNotifyTest(t *testing.T) {
	var posts atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
		}
	}))
	t.Cleanup(hook.Close)
	cfg := writeConfig(t, fmt.Sprintf("webhooks:\n  - {url: %q, secret: \"s3cret\"}\n", hook.URL))
	out := mustRun(t, "--config", cfg, "notify", "test")
	if !strings.Contains(out, "sample sent") {
		t.Errorf("notify test: got %q", out)
	}
	if got := posts.Load(); got != 1 {
		t.Errorf("webhook POSTs: got %d, want 1", got)
	}
}

// lineWriter hands the first line written to it over a channel, so a test
// can wait for serve's "serving on" line without polling a buffer.
type lineWriter struct {
	pw    *io.PipeWriter
	lines chan string
}

func newLineWriter() *lineWriter {
	pr, pw := io.Pipe()
	lw := &lineWriter{pw: pw, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lw.lines <- sc.Text():
			default:
			}
		}
		io.Copy(io.Discard, pr)
	}()
	return lw
}

func (l *lineWriter) Write(p []byte) (int, error) { return l.pw.Write(p) }

// lockedWriter serialises writes from serve's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.w)
}

// TestServeInProcess starts serve on 127.0.0.1:0 (the kernel picks the
// port; serve reports it), reads /healthz and an API route, then cancels
// its context as SIGTERM would: serve returns nil (exit 0).
func TestServeInProcess(t *testing.T) {
	fx := newFixture(t)
	wantOn := len(fx.changes(t, "--on", fxDay3))
	// The other read commands' answers, locally, to compare with the
	// server's.
	local := map[string]string{}
	reads := [][]string{
		{"history", "Sample", "--format", "json"},
		{"agreements", "--format", "json", "--at", fxDay2, "--list", "pending"},
		{"snapshots", "--format", "csv"},
		{"diff", "1", "3", "--format", "json"},
	}
	for _, args := range reads {
		local[strings.Join(args, " ")] = fx.mustRun(t, args...)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout := newLineWriter()
	defer stdout.pw.Close()
	stderr := &lockedWriter{w: &strings.Builder{}}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--db", fx.db, "serve", "--no-fetch", "--listen", "127.0.0.1:0"}, strings.NewReader(""), stdout, stderr)
	}()
	var base string
	select {
	case line := <-stdout.lines:
		var ok bool
		if base, ok = strings.CutPrefix(line, "watch287g serving on "); !ok {
			t.Fatalf("serve: first line %q, want \"watch287g serving on URL\"", line)
		}
	case err := <-done:
		t.Fatalf("serve returned before serving: %v", err)
	}
	get := func(path string) (int, []byte) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	if code, _ := get("/healthz"); code != http.StatusOK && code != http.StatusServiceUnavailable {
		t.Errorf("/healthz: got %d, want 200 or 503 (a JSON health answer)", code)
	}
	code, body := get("/api/v1/snapshots")
	var snaps struct{ Snapshots []store.Snapshot }
	if err := json.Unmarshal(body, &snaps); code != http.StatusOK || err != nil || len(snaps.Snapshots) != 5 {
		t.Errorf("/api/v1/snapshots: got %d %v with %d snapshots, want 200 and 5", code, err, len(snaps.Snapshots))
	}
	// The read commands work through the server while it holds the file.
	var doc struct{ Changes []diff.Change }
	decodeJSON(t, fx.mustRun(t, "changes", "--server", base, "--format", "json", "--on", fxDay3), &doc)
	if len(doc.Changes) != wantOn {
		t.Errorf("changes --server --on %s: got %d, want %d (the local answer)", fxDay3, len(doc.Changes), wantOn)
	}
	for _, args := range reads {
		key := strings.Join(args, " ")
		if got := fx.mustRun(t, append(args, "--server", base)...); got != local[key] {
			t.Errorf("%s --server: got\n%.1000s\nwant the local answer\n%.1000s", key, got, local[key])
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after its context ended: got %v, want nil (exit 0)\nstderr:\n%s", err, stderr.String())
	}
}
