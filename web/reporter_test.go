package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// reporterFixture is issue 13's questions as a store: two participating
// lists in 2026 and a pending one. The second list fills in an MOA link
// and misspells a state name (corrections), renames an agency (a real
// change), drops Maryland's only agreement and adds two.
type reporterFixture struct {
	*fixture
	a, pend, b store.Snapshot
	now        time.Time
}

var (
	harrisTF = sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office",
		AgencyRaw: "Harris County Sheriff's Office", Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
		Signed: "2025-03-01", MOAText: "link pending"}
	harrisWSO = sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office",
		AgencyRaw: "Harris County Sheriff's Office", Type: "County", Model: sheet.WarrantServiceOfficer,
		ModelRaw: "Warrant Service Officer", Signed: "2025-04-01", MOAText: "link pending"}
	harrisJail = sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Harris County Sheriff's Office",
		AgencyRaw: "Harris County Sheriff's Office", Type: "County", Model: sheet.JailEnforcement, ModelRaw: "Jail Enforcement Model"}
	harrison = sheet.Record{State: "MS", StateName: "MISSISSIPPI", Agency: "Harrison County Sheriff's Office",
		AgencyRaw: "Harrison County Sheriff's Office", Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
		Signed: "2025-05-01", MOAText: "link pending"}
	frederick = sheet.Record{State: "MD", StateName: "MARYLAND", Agency: "Frederick County Sheriff's Office",
		AgencyRaw: "Frederick County Sheriff's Office", Type: "County", Model: sheet.JailEnforcement,
		ModelRaw: "Jail Enforcement Model", Signed: "2019-06-01", MOAText: "link pending"}
	pasco = sheet.Record{State: "FL", StateName: "FLORIDA", Agency: "Pasco County Sheriffs Office",
		AgencyRaw: "Pasco County Sheriffs Office", Type: "County", Model: sheet.TaskForce, ModelRaw: "Task Force Model",
		Signed: "2025-02-11", MOAText: "link pending"}
	// southside is in Harris County by its COUNTY column only;
	// harrisonTX is Harrison County's sheriff in the same state.
	southside = sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Southside Place Police Department",
		AgencyRaw: "Southside Place Police Department", Type: "Municipality", Model: sheet.JailEnforcement,
		ModelRaw: "Jail Enforcement Model", Signed: "2019-05-01", MOAText: "link pending", Extra: map[string]string{"COUNTY": "Harris County"}}
	harrisonTX = sheet.Record{State: "TX", StateName: "TEXAS", Agency: "Harrison County Sheriff's Office",
		AgencyRaw: "Harrison County Sheriff's Office", Type: "County", Model: sheet.JailEnforcement,
		ModelRaw: "Jail Enforcement Model", Signed: "2019-05-02", MOAText: "link pending", Extra: map[string]string{"COUNTY": "Harrison County"}}
	// formula is an agency name a spreadsheet would run.
	formula = sheet.Record{State: "OK", StateName: "OKLAHOMA", Agency: "=HYPERLINK(\"http://x.example\") Police",
		AgencyRaw: "=HYPERLINK(\"http://x.example\") Police", Type: "Municipality", Model: sheet.TaskForce,
		ModelRaw: "Task Force Model", Signed: "2026-02-01", MOAText: "link pending"}
)

