package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/sheet"
)

// TestAgreementPageStatus: an agreement missing from ICE's latest list
// says so, with the date of the first list without it, not that it ended
// (issue 11).
func TestAgreementPageStatus(t *testing.T) {
	fx := newFixture(t)
	cobbID := fx.agreementID(t, cobb.Agency)
	fx.commitFile(t, sheet.Participating, "participatingAgencies03012025am.xlsx", "2025-03-01", fx.at.Add(28*24*time.Hour),
		[]sheet.Record{harris, travis, tulsa})
	srv, _ := newTestServer(t, fx.st, fx.at)
	rec := recorder(t, srv, "/agreements/"+url.PathEscape(cobbID))
	if rec.Code != http.StatusOK {
		t.Fatalf("got status %d, want 200", rec.Code)
	}
	want := "Missing from the participating list since ICE's list of 2025-03-01 (not yet confirmed ended)"
	if body := rec.Body.String(); !strings.Contains(body, want) {
		t.Errorf("agreement page lacks %q:\n%s", want, body)
	}
}
