package notify

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/store"
)

// Webhook formats.
const (
	// FormatJSON: one signed ChangePayload per change (the default).
	FormatJSON = "json"
	// FormatSlack: one Slack incoming-webhook message ({"text": …}) per
	// published list.
	FormatSlack = "slack"
	// FormatTeams: one Microsoft Teams Workflows message carrying an
	// Adaptive Card per published list.
	FormatTeams = "teams"
)

// Formats lists the valid webhook formats, for configuration errors.
var Formats = []string{FormatJSON, FormatSlack, FormatTeams}

// IsChat reports whether format posts chat messages (one per list).
func IsChat(format string) bool { return format == FormatSlack || format == FormatTeams }

// ValidFormat reports whether format is a webhook format ("" is json).
func ValidFormat(format string) bool { return format == "" || slices.Contains(Formats, format) }

// maxChatItems caps the changes one chat message lists; the rest are
// counted and linked (the list's page has them all). Slack cuts a message
// at 40,000 characters and Teams refuses cards over about 28 KB.
const maxChatItems = 40

// deliverChat posts one message per published list to a chat webhook:
// the due changes grouped by the snapshot that brought them, each message
// grouped by state like the email. A message's deliveries are sent or
// failed together.
func (n *Notifier) deliverChat(ctx context.Context, hook Webhook, ds []store.Delivery, now time.Time) error {
	type group struct {
		snapshot uint64
		changes  []diff.Change
		ds       []store.Delivery
	}
	var groups []*group
	bySnap := map[uint64]*group{}
	for _, d := range ds {
		ch, ok, err := n.changeOf(ctx, d, now)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		g := bySnap[ch.AfterSnapshot]
		if g == nil {
			g = &group{snapshot: ch.AfterSnapshot}
			bySnap[ch.AfterSnapshot] = g
			groups = append(groups, g)
		}
		g.changes = append(g.changes, ch)
		g.ds = append(g.ds, d)
	}
	for _, g := range groups {
		if err := ctx.Err(); err != nil {
			return err
		}
		body, err := n.chatBody(hook.Format, g.snapshot, g.changes)
		if err == nil {
			ids := make([]string, len(g.ds))
			for i, d := range g.ds {
				ids[i] = strconv.FormatUint(d.ID, 10)
			}
			err = n.post(ctx, hook.URL, hook.Secret, "changes.list", strings.Join(ids, ","), body)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			for _, d := range g.ds {
				if ferr := n.fail(ctx, d, err, now, n.opt.WebhookMaxAge); ferr != nil {
					return ferr
				}
			}
			continue
		}
		ids := make([]uint64, len(g.ds))
		for i, d := range g.ds {
			ids[i] = d.ID
		}
		n.log.Info("chat message delivered", "url", shownRecipient(hook.URL), "format", hook.Format,
			"snapshot", g.snapshot, "deliveries", len(ids))
		if err := n.markSent(ctx, ids, now); err != nil {
			return err
		}
	}
	return nil
}

// chatView is one list's changes as a chat message shows them.
type chatView struct {
	Subject string
	States  []stateGroup
	// More counts changes left out past maxChatItems.
	More int
	// ListPage is the web page of the list (empty without a public URL).
	ListPage string
}

func (n *Notifier) chatView(snapshot uint64, changes []diff.Change) chatView {
	v := chatView{Subject: subjectFor("287(g)", changes)}
	if n.opt.PublicURL != "" && snapshot != 0 {
		v.ListPage = n.opt.PublicURL + "/snapshots/" + strconv.FormatUint(snapshot, 10)
	}
	byState := map[string][]item{}
	for _, ch := range changes {
		it := n.itemFor(ch)
		byState[it.state] = append(byState[it.state], it)
	}
	states := make([]string, 0, len(byState))
	for s := range byState {
		states = append(states, s)
	}
	slices.SortFunc(states, func(a, b string) int {
		if (a == "") != (b == "") {
			if a == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a, b)
	})
	shown := 0
	for _, s := range states {
		items := byState[s]
		for i := range items {
			clipItem(&items[i])
		}
		slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.Agency, b.Agency) })
		if room := maxChatItems - shown; len(items) > room {
			v.More += len(items) - room
			items = items[:room]
		}
		shown += len(items)
		if len(items) > 0 {
			v.States = append(v.States, stateGroup{Name: stateName(s), Items: items})
		}
	}
	return v
}

// maxChatValue caps one value in a chat message (an agency name runs to
// a few dozen characters; a cell of thousands would push the message past
// the chat service's limit and lose it whole).
const maxChatValue = 300

// clip shortens s to at most max runes, marking the cut with "…".
func clip(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}

func clipItem(it *item) {
	it.Agency, it.Type, it.Note = clip(it.Agency, maxChatValue), clip(it.Type, maxChatValue), clip(it.Note, maxChatValue)
	for i := range it.Fields {
		f := &it.Fields[i]
		f.Old, f.New = clip(f.Old, maxChatValue), clip(f.New, maxChatValue)
	}
}

// chatBody renders the message for format.
func (n *Notifier) chatBody(format string, snapshot uint64, changes []diff.Change) ([]byte, error) {
	v := n.chatView(snapshot, changes)
	var payload any
	switch format {
	case FormatSlack:
		payload = map[string]string{"text": slackText(v)}
	case FormatTeams:
		payload = teamsMessage(v)
	default:
		return nil, fmt.Errorf("notify: %q is not a chat format", format)
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("notify: marshal %s message: %w", format, err)
	}
	return b, nil
}