func newReporterFixture(t *testing.T) *reporterFixture {
	t.Helper()
	fx := &reporterFixture{fixture: &fixture{st: openStore(t), bodies: map[uint64][]byte{}}}
	t0 := time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)
	rows := func(recs ...sheet.Record) []sheet.Record {
		for i := range recs {
			recs[i].Row = i + 2
		}
		return recs
	}
	fx.a = fx.commitFile(t, sheet.Participating, "participatingAgencies01052026am.xlsx", "2026-01-05", t0,
		rows(harrisTF, harrisWSO, harrison, frederick, pasco, travis, southside, harrisonTX))
	fx.pend = fx.commitFile(t, sheet.Pending, "pendingAgencies01052026am.xlsx", "2026-01-05", t0.Add(time.Minute),
		rows(harrisJail))
	tf := harrisTF
	tf.MOAURL, tf.MOAText = "https://www.ice.gov/doclib/287gMOA/harrisCountyTX-TF.pdf", "link"
	trav := travis
	trav.StateName = "TEXSA"
	pas := pasco
	pas.Agency, pas.AgencyRaw = "Pasco County Sheriff's Office", "Pasco County Sheriff's Office"
	fx.b = fx.commitFile(t, sheet.Participating, "participatingAgencies02272026pm.xlsx", "2026-02-27", t0.Add(53*24*time.Hour),
		rows(tf, harrisWSO, harrison, pas, trav, cobb, formula, southside, harrisonTX))
	fx.now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return fx
}

func (fx *reporterFixture) get(t *testing.T, path string) *httptest.ResponseRecorder {
	t.Helper()
	srv := New(Options{Store: fx.st, PublicURL: testPublicURL, Now: func() time.Time { return fx.now }})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, path, nil))
	return rec
}

func (fx *reporterFixture) page(t *testing.T, path string) string {
	t.Helper()
	rec := fx.get(t, path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: got status %d, want 200\n%s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// readCSVBody parses a download and checks its header.
func readCSVBody(t *testing.T, rec *httptest.ResponseRecorder, header []string) [][]string {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200\n%s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("got Content-Type %q, want text/csv", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
		t.Errorf("got Content-Disposition %q, want an attachment with a file name", cd)
	}
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		t.Fatalf("got header %q, want %q", recs[:min(1, len(recs))], header)
	}
	return recs[1:]
}

// section is the part of body from the heading containing from up to the
// next <h2 (or the end).
func section(body, from string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], "<h2"); j >= 0 {
		return rest[:j+1]
	}
	return rest
}

