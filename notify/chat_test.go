package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/sheet"
	"github.com/watch287g/watch287g/store"
)

// chatReceiver records every body posted to it.
type chatReceiver struct {
	mu     sync.Mutex
	bodies [][]byte
	fail   bool
}

func (c *chatReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	c.bodies = append(c.bodies, b)
	w.WriteHeader(http.StatusOK)
}

func (c *chatReceiver) posted() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.bodies...)
}

// teamsPayload is the Workflows message shape Teams accepts.
type teamsPayload struct {
	Type        string `json:"type"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"body"`
			Actions []struct {
				Type, Title, URL string
			} `json:"actions"`
		} `json:"content"`
	} `json:"attachments"`
}

// TestChatWebhooks: a slack and a teams endpoint each get one message per
// published list (two lists in one cycle: two messages), grouped by state,
// with values from the files kept as text; a json endpoint beside them
// still gets one signed delivery per change.
func TestChatWebhooks(t *testing.T) {
	slack, teams, jsonR := &chatReceiver{}, &chatReceiver{}, &chatReceiver{}
	var urls []string
	for _, h := range []http.Handler{slack, teams, jsonR} {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Webhooks: []Webhook{
		{URL: urls[0] + "/slack", Format: FormatSlack},
		{URL: urls[1] + "/teams", Format: FormatTeams},
		{URL: urls[2] + "/json", Secret: "k"},
	}})
	at := time.Date(2026, 2, 27, 15, 0, 0, 0, time.UTC)
	base := *rec("WY", "Baseline County Sheriff", sheet.JailEnforcement, "2020-01-01")
	gone := *rec("MD", "Frederick County Sheriff", sheet.JailEnforcement, "2019-06-01")
	l.commit(t, at.Add(-time.Hour), nil,
		file{sheet.Participating, "2026-02-17", []sheet.Record{base, gone}},
		file{sheet.Pending, "2026-02-17", []sheet.Record{*rec("OK", "Tulsa Police", sheet.TaskForce, "")}})
	evil := *rec("TX", "<!channel> *Harris* [x](http://evil.example) County", sheet.TaskForce, "2026-02-20")
	changes := l.commit(t, at, n.Recipients(),
		file{sheet.Participating, "2026-02-27", []sheet.Record{base, evil, *rec("TX", "Travis County", sheet.WarrantServiceOfficer, "2026-02-21")}},
		file{sheet.Pending, "2026-02-27", []sheet.Record{*rec("OK", "Tulsa Police", sheet.TaskForce, ""), *rec("FL", "Pasco Police", sheet.TaskForce, "")}})
	if len(changes) != 4 {
		t.Fatalf("fixture: got %d changes, want 4 (2 added, 1 removed participating; 1 added pending)", len(changes))
	}
	if err := n.Deliver(context.Background(), at); err != nil {
		t.Fatal(err)
	}

	t.Run("slack", func(t *testing.T) {
		got := slack.posted()
		if len(got) != 2 {
			t.Fatalf("got %d messages, want 2 (one per list)", len(got))
		}
		var msg map[string]string
		if err := json.Unmarshal(got[0], &msg); err != nil || len(msg) != 1 {
			t.Fatalf("got %s (err %v), want {\"text\": …} only", got[0], err)
		}
		text := msg["text"]
		for _, want := range []string{"2 new, 0 ended", "1 missing", "*MD*", "*TX*", "Missing: Frederick County Sheriff",
			"&lt;!channel&gt;", "<https://watch.example.org/snapshots/"} {
			if !strings.Contains(text, want) {
				t.Errorf("participating message: missing %q in\n%s", want, text)
			}
		}
		if strings.Contains(text, "<!channel>") || strings.Contains(text, "<http://evil") {
			t.Errorf("participating message: a value from the file became markup:\n%s", text)
		}
		if md, tx := strings.Index(text, "*MD*"), strings.Index(text, "*TX*"); md > tx {
			t.Errorf("states out of order: MD at %d, TX at %d", md, tx)
		}
		var pend map[string]string
		if err := json.Unmarshal(got[1], &pend); err != nil || !strings.Contains(pend["text"], "Pasco Police") {
			t.Errorf("pending message: got %s, want Pasco", got[1])
		}
	})
	t.Run("teams", func(t *testing.T) {
		got := teams.posted()
		if len(got) != 2 {
			t.Fatalf("got %d messages, want 2 (one per list)", len(got))
		}
		var p teamsPayload
		if err := json.Unmarshal(got[0], &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "message" || len(p.Attachments) != 1 || p.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
			p.Attachments[0].Content.Type != "AdaptiveCard" || p.Attachments[0].Content.Version != "1.4" {
			t.Fatalf("got %s, want a Workflows message with one Adaptive Card 1.4", got[0])
		}
		var all []string
		for _, b := range p.Attachments[0].Content.Body {
			if b.Type != "TextBlock" {
				t.Errorf("got body element %q, want TextBlock", b.Type)
			}
			all = append(all, b.Text)
		}
		text := strings.Join(all, "\n")
		for _, want := range []string{"MD", "TX", "Frederick County Sheriff", `\*Harris\*`, `\[x\]\(http://evil\.example\)`} {
			if !strings.Contains(text, want) {
				t.Errorf("card: missing %q in\n%s", want, text)
			}
		}
		if a := p.Attachments[0].Content.Actions; len(a) != 1 || !strings.HasPrefix(a[0].URL, "https://watch.example.org/snapshots/") {
			t.Errorf("card: got actions %+v, want a link to the list page", a)
		}
	})
	t.Run("json stays one per change", func(t *testing.T) {
		if got := jsonR.posted(); len(got) != 4 {
			t.Errorf("got %d posts, want 4", len(got))
		}
	})
	if p := l.deliveries(t, store.DeliveryPending); len(p) != 0 {
		t.Errorf("got %d pending deliveries, want all sent", len(p))
	}
}

