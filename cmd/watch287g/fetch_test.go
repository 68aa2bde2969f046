package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// fetchEnv is a loopback ICE, a database and a configuration pointing at it.
type fetchEnv struct {
	ice    *scrapertest.Server
	db     string
	config string
}

func newFetchEnv(t *testing.T) *fetchEnv {
	t.Helper()
	ice := scrapertest.NewServer(t)
	cfg := writeConfig(t, fmt.Sprintf(`
page_url: %s
user_agent: "watch287g-test/1.0 (+mailto:test@example.org)"
fetch: {delay: 1ms, timeout: 2s, retries: 0}
`, ice.URL()))
	return &fetchEnv{ice: ice, db: filepath.Join(t.TempDir(), "w.db"), config: cfg}
}

func (e *fetchEnv) run(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runCLI(t, append([]string{"--db", e.db, "--config", e.config}, args...)...)
}

func (e *fetchEnv) snapshots(t *testing.T) []store.Snapshot {
	t.Helper()
	var body struct{ Snapshots []store.Snapshot }
	decodeJSON(t, mustRun(t, "--db", e.db, "snapshots", "--format", "json"), &body)
	return body.Snapshots
}

func (e *fetchEnv) changes(t *testing.T, args ...string) []diff.Change {
	t.Helper()
	var body struct{ Changes []diff.Change }
	decodeJSON(t, mustRun(t, append([]string{"--db", e.db, "changes", "--format", "json"}, args...)...), &body)
	return body.Changes
}

// rows returns n sample participating rows, with row i replaced by edit(i, row) when edit is set.
func rows(list sheet.List, n int) [][]string { return scrapertest.SampleRows(list, n) }

func participating(t *testing.T, r [][]string) []byte {
	return scrapertest.Workbook(t, scrapertest.ParticipatingHeader, r)
}

func pending(t *testing.T, r [][]string) []byte {
	return scrapertest.Workbook(t, scrapertest.PendingHeader, r)
}

var (
	day1 = time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC)
	day2 = time.Date(2025, 9, 3, 14, 0, 0, 0, time.UTC)
)