// slackEscape makes s plain text in Slack's mrkdwn: &, < and > escaped as
// Slack asks, so a value from ICE's files can neither link nor mention
// anyone (<!channel>). Slack has no escape for * _ ~; a stray one in an
// agency name may embolden a few words, which changes nothing a reader
// relies on.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(oneLine(s))
}

// slackLink is a link in mrkdwn; the URL was checked by escape.LinkURL and has
// its |, < and > escaped so it cannot close the link early.
func slackLink(u, text string) string {
	u = strings.NewReplacer("|", "%7C", "<", "%3C", ">", "%3E").Replace(u)
	return "<" + u + "|" + text + ">"
}

func slackText(v chatView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*\n", slackEscape(v.Subject))
	for _, g := range v.States {
		fmt.Fprintf(&b, "\n*%s*\n", slackEscape(g.Name))
		for _, it := range g.Items {
			fmt.Fprintf(&b, "• %s: %s", slackEscape(it.Headline), slackEscape(it.Agency))
			var bits []string
			for _, s := range []string{it.Model, it.List} {
				if s != "" {
					bits = append(bits, slackEscape(s))
				}
			}
			if it.Signed != "" {
				bits = append(bits, "signed "+slackEscape(it.Signed))
			}
			if len(bits) > 0 {
				b.WriteString(" (" + strings.Join(bits, ", ") + ")")
			}
			if it.Note != "" {
				b.WriteString(" — " + slackEscape(it.Note))
			}
			for _, f := range it.Fields {
				fmt.Fprintf(&b, "\n    %s: %s → %s", slackEscape(f.Field), slackEscape(orNone(f.Old)), slackEscape(orNone(f.New)))
			}
			if it.Page != "" {
				b.WriteString(" " + slackLink(it.Page, "page"))
			}
			b.WriteString("\n")
		}
	}
	if v.More > 0 {
		fmt.Fprintf(&b, "\n…and %d more", v.More)
		if v.ListPage == "" {
			b.WriteString(".\n")
		}
	}
	if v.ListPage != "" {
		if v.More == 0 {
			b.WriteString("\n")
		}
		b.WriteString(" " + slackLink(v.ListPage, "Everything this list changed") + "\n")
	}
	return b.String()
}

// Adaptive Card pieces (schema 1.4), the ones the message uses.
type teamsEnvelope struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string    `json:"contentType"`
	ContentURL  *string   `json:"contentUrl"`
	Content     teamsCard `json:"content"`
}

type teamsCard struct {
	Schema  string           `json:"$schema"`
	Type    string           `json:"type"`
	Version string           `json:"version"`
	Body    []teamsTextBlock `json:"body"`
	Actions []teamsAction    `json:"actions,omitempty"`
	MSTeams map[string]any   `json:"msteams,omitempty"`
}

type teamsTextBlock struct {
	Type      string `json:"type"`
	Text      string `json:"text"`
	Wrap      bool   `json:"wrap"`
	Weight    string `json:"weight,omitempty"`
	Size      string `json:"size,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	IsSubtle  bool   `json:"isSubtle,omitempty"`
	Separator bool   `json:"separator,omitempty"`
}

type teamsAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// teamsEscape keeps a value plain text in a TextBlock, which reads a
// subset of Markdown: the characters that start formatting, links or
// lists are backslash-escaped.
func teamsEscape(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()#+-.!<>|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func teamsMessage(v chatView) teamsEnvelope {
	card := teamsCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
		MSTeams: map[string]any{"width": "Full"}}
	text := func(s string) teamsTextBlock { return teamsTextBlock{Type: "TextBlock", Text: s, Wrap: true} }
	head := text(teamsEscape(v.Subject))
	head.Weight, head.Size = "Bolder", "Medium"
	card.Body = append(card.Body, head)
	for _, g := range v.States {
		h := text(teamsEscape(g.Name))
		h.Weight, h.Spacing, h.Separator = "Bolder", "Medium", true
		card.Body = append(card.Body, h)
		for _, it := range g.Items {
			line := "**" + teamsEscape(it.Headline) + ":** " + teamsEscape(it.Agency)
			var bits []string
			for _, s := range []string{it.Model, it.List} {
				if s != "" {
					bits = append(bits, teamsEscape(s))
				}
			}
			if it.Signed != "" {
				bits = append(bits, "signed "+teamsEscape(it.Signed))
			}
			if len(bits) > 0 {
				line += " (" + strings.Join(bits, ", ") + ")"
			}
			if it.Note != "" {
				line += " — " + teamsEscape(it.Note)
			}
			for _, f := range it.Fields {
				line += "\n\n" + teamsEscape(f.Field) + ": " + teamsEscape(orNone(f.Old)) + " → " + teamsEscape(orNone(f.New))
			}
			if it.Page != "" {
				line += " [page](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(it.Page) + ")"
			}
			card.Body = append(card.Body, text(line))
		}
	}
	if v.More > 0 {
		m := text(fmt.Sprintf("…and %d more.", v.More))
		m.IsSubtle = true
		card.Body = append(card.Body, m)
	}
	if v.ListPage != "" {
		card.Actions = append(card.Actions, teamsAction{Type: "Action.OpenUrl", Title: "Everything this list changed", URL: v.ListPage})
	}
	return teamsEnvelope{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}}
}