// TestChatWebhookRetriesTogether: a refused chat message leaves every
// delivery of its list pending, and the retry sends one message again.
func TestChatWebhookRetriesTogether(t *testing.T) {
	r := &chatReceiver{fail: true}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	l := newLists(t)
	n := newTestNotifier(t, l.st, Options{Webhooks: []Webhook{{URL: srv.URL, Format: FormatSlack}}})
	at := time.Date(2026, 2, 27, 15, 0, 0, 0, time.UTC)
	l.add(t, at, n.Recipients(), agencies("TX", 3)...)
	if err := n.Deliver(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	if p := l.deliveries(t, store.DeliveryPending); len(p) != 3 || p[0].Attempts != 1 {
		t.Fatalf("got %d pending (attempts %d), want 3 after one failed message", len(p), p[0].Attempts)
	}
	r.mu.Lock()
	r.fail = false
	r.mu.Unlock()
	if err := n.Deliver(context.Background(), at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := r.posted(); len(got) != 1 {
		t.Errorf("got %d messages, want 1", len(got))
	}
	if s := l.deliveries(t, store.DeliverySent); len(s) != 3 {
		t.Errorf("got %d sent, want 3", len(s))
	}
}

func TestValidFormat(t *testing.T) {
	for _, tc := range []struct {
		f    string
		want bool
	}{{"", true}, {"json", true}, {"slack", true}, {"teams", true}, {"Slack", false}, {"discord", false}} {
		if got := ValidFormat(tc.f); got != tc.want {
			t.Errorf("ValidFormat(%q): got %v, want %v", tc.f, got, tc.want)
		}
	}
}

// TestChatMessageSize: a list of hostile, very long names still makes
// one message within Slack's 40,000 characters and Teams' 28 KB.
func TestChatMessageSize(t *testing.T) {
	n := newTestNotifier(t, newLists(t).st, Options{})
	var changes []diff.Change
	for i := range 200 {
		changes = append(changes, added("TX", fmt.Sprintf("%03d %s", i, hostile)))
	}
	for _, f := range []string{FormatSlack, FormatTeams} {
		b, err := n.chatBody(f, 7, changes)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 28000 {
			t.Errorf("%s: got %d bytes, want at most 28,000", f, len(b))
		}
		if !strings.Contains(string(b), "160 more") {
			t.Errorf("%s: want the changes past %d counted", f, maxChatItems)
		}
	}
}