// TestFetchStory follows one installation through ICE's life: a baseline, an
// unchanged poll answered 304, a day with a signing, an ending and a typo
// fix published under the other link style, and a broken file that loses
// half its rows and is quarantined until the operator accepts it.
func TestFetchStory(t *testing.T) {
	e := newFetchEnv(t)
	base := rows(sheet.Participating, 60)
	pend := rows(sheet.Pending, 5)
	e.ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09022025pm.xlsx", Body: participating(t, base), LastModified: day1},
		scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pending(t, pend), LastModified: day1})

	// 1. Baseline: recorded, not announced.
	r := e.run(t, "fetch")
	if r.err != nil {
		t.Fatalf("first fetch: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "baseline of 60 agreements") {
		t.Errorf("first fetch output lacks the baseline line:\n%s", r.stdout)
	}
	if got := len(e.snapshots(t)); got != 2 {
		t.Fatalf("snapshots after baseline: got %d, want 2", got)
	}
	if got := len(e.changes(t)); got != 0 {
		t.Fatalf("changes after baseline: got %d, want 0 (a new install must not announce the whole list)", got)
	}

	// 2. Unchanged poll: conditional GET, 304, no file bytes, no new snapshot.
	e.ice.ResetRequests()
	r = e.run(t, "fetch")
	if r.err != nil {
		t.Fatalf("second fetch: %v\n%s", r.err, r.stderr)
	}
	for _, req := range e.ice.Requests() {
		if strings.HasSuffix(req.Path, ".xlsx") {
			if req.IfModifiedSince == "" {
				t.Errorf("%s: no If-Modified-Since on the second poll", req.Path)
			}
			if req.Status != 304 || req.Bytes != 0 {
				t.Errorf("%s: got status %d with %d bytes, want 304 with none", req.Path, req.Status, req.Bytes)
			}
		}
		if !strings.HasPrefix(req.UserAgent, "watch287g-test/1.0") {
			t.Errorf("%s: User-Agent %q, want the configured one", req.Path, req.UserAgent)
		}
	}
	if !strings.Contains(r.stdout, "not modified (304)") {
		t.Errorf("second fetch output lacks the 304 lines:\n%s", r.stdout)
	}
	if got := len(e.snapshots(t)); got != 2 {
		t.Fatalf("snapshots after an unchanged poll: got %d, want 2", got)
	}

	// 3. A new day under the file-download link style: one signing, one
	// ending, one typo fix.
	next := append([][]string(nil), base...)
	next = append(next[:3], next[4:]...) // row 4 ends
	next[0] = append([]string(nil), next[0]...)
	next[0][1] = strings.Replace(next[0][1], "Sheriff's Office", "Sherrif's Office", 1) // ICE's typo, fixed below
	fixed := append([][]string(nil), next...)
	fixed[0] = base[0]
	fixed = append(fixed, []string{"TEXAS", "Harris County Sheriff's Office", "County", "Task Force Model", "2025-09-01", "link"})
	e.ice.SetLinks(scrapertest.FileDownload,
		scrapertest.Doc{Name: "participatingAgencies09032025am.xlsx", Body: participating(t, next), LastModified: day2},
		scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pending(t, pend), LastModified: day1})
	mustRun(t, "--db", e.db, "--config", e.config, "fetch")
	got := e.changes(t)
	if kinds := countKinds(got); kinds[diff.Changed] != 1 || kinds[diff.Removed] != 1 || kinds[diff.Added] != 0 {
		t.Fatalf("after the typo day: got %v, want 1 changed (the misspelling) and 1 removed", kinds)
	}
	e.ice.SetLinks(scrapertest.FileDownloadAbsolute,
		scrapertest.Doc{Name: "participatingAgencies09042025am.xlsx", Body: participating(t, fixed), LastModified: day2.Add(24 * time.Hour)},
		scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pending(t, pend), LastModified: day1})
	mustRun(t, "--db", e.db, "--config", e.config, "fetch")
	got = e.changes(t)
	if kinds := countKinds(got); kinds[diff.Changed] != 2 || kinds[diff.Removed] != 1 || kinds[diff.Added] != 1 {
		t.Fatalf("after the fix and the signing: got %v, want 2 changed, 1 removed, 1 added", kinds)
	}
	added := e.changes(t, "--kind", "added", "--state", "TX")
	if len(added) != 1 || added[0].After.Agency != "Harris County Sheriff's Office" || added[0].After.Signed != "2025-09-01" {
		t.Fatalf("added TX change: got %+v, want Harris County signed 2025-09-01", added)
	}

	// 4. A broken file that loses half its rows: quarantined (exit 3), no
	// removal recorded, released by accept.
	half := fixed[:len(fixed)/2]
	e.ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09052025am.xlsx", Body: participating(t, half), LastModified: day2.Add(48 * time.Hour)},
		scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pending(t, pend), LastModified: day1})
	r = e.run(t, "fetch")
	if !errors.Is(r.err, errQuarantined) {
		t.Fatalf("half-empty file: got error %v, want errQuarantined (exit 3)\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stdout, "QUARANTINED") || !strings.Contains(r.stdout, "watch287g accept") {
		t.Errorf("quarantine output should say so and name the accept command:\n%s", r.stdout)
	}
	if n := len(e.changes(t, "--kind", "removed")); n != 1 {
		t.Fatalf("removals after quarantine: got %d, want still 1", n)
	}
	var quarantined uint64
	for _, s := range e.snapshots(t) {
		if s.Status == store.Quarantined {
			quarantined = s.ID
		}
	}
	if quarantined == 0 {
		t.Fatal("no snapshot is quarantined")
	}
	out := mustRun(t, "--db", e.db, "--config", e.config, "accept", fmt.Sprint(quarantined))
	if !strings.Contains(out, "accepted snapshot") {
		t.Errorf("accept output: %s", out)
	}
	if n := len(e.changes(t, "--kind", "removed")); n != 1+len(fixed)-len(half) {
		t.Fatalf("removals after accept: got %d, want %d", n, 1+len(fixed)-len(half))
	}

	// diff by snapshot ids reads the archived files. From the baseline to
	// the accepted half file: Harris was signed and then cut with the other
	// half, so nothing is added and everything past the first half is gone.
	var partIDs []uint64
	for _, s := range e.snapshots(t) {
		if s.List == sheet.Participating && s.Status == store.Accepted {
			partIDs = append(partIDs, s.ID)
		}
	}
	var d struct {
		Old, New                struct{ Agreements int }
		Added, Removed, Changed []diff.Change
	}
	decodeJSON(t, mustRun(t, "--db", e.db, "diff", fmt.Sprint(partIDs[0]), fmt.Sprint(partIDs[len(partIDs)-1]), "--format", "json"), &d)
	if d.New.Agreements != d.Old.Agreements+len(d.Added)-len(d.Removed) {
		t.Errorf("diff by ids: new %d != old %d + added %d - removed %d", d.New.Agreements, d.Old.Agreements, len(d.Added), len(d.Removed))
	}
	if len(d.Added) != 0 || len(d.Removed) != len(base)-len(half) {
		t.Errorf("diff by ids: got %d added, %d removed; want 0 and %d", len(d.Added), len(d.Removed), len(base)-len(half))
	}

	// The archive still verifies.
	if out := mustRun(t, "--db", e.db, "verify"); !strings.Contains(out, "ok") {
		t.Errorf("verify: %s", out)
	}
}

