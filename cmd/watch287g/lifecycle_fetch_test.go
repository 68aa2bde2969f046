package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/internal/mailpittest"
	"github.com/watch287g/watch287g/scraper/scrapertest"
	"github.com/watch287g/watch287g/sheet"
)

// TestFetchLifecycleEmails replays issue 11's story through `fetch`
// against the loopback ICE, with a real mailpit: an agreement missing from
// one list, lists that keep it missing until the absence is confirmed,
// then its return. A subscriber without a kinds filter never hears it was
// missing, hears once that it ended (dated by the first list without it)
// and once that it is back; a subscriber of kinds [removed] hears of the
// absence at once, and of nothing else.
func TestFetchLifecycleEmails(t *testing.T) {
	mp := mailpittest.Start(t)
	ice := scrapertest.NewServer(t)
	cfg := writeConfig(t, fmt.Sprintf(`
page_url: %s
user_agent: "watch287g-test/1.0 (+mailto:test@example.org)"
fetch: {delay: 1ms, timeout: 2s, retries: 0}
public_url: https://watch.example.org
smtp: {host: 127.0.0.1, port: %d, tls: none, from: "287(g) watch <alerts@example.org>"}
subscribers:
  - {email: desk@example.org}
  - {email: early@example.org, kinds: [removed]}
`, ice.URL(), mp.SMTPPort))
	e := &fetchEnv{ice: ice, db: filepath.Join(t.TempDir(), "w.db"), config: cfg}

	all := rows(sheet.Participating, 40)
	gone := all[3] // Sample County 4 Sheriff's Office
	agency := gone[1]
	pend := pending(t, rows(sheet.Pending, 3))
	// Each list adds one agreement (so no two files have the same bytes);
	// the 2nd to 5th are without Sample County 4, the 6th has it back.
	lists := []struct {
		date    time.Time
		without bool
	}{
		{time.Date(2025, 9, 2, 14, 0, 0, 0, time.UTC), false},
		{time.Date(2025, 9, 3, 14, 0, 0, 0, time.UTC), true},
		{time.Date(2025, 9, 6, 14, 0, 0, 0, time.UTC), true},
		{time.Date(2025, 9, 9, 14, 0, 0, 0, time.UTC), true},
		{time.Date(2025, 9, 13, 14, 0, 0, 0, time.UTC), true}, // 10 days, 3 lists after: ended
		{time.Date(2025, 9, 15, 14, 0, 0, 0, time.UTC), false},
	}
	sent := 0
	for i, l := range lists {
		var body [][]string
		for j, r := range all[:30+i] {
			if j == 3 && l.without {
				continue
			}
			body = append(body, r)
		}
		ice.SetLinks(scrapertest.DocLib,
			scrapertest.Doc{Name: "participatingAgencies" + l.date.Format("01022006") + "am.xlsx", Body: participating(t, body), LastModified: l.date},
			scrapertest.Doc{Name: "pendingAgencies09022025pm.xlsx", Body: pend, LastModified: lists[0].date})
		mustRun(t, "--db", e.db, "--config", e.config, "fetch")
		if i > 0 {
			// desk@ hears of each day's signing; early@ only on the day of
			// the absence.
			sent++
			if i == 1 {
				sent++
			}
			mp.WaitCount(t, sent)
		}
	}

	// The store's side: one agreement, missing → ended → restored.
	ended := e.changes(t, "--kind", "ended")
	restored := e.changes(t, "--kind", "restored")
	removed := e.changes(t, "--kind", "removed")
	if len(ended) != 1 || len(restored) != 1 || len(removed) != 1 {
		t.Fatalf("got %d ended, %d restored, %d removed; want one each", len(ended), len(restored), len(removed))
	}
	id := removed[0].AgreementID
	if ended[0].AgreementID != id || restored[0].AgreementID != id {
		t.Errorf("ids: removed %s, ended %s, restored %s; want one agreement", id, ended[0].AgreementID, restored[0].AgreementID)
	}
	if ended[0].AfterPublished != "2025-09-03" || ended[0].AbsentLists != 4 {
		t.Errorf("ended: dated %s after %d lists, want 2025-09-03 after 4", ended[0].AfterPublished, ended[0].AbsentLists)
	}
	for _, c := range e.changes(t, "--kind", "added") {
		if c.Record().Agency == agency {
			t.Errorf("the return was added as %s, want it restored under %s", c.AgreementID, id)
		}
	}

	desk := mp.ByRecipient(t, "desk@example.org")
	early := mp.ByRecipient(t, "early@example.org")
	if len(desk) != len(lists)-1 || len(early) != 1 {
		t.Fatalf("got %d messages to desk@ and %d to early@, want %d and 1", len(desk), len(early), len(lists)-1)
	}
	var deskEnded, deskRestored int
	for _, m := range desk {
		if strings.Contains(m.Text, "Missing: "+agency) || strings.Contains(m.Text, "missing from ICE's list") {
			t.Errorf("desk@ (no kinds filter) was told of the absence:\n%s", m.Text)
		}
		if strings.Contains(m.Text, "Ended: "+agency) && strings.Contains(m.Text, "absent from ICE's lists since September 3, 2025 (4 lists)") {
			deskEnded++
		}
		if strings.Contains(m.Text, "Restored: "+agency) && strings.Contains(m.Text, "back on ICE's list of September 15, 2025 after 12 days") {
			deskRestored++
		}
	}
	if deskEnded != 1 || deskRestored != 1 {
		t.Errorf("desk@: got %d ended and %d restored messages naming %s, want one each", deskEnded, deskRestored, agency)
	}
	m := early[0]
	if !strings.Contains(m.Text, "Missing: "+agency) || !strings.Contains(m.Text, "missing from ICE's list of September 3, 2025") ||
		!strings.Contains(m.Subject, "1 missing") {
		t.Errorf("early@: got %q\n%s\nwant the absence of %s", m.Subject, m.Text, agency)
	}
	for _, m := range append(desk, early...) {
		t.Logf("%s: %s", m.To[0].Address, m.Subject)
	}
}
