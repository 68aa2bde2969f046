package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestNotifier(t *testing.T, out Outbox, opt Options) *Notifier {
	t.Helper()
	if opt.Logger == nil {
		opt.Logger = quietLogger()
	}
	if opt.PublicURL == "" {
		opt.PublicURL = "https://watch.example.org"
	}
	n, err := New(out, opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	n.jitter = func(time.Duration) time.Duration { return 0 }
	return n
}

// hostile is an agency name built to break a naive renderer.
var hostile = "<script>alert(1)</script> Sheriff\r\nBcc: victim@example.org\r\n" + strings.Repeat("Very Long County ", 118)

func TestEmailImmediate(t *testing.T) {
	mp := startMailpit(t)
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{
		SMTP: mp.smtp(),
		Subscribers: []Subscriber{
			{Email: "tx@example.org", Filter: diff.Filter{States: []string{"TX"}}, Mode: ModeImmediate},
			{Email: "all@example.org", Mode: ModeImmediate},
		},
	})
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	// Baselines: a participating list of three and a pending list of one.
	harris := rec("TX", "Harris County Sheriff's Office", sheet.TaskForce, "2026-02-10")
	orange := rec("CA", "Orange County Sheriff", sheet.TaskForce, "2026-02-10")
	ended := rec("TX", "Ended Police Department", sheet.WarrantServiceOfficer, "2025-03-01")
	oldHostile := rec("TX", hostile, sheet.TaskForce, "2025-05-08")
	newHostile := rec("TX", hostile, sheet.TaskForce, "2026-02-10")
	constable := rec("TX", "Promoted Constable", sheet.JailEnforcement, "")
	signedConstable := rec("TX", "Promoted Constable", sheet.JailEnforcement, "2026-02-11")
	l.commit(t, at.Add(-24*time.Hour), nil,
		file{sheet.Participating, "2026-02-12", []sheet.Record{*oldHostile, *ended}},
		file{sheet.Pending, "2025-11-04", []sheet.Record{*constable}})
	// The next publication: Harris and Orange added, the hostile name's
	// signed date changed, Ended gone, and the constable signed (added to
	// participating, moved off pending).
	changes := l.commit(t, at, n.Recipients(),
		file{sheet.Participating, "2026-02-13", []sheet.Record{*newHostile, *harris, *orange, *signedConstable}},
		file{sheet.Pending, "2026-02-13", nil})
	if len(changes) != 6 {
		t.Fatalf("got %d changes, want 6: %+v", len(changes), changes)
	}
	var harrisID, signedID string
	var partSnap uint64
	for _, ch := range changes {
		if ch.List == sheet.Participating {
			partSnap = ch.AfterSnapshot
		}
		switch {
		case ch.After != nil && ch.After.Agency == harris.Agency:
			harrisID = ch.AgreementID
		case ch.PromotedTo != "":
			signedID = ch.PromotedTo
		}
	}
	if harrisID == "" || signedID == "" {
		t.Fatalf("got changes %+v, want Harris added and the constable promoted", changes)
	}

	if err := n.Deliver(context.Background(), at.Add(time.Minute)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	mp.waitCount(t, 2)

	tx := mp.byRecipient(t, "tx@example.org")
	if len(tx) != 1 {
		t.Fatalf("got %d messages to tx@, want 1 (one per drain)", len(tx))
	}
	m := tx[0]
	// Ended Police Department is only missing from one list (issue 11): a
	// subscriber without a kinds filter hears of it once it has ended.
	wantSubject := "287(g): 2 new, 0 ended, 1 changed, 1 moved to participating — ICE list of Feb 13, 2026"
	if m.Subject != wantSubject {
		t.Errorf("got subject %q, want %q", m.Subject, wantSubject)
	}
	if strings.Contains(m.Text, "Ended Police Department") {
		t.Errorf("a subscriber without kinds got the missing agreement:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "Orange County") || strings.Contains(m.HTML, "Orange County") {
		t.Errorf("TX subscriber got the CA change")
	}
	for _, want := range []string{"Harris County Sheriff's Office", "Model:   Task Force", "Feb 10, 2026",
		"https://www.ice.gov/moa/TX.pdf", "https://watch.example.org/agreements/" + harrisID,
		"Signed (moved to participating): Promoted Constable", "https://watch.example.org/agreements/" + signedID,
		"pending since Nov 4, 2025", "signed: May 8, 2025 → Feb 10, 2026", "== TX ==",
		fmt.Sprintf("Everything that changed in ICE's participating list of Feb 13, 2026: https://watch.example.org/snapshots/%d", partSnap)} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{"Harris County Sheriff&#39;s Office", `href="https://www.ice.gov/moa/TX.pdf"`, "style=", "Signed (moved to participating)"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("html body lacks %q", want)
		}
	}
	if strings.Contains(m.HTML, "<img") {
		t.Errorf("html body has an image")
	}
	// The hostile name: escaped in HTML, flattened in text, complete, and
	// nowhere near a header.
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("html body contains a raw <script>")
	}
	if !strings.Contains(m.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("html body lacks the escaped script tag")
	}
	if !strings.Contains(m.Text, "<script>alert(1)</script> Sheriff Bcc: victim@example.org Very Long County") {
		t.Errorf("text body lacks the hostile name on one line")
	}
	if c := strings.Count(m.Text, "Very Long County"); c < 118 {
		t.Errorf("text body truncated the 2,000-character name: %d repeats, want 118", c)
	}
	if len(m.To) != 1 || m.To[0].Address != "tx@example.org" {
		t.Errorf("got To %v, want only tx@example.org", m.To)
	}
	hdr := mp.headers(t, m.ID)
	if len(hdr["Bcc"]) != 0 {
		t.Errorf("got a Bcc header %v", hdr["Bcc"])
	}
	if !strings.HasPrefix(m.MessageID, "watch287g.d") || !strings.HasSuffix(m.MessageID, "@example.org") {
		t.Errorf("got Message-ID %q, want watch287g.d…@example.org", m.MessageID)
	}

	all := mp.byRecipient(t, "all@example.org")
	if len(all) != 1 {
		t.Fatalf("got %d messages to all@, want 1", len(all))
	}
	if !strings.Contains(all[0].Text, "Orange County Sheriff") || !strings.Contains(all[0].Text, "== CA ==") {
		t.Errorf("unfiltered subscriber lacks the CA change")
	}
	if got := len(l.deliveries(t, store.DeliveryPending)); got != 0 {
		t.Errorf("got %d pending deliveries after the drain, want 0", got)
	}

	// A second drain with nothing due sends nothing.
	if err := n.Deliver(context.Background(), at.Add(2*time.Minute)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if got := len(mp.messages(t)); got != 2 {
		t.Errorf("got %d messages after an empty drain, want 2", got)
	}
}

func TestEmailDigestTiming(t *testing.T) {
	mp := startMailpit(t)
	l := newLists(t)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNotifier(t, l.st, Options{
		SMTP: mp.smtp(),
		Subscribers: []Subscriber{{Email: "metro@example.org", Mode: ModeDigest, DigestAt: "07:00", Timezone: "America/Chicago",
			Filter: diff.Filter{States: []string{"TX", "OK"}}}},
	})
	ctx := context.Background()
	day := func(d, h, m int) time.Time { return time.Date(2026, 2, d, h, m, 0, 0, chicago) }

	agency := func(state, name string) sheet.Record { return *rec(state, name, sheet.TaskForce, "2026-02-10") }
	l.add(t, day(12, 18, 0), n.Recipients(), agency("TX", "Harris"))
	l.add(t, day(13, 2, 0), n.Recipients(), agency("OK", "Tulsa"))
	l.add(t, day(13, 3, 0), n.Recipients(), agency("CA", "Orange")) // filtered out

	steps := []struct {
		name string
		now  time.Time
		add  string // a TX agency to add just before this step
		want int    // total messages after the step
	}{
		{"before digest_at", day(13, 6, 59), "", 0},
		{"at digest_at", day(13, 7, 0), "", 1},
		{"later that day with a new change", day(13, 12, 0), "Dallas", 1},
		{"next day at digest_at", day(14, 7, 0), "", 2},
		{"day after, nothing pending", day(15, 7, 30), "", 2},
	}
	for _, s := range steps {
		if s.add != "" {
			l.add(t, s.now.Add(-time.Hour), n.Recipients(), agency("TX", s.add))
		}
		if err := n.Deliver(ctx, s.now.UTC()); err != nil {
			t.Fatalf("%s: Deliver: %v", s.name, err)
		}
		if got := len(mp.messages(t)); got != s.want {
			t.Fatalf("%s: got %d messages, want %d", s.name, got, s.want)
		}
	}
	msgs := mp.byRecipient(t, "metro@example.org")
	var first, second mpMessage
	for _, m := range msgs {
		if strings.Contains(m.Text, "Harris") {
			first = m
		} else {
			second = m
		}
	}
	if !strings.Contains(first.Text, "Tulsa") || strings.Contains(first.Text, "Orange") {
		t.Errorf("first digest: want Harris and Tulsa, not Orange:\n%s", first.Text)
	}
	if !strings.HasPrefix(first.Subject, "287(g) daily digest: 2 new, 0 ended, 0 changed") {
		t.Errorf("got subject %q", first.Subject)
	}
	if !strings.Contains(second.Text, "Dallas") || strings.Contains(second.Text, "Harris") {
		t.Errorf("second digest: want only Dallas:\n%s", second.Text)
	}
}

// TestEmailTLSModes: tls none sends to a server that offers no STARTTLS;
// starttls refuses to send in clear to that server, and the delivery stays
// pending with a backoff.
func TestEmailTLSModes(t *testing.T) {
	mp := startMailpit(t)
	ctx := context.Background()
	at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		tls      string
		wantSent int
	}{{TLSNone, 1}, {TLSStartTLS, 0}} {
		t.Run(tc.tls, func(t *testing.T) {
			l := newLists(t)
			cfg := mp.smtp()
			cfg.TLS = tc.tls
			n := newTestNotifier(t, l.st, Options{SMTP: cfg, Subscribers: []Subscriber{{Email: tc.tls + "@example.org"}}})
			l.add(t, at, n.Recipients(), *rec("TX", "Harris", sheet.TaskForce, "2026-02-10"))
			if err := n.Deliver(ctx, at); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if got := len(l.deliveries(t, store.DeliverySent)); got != tc.wantSent {
				t.Fatalf("got %d sent, want %d", got, tc.wantSent)
			}
			if tc.wantSent == 0 {
				p := l.deliveries(t, store.DeliveryPending)
				if len(p) != 1 || p[0].Attempts != 1 || !p[0].NextAttempt.Equal(at.Add(DefaultRetryBase)) || p[0].LastError == "" {
					t.Fatalf("got %+v, want one pending delivery, 1 attempt, retry at +1m, an error", p)
				}
			}
		})
	}
}

