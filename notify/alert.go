package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/watch287g/watch287g/diff"
	"github.com/watch287g/watch287g/internal/escape"
	"github.com/watch287g/watch287g/store"
)

// Every word an operator reads in an alert is written in this file. The
// store raises quarantine alerts as data (store.Alert's fields) and leaves
// the wording here; the alerts notify raises itself get their words here
// too, when they are raised, because what they report (a streak, the last
// error) is known only then.

// maxSubject caps an alert's subject: a quarantine alert can quote a file
// name of any length.
const maxSubject = 200

// fetchFailingAlert: streak cycles in a row failed, the first at since.
func fetchFailingAlert(streak int, since string, last error) store.Alert {
	return store.Alert{
		Kind:    store.AlertFetchFailing,
		Subject: fmt.Sprintf("fetch cycles failed %d times in a row", streak),
		Body: fmt.Sprintf("The last %d fetch cycles failed (the first at %s): either ICE's page could not be fetched\n"+
			"or what was fetched could not be stored.\nLast error: %s\n\n"+
			"You will hear again when a cycle succeeds.\n", streak, since, escape.RedactURL(last.Error())),
	}
}

// recoveredAlert: a cycle succeeded at now after streak failures since.
func recoveredAlert(streak int, since string, now time.Time) store.Alert {
	return store.Alert{
		Kind:    store.AlertRecovered,
		Subject: fmt.Sprintf("fetch cycles work again after %d failures", streak),
		Body: fmt.Sprintf("A fetch cycle succeeded at %s after %d consecutive failures since %s.\n",
			now.UTC().Format(time.RFC3339), streak, since),
	}
}

// staleAlert: the last successful fetch is older than after.
func staleAlert(lastSuccess, now time.Time, after time.Duration) store.Alert {
	return store.Alert{
		Kind:    store.AlertStale,
		Subject: fmt.Sprintf("no successful fetch for %s", now.Sub(lastSuccess).Round(time.Minute)),
		Body: fmt.Sprintf("The last successful fetch was at %s, more than %s ago. /healthz answers 503.\n",
			lastSuccess.UTC().Format(time.RFC3339), after),
	}
}

// deadDeliveryAlert: d failed for the last time with errText (already
// redacted).
func deadDeliveryAlert(d store.Delivery, errText string) store.Alert {
	what := fmt.Sprintf("change %d", d.ChangeID)
	if d.Alert != nil {
		what = fmt.Sprintf("a %s alert", d.Alert.Kind)
	}
	return store.Alert{
		Kind:    store.AlertDeadDelivery,
		Subject: fmt.Sprintf("delivery %d is dead after %d attempts", d.ID, d.Attempts+1),
		Body: fmt.Sprintf("Delivery %d to %s (%s), created %s, failed %d times and will not be retried.\n"+
			"Last error: %s\n\nFix the receiver, then run: watch287g outbox retry %d\n",
			d.ID, shownRecipient(d.Recipient), what, d.CreatedAt.UTC().Format(time.RFC3339), d.Attempts+1, errText, d.ID),
	}
}

// alertWords returns an alert's subject and body. Alerts raised with their
// words (and quarantine alerts written by an older store) keep them; a
// quarantine alert raised as data is worded from its fields.
func alertWords(a *store.Alert) (subject, body string) {
	subject, body = a.Subject, a.Body
	if subject == "" && a.Kind == store.AlertQuarantine {
		subject, body = quarantineWords(a)
	}
	if subject == "" {
		subject = "operator alert: " + string(a.Kind)
	}
	subject = oneLine(subject)
	if len(subject) > maxSubject {
		subject = strings.ToValidUTF8(subject[:maxSubject], "")
	}
	return subject, body
}

// quarantineWords explains a held-back snapshot and how to release it. The
// file name and source come from ICE's page: flattened and redacted.
func quarantineWords(a *store.Alert) (subject, body string) {
	list := string(a.List)
	if list == "" {
		list = "unreadable"
	}
	name := oneLine(a.FileName)
	var why string
	switch a.Reason {
	case string(diff.GuardDrops):
		why = fmt.Sprintf("it drops %d of the %d agreements", a.Dropped, a.Previous)
	case string(diff.GuardParticipatingAsPending):
		why = "read as the pending list, but most of its agreements are participating agreements"
	case store.ReasonUnreadable:
		why = "its header was not recognised"
	default:
		why = "it looks broken"
	}
	subject = fmt.Sprintf("held back %s snapshot %d: %s (%s)", list, a.SnapshotID, why, name)

	var b strings.Builder
	fmt.Fprintf(&b, "watch287g archived a file but did not compare or announce it: %s.\n\n", why)
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%-12s %s\n", label+":", value)
		}
	}
	line("Snapshot", fmt.Sprint(a.SnapshotID))
	line("List", list)
	line("File", name)
	line("Source", escape.RedactURL(oneLine(a.SourceURL)))
	line("Published", oneLine(a.Published))
	line("SHA-256", a.SHA256)
	line("Records", fmt.Sprint(a.Records))
	line("Agreements", fmt.Sprint(a.Agreements))
	if a.Reason == string(diff.GuardDrops) {
		line("Dropped", fmt.Sprintf("%d of %d (snapshot %d)", a.Dropped, a.Previous, a.PreviousSnapshot))
	}
	line("Reason", oneLine(a.Detail))
	b.WriteString("\n")
	if a.Acceptable {
		fmt.Fprintf(&b, "If the file is genuine, release it with:\n\n    watch287g accept %d\n", a.SnapshotID)
	} else {
		b.WriteString("Its header was not recognised, so it cannot be accepted; check the file (watch287g parse) and the reader.\n")
	}
	return subject, b.String()
}

// alertMessage renders an alert delivery as an email.
func alertMessage(d store.Delivery) message {
	subject, body := alertWords(d.Alert)
	text := fmt.Sprintf("%s\n\n%s\n-- \nwatch287g operator alert (%s), raised %s, delivery %d\n",
		subject, strings.TrimRight(body, "\n")+"\n", d.Alert.Kind, d.CreatedAt.UTC().Format(time.RFC3339), d.ID)
	return message{Subject: "[watch287g] " + subject, Text: text}
}