func TestSnapshotPage(t *testing.T) {
	fx := newReporterFixture(t)
	changes, err := fx.st.SnapshotChanges(t.Context(), fx.b.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[diff.Kind]int{}
	for _, c := range changes {
		kinds[c.Kind]++
	}
	// The fixture's own premise: 2 added, 1 removed, 3 changed.
	if kinds[diff.Added] != 2 || kinds[diff.Removed] != 1 || kinds[diff.Changed] != 3 {
		t.Fatalf("fixture: got changes %v, want 2 added, 1 removed, 3 changed", kinds)
	}
	body := fx.page(t, "/snapshots/"+strconv.FormatUint(fx.b.ID, 10))
	for _, want := range []string{
		"<dt>Added</dt><dd>2</dd>", "<dt>Removed</dt><dd>1</dd>", "<dt>Changed</dt><dd>3 <span class=\"muted\">(2 only spelling or a link)</span>",
		fx.b.SHA256, "/api/v1/snapshots/" + strconv.FormatUint(fx.b.ID, 10) + "/file",
		"/snapshots/" + strconv.FormatUint(fx.b.ID, 10) + "/changes.csv",
		`href="/snapshots/` + strconv.FormatUint(fx.a.ID, 10) + `"`, // the list it was compared with
		"Pasco County Sheriff<ins>&#39;</ins>s Office",              // the rename, marked as the CLI marks it
		"&lt;script&gt;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list page: missing %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("list page: an agency's markup came through as markup")
	}
	// Corrections are folded away in <details>, and only there.
	folded := section(body, `id="k-cosmetic"`)
	if !strings.Contains(folded, "<details>") || !strings.Contains(folded, "Travis County") || !strings.Contains(folded, "Harris County") {
		t.Errorf("corrections section: got %q, want Travis and Harris inside <details>", folded)
	}
	changed := section(body, `id="k-changed"`)
	if !strings.Contains(changed, "Pasco") || strings.Contains(changed, "Travis") {
		t.Errorf("changed section: got %q, want Pasco and not the correction of Travis", changed)
	}
	// Grouped by state: the removal sits under Maryland.
	if removed := section(body, `id="k-removed"`); !strings.Contains(removed, "Maryland") || !strings.Contains(removed, "Frederick") {
		t.Errorf("removed section: got %q, want Frederick under Maryland", removed)
	}

	t.Run("json", func(t *testing.T) {
		rec := fx.get(t, "/api/v1/snapshots/"+strconv.FormatUint(fx.b.ID, 10)+"/changes")
		var body ChangesResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
			t.Fatalf("got %d %v, want 200 and JSON", rec.Code, err)
		}
		if len(body.Changes) != len(changes) || body.NextCursor != nil {
			t.Errorf("got %d changes (next %v), want %d and no next page", len(body.Changes), body.NextCursor, len(changes))
		}
		for i := range body.Changes {
			if body.Changes[i].ID != changes[i].ID {
				t.Errorf("change %d: got id %d, want %d (oldest first)", i, body.Changes[i].ID, changes[i].ID)
			}
		}
	})
	t.Run("csv", func(t *testing.T) {
		rows := readCSVBody(t, fx.get(t, "/snapshots/"+strconv.FormatUint(fx.b.ID, 10)+"/changes.csv"), diff.ChangeCSVHeader())
		if len(rows) != len(changes) {
			t.Fatalf("got %d rows, want %d", len(rows), len(changes))
		}
		for _, r := range rows {
			if r[2] == "participating" && strings.Contains(r[7], "HYPERLINK") && !strings.HasPrefix(r[7], "'=") {
				t.Errorf("got agency cell %q, want it neutralised with a leading '", r[7])
			}
		}
	})
	t.Run("archive, timeline and feed link here", func(t *testing.T) {
		link := `/snapshots/` + strconv.FormatUint(fx.b.ID, 10)
		if !strings.Contains(fx.page(t, "/snapshots"), `href="`+link+`"`) {
			t.Error("archive: no link to the list page")
		}
		id := fx.agreementID(t, "Pasco County Sheriff's Office")
		if !strings.Contains(fx.page(t, "/agreements/"+id), `href="`+link+`"`) {
			t.Error("agreement timeline: no link to the list page")
		}
		if !strings.Contains(fx.page(t, "/feed.atom"), `rel="related" type="text/html" href="`+testPublicURL+link+`"`) {
			t.Error("feed: no entry links to the list page")
		}
	})
	t.Run("baseline", func(t *testing.T) {
		body := fx.page(t, "/snapshots/"+strconv.FormatUint(fx.a.ID, 10))
		if !strings.Contains(body, "recorded, not compared") || !strings.Contains(body, "Next list") {
			t.Errorf("baseline page: want it said to be the first list, with a link to the next")
		}
	})
}

func TestAgencyPage(t *testing.T) {
	fx := newReporterFixture(t)
	const id = "tx-harris-county-sheriffs-office"
	body := fx.page(t, "/agencies/"+id)
	agreements := section(body, `id="agreements"`)
	for _, want := range []string{sheet.ModelLabel(sheet.TaskForce), sheet.ModelLabel(sheet.WarrantServiceOfficer), sheet.ModelLabel(sheet.JailEnforcement), "pending"} {
		if !strings.Contains(agreements, want) {
			t.Errorf("agency page: missing %q among its agreements", want)
		}
	}
	if strings.Contains(body, "Harrison") {
		t.Error("agency page: Harrison County's agreement listed under Harris County")
	}
	// The timeline is in date order, first appearances and changes merged.
	var dates []string
	for _, m := range regexp.MustCompile(`list published (?:<a [^>]*>)?(\d{4}-\d{2}-\d{2})`).FindAllStringSubmatch(section(body, `id="timeline"`), -1) {
		dates = append(dates, m[1])
	}
	if len(dates) != 4 || !slices.IsSorted(dates) {
		t.Errorf("agency timeline: got dates %v, want 4 in order", dates)
	}
	// The MOA filled in on 2026-02-27 is in the agency's timeline.
	if !strings.Contains(section(body, `id="timeline"`), "harrisCountyTX-TF.pdf") {
		t.Error("agency timeline: missing the MOA link filled in")
	}
	agr := fx.page(t, "/agreements/"+fx.agreementID(t, "Harris County Sheriff's Office"))
	if !strings.Contains(agr, `href="/agencies/`+id+`"`) {
		t.Error("agreement page: no link to its agency")
	}
	rows := readCSVBody(t, fx.get(t, "/agencies/"+id+"/agreements.csv"), agreementCSVHeader)
	if len(rows) != 3 {
		t.Errorf("agency CSV: got %d rows, want 3", len(rows))
	}
	if rec := fx.get(t, "/agencies/tx-harris"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown agency: got status %d, want 404", rec.Code)
	}
}