func countKinds(cs []diff.Change) map[diff.Kind]int {
	m := map[diff.Kind]int{}
	for _, c := range cs {
		m[c.Kind]++
	}
	return m
}

// TestFetchFaults: every way ICE's server can fail is a clear error (exit 1)
// that archives nothing it should not, and never an empty list.
func TestFetchFaults(t *testing.T) {
	tests := map[string]struct {
		setup   func(t *testing.T, ice *scrapertest.Server, partPath, pendPath string)
		wantErr string
		// wantSnapshots is how many snapshots the failed cycle still keeps.
		wantSnapshots int
	}{
		"page 403": {
			setup: func(t *testing.T, ice *scrapertest.Server, _, _ string) {
				ice.Fault(scrapertest.PagePath, scrapertest.Fault{Status: 403})
			},
			wantErr: "403",
		},
		"page 500": {
			setup: func(t *testing.T, ice *scrapertest.Server, _, _ string) {
				ice.Fault(scrapertest.PagePath, scrapertest.Fault{Status: 500})
			},
			wantErr: "500",
		},
		"html block page for a file": {
			setup: func(t *testing.T, ice *scrapertest.Server, part, _ string) {
				ice.Fault(part, scrapertest.Fault{BlockPage: true})
			},
			wantErr:       "not an xlsx workbook",
			wantSnapshots: 1,
		},
		"truncated file": {
			setup: func(t *testing.T, ice *scrapertest.Server, part, _ string) {
				ice.Fault(part, scrapertest.Fault{Truncate: true})
			},
			wantErr:       "truncated",
			wantSnapshots: 1,
		},
		"slow server": {
			setup: func(t *testing.T, ice *scrapertest.Server, part, _ string) {
				hold := make(chan struct{}) // never released: the request's timeout must end it
				t.Cleanup(func() { close(hold) })
				ice.Fault(part, scrapertest.Fault{Hold: hold})
			},
			wantErr:       "timed out",
			wantSnapshots: 1,
		},
		"page without links": {
			setup: func(t *testing.T, ice *scrapertest.Server, _, _ string) {
				ice.SetPage(scrapertest.NoLinksPage)
			},
			wantErr: "links no agency list",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newFetchEnv(t)
			part, pend := e.ice.SetLinks(scrapertest.DocLib,
				scrapertest.Doc{Name: "participatingAgencies09022025pm.xlsx", Body: participating(t, rows(sheet.Participating, 10))},
				scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pending(t, rows(sheet.Pending, 3))})
			tc.setup(t, e.ice, part, pend)
			r := e.run(t, "fetch")
			if r.err == nil || errors.Is(r.err, errQuarantined) {
				t.Fatalf("got error %v, want a failure\n%s", r.err, r.stdout)
			}
			if !strings.Contains(r.err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", r.err, tc.wantErr)
			}
			if got := len(e.snapshots(t)); got != tc.wantSnapshots {
				t.Errorf("snapshots: got %d, want %d", got, tc.wantSnapshots)
			}
		})
	}
}

// TestFetchSwappedLists: on 2025-09-22 ICE served the pending list behind
// the participating link. The columns decide, so nothing is dropped.
func TestFetchSwappedLists(t *testing.T) {
	e := newFetchEnv(t)
	partBody, pendBody := participating(t, rows(sheet.Participating, 30)), pending(t, rows(sheet.Pending, 4))
	e.ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09192025am.xlsx", Body: partBody, LastModified: day1},
		scrapertest.Doc{Name: "pendingAgencies09192025am.xlsx", Body: pendBody, LastModified: day1})
	mustRun(t, "--db", e.db, "--config", e.config, "fetch")
	e.ice.SetLinks(scrapertest.DocLib,
		scrapertest.Doc{Name: "participatingAgencies09222025am.xlsx", Body: pendBody, LastModified: day2},
		scrapertest.Doc{Name: "pendingAgencies09222025am.xlsx", Body: partBody, LastModified: day2})
	r := e.run(t, "fetch")
	if r.err != nil {
		t.Fatalf("swapped fetch: %v\n%s", r.err, r.stdout)
	}
	if !strings.Contains(r.stdout, "warning") {
		t.Errorf("a swapped list should warn:\n%s", r.stdout)
	}
	if got := e.changes(t); len(got) != 0 {
		t.Fatalf("swapped lists: got %d changes, want none", len(got))
	}
}