func TestRenderSubject(t *testing.T) {
	tests := []struct {
		name    string
		changes []diff.Change
		want    string
	}{
		{"counts and date", []diff.Change{added("TX", "A"), added("TX", "B"), {Kind: diff.Changed, After: rec("TX", "C", "", ""), AfterPublished: "2026-02-13"}},
			"287(g): 2 new, 0 ended, 1 changed — ICE list of Feb 13, 2026"},
		{"no date", []diff.Change{{Kind: diff.Removed, Before: rec("TX", "A", "", "")}}, "287(g): 0 new, 1 ended, 0 changed"},
		{"bad date is dropped", []diff.Change{{Kind: diff.Removed, Before: rec("TX", "A", "", ""), AfterPublished: "2026-02-13\r\nBcc: x"}}, "287(g): 0 new, 1 ended, 0 changed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := subjectFor("287(g)", tc.changes); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMessageIDStable(t *testing.T) {
	n := newTestNotifier(t, nil, Options{SMTP: SMTP{From: "a <alerts@example.org>"}})
	tests := []struct {
		ids  []uint64
		want string
	}{
		{[]uint64{1042}, "watch287g.d1042@example.org"},
		{[]uint64{1057, 1042, 1050}, "watch287g.d1042-1057.n3@example.org"},
	}
	for _, tc := range tests {
		if got := n.messageID(tc.ids); got != tc.want {
			t.Errorf("messageID(%v): got %q, want %q", tc.ids, got, tc.want)
		}
	}
}