func TestAgencyID(t *testing.T) {
	tests := []struct{ state, agency, want string }{
		{"TX", "Harris County Sheriff's Office", "tx-harris-county-sheriffs-office"},
		{"TX", "Harris County Sheriff’s  Office", "tx-harris-county-sheriffs-office"},
		{"NM", "Doña Ana County Sheriff's Office", "nm-dona-ana-county-sheriffs-office"},
		{"FL", "St. Johns County / Sheriff", "fl-st-johns-county-sheriff"},
		{"", "Nowhere PD", "xx-nowhere-pd"},
		{"GA", "<script>", "ga-script"},
	}
	for _, tc := range tests {
		t.Run(tc.agency, func(t *testing.T) {
			if got := agencyID(tc.state, tc.agency); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSearchRanked(t *testing.T) {
	fx := newReporterFixture(t)
	tests := []struct {
		q            string
		first, after string // first comes before after ("" : after must be absent)
		absent       string
	}{
		{q: "harris", first: "/agencies/tx-harris-county-sheriffs-office", after: "/agencies/ms-harrison-county-sheriffs-office"},
		{q: "harris county tx", first: "/agencies/tx-harris-county-sheriffs-office", after: "/agencies/tx-southside-place-police-department", absent: "/agencies/ms-harrison"},
		// By the COUNTY column, and Harris County before Harrison County.
		{q: "harris county tx", first: "/agencies/tx-southside-place-police-department", after: "/agencies/tx-harrison-county-sheriffs-office"},
		{q: "frederick county maryland", first: "/agencies/md-frederick-county-sheriffs-office"},
		{q: "maryland", first: `href="/states/MD"`},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			body := fx.page(t, "/search?q="+strings.ReplaceAll(tc.q, " ", "+"))
			i := strings.Index(body, tc.first)
			if i < 0 {
				t.Fatalf("got no %q", tc.first)
			}
			if tc.after != "" {
				if j := strings.Index(body, tc.after); j < i {
					t.Errorf("got %q at %d, want it after %q at %d", tc.after, j, tc.first, i)
				}
			}
			if tc.absent != "" && strings.Contains(body, tc.absent) {
				t.Errorf("got %q, want it absent", tc.absent)
			}
		})
	}
	// The page's agreement results are ranked the same way.
	page := section(fx.page(t, "/search?q=harris"), "result")
	if h, hn := strings.Index(page, "Harris County"), strings.Index(page, "Harrison County"); h < 0 || hn < h {
		t.Errorf("search results: got Harris at %d and Harrison at %d, want Harris first", h, hn)
	}
}

func TestEndings(t *testing.T) {
	fx := newReporterFixture(t)
	over := fx.page(t, "/")
	if !strings.Contains(over, `<dt>Agreements that left the list in 2026</dt><dd>1 <span class="muted">(1 not yet confirmed as ended)</span></dd>`) {
		t.Error("overview: want 1 agreement ended in 2026")
	}
	// Maryland has none left but keeps its row, with its ending.
	md := strings.Index(over, `<a href="/states/MD">Maryland</a>`)
	if md < 0 {
		t.Fatal("overview: Maryland's row is gone")
	}
	row := over[md:]
	row = row[:strings.Index(row, "</tr>")]
	if want := `<td class="num">0</td><td class="num hide-narrow">0</td><td class="num hide-narrow">0</td><td class="num hide-narrow">0</td><td class="num">0</td><td class="num">1</td>`; !strings.Contains(row, want) {
		t.Errorf("overview: got Maryland's row %q, want 0 participating and 1 ended", row)
	}
	page := fx.page(t, "/states/MD")
	if !strings.Contains(page, `<dt>Agreements that left the list in 2026</dt><dd>1 <span class="muted">(1 not yet confirmed as ended)</span></dd>`) {
		t.Error("Maryland: want 1 ended in 2026")
	}
	former := section(page, `id="former"`)
	if !strings.Contains(former, "Frederick County") || !strings.Contains(former, "2026-02-27") || !strings.Contains(former, "missing, not yet confirmed") {
		t.Errorf("Maryland: got former agreements %q, want Frederick, ended 2026-02-27", former)
	}
	rows := readCSVBody(t, fx.get(t, "/states/MD/agreements.csv"), agreementCSVHeader)
	if len(rows) != 1 || rows[0][2] != "missing" || rows[0][4] != frederick.Agency || rows[0][12] != "2026-02-27" {
		t.Errorf("Maryland CSV: got %q, want Frederick, missing since 2026-02-27", rows)
	}
	all := readCSVBody(t, fx.get(t, "/agreements.csv"), agreementCSVHeader)
	if len(all) != 11 {
		t.Errorf("every agreement: got %d rows, want 11 (10 participating ever, 1 pending)", len(all))
	}
	states := readCSVBody(t, fx.get(t, "/states.csv"), []string{"state", "name", "participating", "jail_enforcement",
		"warrant_service_officer", "task_force", "pending", "ended_2026"})
	var mdRow []string
	for _, r := range states {
		if r[0] == "MD" {
			mdRow = r
		}
	}
	if strings.Join(mdRow, ",") != "MD,Maryland,0,0,0,0,0,1" {
		t.Errorf("states CSV: got Maryland %q, want 0 participating and 1 ended", mdRow)
	}
}

func TestChangesCSV(t *testing.T) {
	fx := newReporterFixture(t)
	tests := []struct {
		query string
		want  func(diff.Change) bool
	}{
		{"", func(diff.Change) bool { return true }},
		{"?state=TX", func(c diff.Change) bool { return c.Record().State == "TX" }},
		{"?kind=removed", func(c diff.Change) bool { return c.Kind == diff.Removed }},
		{"?state=TX&kind=changed&since=2026-02-01", func(c diff.Change) bool { return c.Record().State == "TX" && c.Kind == diff.Changed }},
	}
	if page := fx.page(t, "/changes?state=MD"); !strings.Contains(page, "last listed 2026-01-05; signed 2019-06-01") {
		t.Error("changes page: a removal's details are empty, want when it was last listed and signed")
	}
	if page := fx.page(t, "/changes?state=FL"); !strings.Contains(page, "Pasco County Sheriff<ins>&#39;</ins>s Office") {
		t.Error("changes page: a rename's changed characters are not marked")
	}
	if page := fx.page(t, "/agreements/"+fx.agreementID(t, "Pasco County Sheriff's Office")); !strings.Contains(page, "Sheriff<ins>&#39;</ins>s") {
		t.Error("agreement page: a rename's changed characters are not marked")
	}
	if page := fx.page(t, "/changes?state=TX&kind=changed"); !strings.Contains(page, `href="/changes.csv?kind=changed&amp;state=TX"`) {
		t.Error("changes page: no CSV link with the page's filters")
	}
	all, _, err := fx.st.Changes(t.Context(), store.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var want []string
			for _, c := range all {
				if tc.want(c) {
					want = append(want, strconv.FormatUint(c.ID, 10))
				}
			}
			rows := readCSVBody(t, fx.get(t, "/changes.csv"+tc.query), diff.ChangeCSVHeader())
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			if !slices.Equal(got, want) || len(got) == 0 {
				t.Errorf("got ids %v, want %v (not none)", got, want)
			}
		})
	}
}
