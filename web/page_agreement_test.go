package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// versionRows returns the "Every published version" table as
// "from|agency" strings, in page order.
func versionRows(t *testing.T, page string) []string {
	t.Helper()
	_, table, ok := strings.Cut(page, `id="versions"`)
	if !ok {
		t.Fatalf("page has no versions section")
	}
	table, _, _ = strings.Cut(table, "</table>")
	var rows []string
	for _, m := range regexp.MustCompile(`<tr><th scope="row">([^<]*)</th><td>([^<]*)</td>`).FindAllStringSubmatch(table, -1) {
		rows = append(rows, m[1]+"|"+m[2])
	}
	return rows
}

// TestAgreementVersions: each row of "Every published version" shows the
// record as it was published then, so an agreement renamed later shows its
// original name in its first row.
func TestAgreementVersions(t *testing.T) {
	fx := newFixture(t)
	// Tulsa was added on 2025-02-01; it is renamed on 2025-03-01.
	tulsaRenamed := tulsa
	tulsaRenamed.Agency, tulsaRenamed.AgencyRaw = "City of Tulsa Police Department", "City of Tulsa Police Department"
	tulsaRenamed.Signed, tulsaRenamed.Row = "2025-01-30", 5
	harris2 := harris
	harris2.Signed = "2025-01-06"
	fx.commitFile(t, sheet.Participating, "participatingAgencies03012025am.xlsx", "2025-03-01", fx.at.Add(28*24*time.Hour),
		[]sheet.Record{harris2, travis, cobb, tulsaRenamed})
	srv, _ := newTestServer(t, fx.st, fx.at)

	tulsaID := fx.agreementID(t, tulsaRenamed.Agency)
	_, history, err := fx.st.Agreement(context.Background(), tulsaID)
	if err != nil {
		t.Fatalf("agreement %s: %v", tulsaID, err)
	}
	var kinds []diff.Kind
	for _, c := range history {
		kinds = append(kinds, c.Kind)
	}
	if !slices.Equal(kinds, []diff.Kind{diff.Added, diff.Changed}) {
		t.Fatalf("got history %v, want added then changed (the rename)", kinds)
	}

	tests := map[string]struct {
		id   string
		want []string
	}{
		"added, then renamed": {tulsaID, []string{"2025-02-01|Tulsa Police Department", "2025-03-01|City of Tulsa Police Department"}},
		"in the baseline, then changed": {fx.agreementID(t, harris.Agency),
			[]string{"2025-01-10|Harris County Sheriff&#39;s Office", "2025-02-01|Harris County Sheriff&#39;s Office"}},
		"never changed": {fx.agreementID(t, travis.Agency), []string{"2025-01-10|Travis County Constable Pct. 5"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rec := recorder(t, srv, "/agreements/"+url.PathEscape(tc.id))
			if rec.Code != http.StatusOK {
				t.Fatalf("got status %d, want 200", rec.Code)
			}
			if got := versionRows(t, rec.Body.String()); !slices.Equal(got, tc.want) {
				t.Errorf("got versions %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersions covers the histories the store can hold, removal included.
func TestVersions(t *testing.T) {
	rec := func(agency string) *sheet.Record { return &sheet.Record{Agency: agency} }
	info := store.AgreementInfo{Agreement: diff.Agreement{Record: *rec("Now")}, FirstPublished: "2025-01-01"}
	tests := map[string]struct {
		changes []diff.Change
		want    []string
	}{
		"no changes": {nil, []string{"2025-01-01 Now"}},
		"added": {[]diff.Change{{Kind: diff.Added, After: rec("A"), AfterPublished: "2025-01-01"}},
			[]string{"2025-01-01 A"}},
		"baseline, changed, removed": {[]diff.Change{
			{Kind: diff.Changed, Before: rec("A"), After: rec("B"), AfterPublished: "2025-02-01"},
			{Kind: diff.Removed, Before: rec("B"), AfterPublished: "2025-03-01"},
		}, []string{"2025-01-01 A", "2025-02-01 B"}},
		"added, removed, added again": {[]diff.Change{
			{Kind: diff.Added, After: rec("A"), AfterPublished: "2025-01-01"},
			{Kind: diff.Removed, Before: rec("A"), AfterPublished: "2025-02-01"},
			{Kind: diff.Added, After: rec("C"), AfterPublished: "2025-04-01"},
		}, []string{"2025-01-01 A", "2025-04-01 C"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, v := range versions(info, tc.changes) {
				got = append(got, v.From+" "+v.R.Agency)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
