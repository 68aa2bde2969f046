package notify

import (
	"os"
	"testing"

	"github.com/watch287g/watch287g/internal/mailpittest"
)

// TestMain removes the mailpit this test binary built, if it built one.
func TestMain(m *testing.M) { os.Exit(mailpittest.Main(m)) }

// mailpit is the shared harness (internal/mailpittest) with the SMTP
// settings notify's tests send through.
type mailpit struct{ *mailpittest.Server }

type (
	mpSummary = mailpittest.Summary
	mpMessage = mailpittest.Message
)

// startMailpit runs a fresh mailpit for one test (see mailpittest.Start).
func startMailpit(t *testing.T, extra ...string) *mailpit {
	t.Helper()
	return &mailpit{mailpittest.Start(t, extra...)}
}

func (mp *mailpit) smtp() SMTP {
	return SMTP{Host: "127.0.0.1", Port: mp.SMTPPort, TLS: TLSNone, From: "287(g) watch <alerts@example.org>"}
}

func (mp *mailpit) messages(t *testing.T) []mpSummary { t.Helper(); return mp.Messages(t) }

func (mp *mailpit) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	return mp.Headers(t, id)
}

func (mp *mailpit) byRecipient(t *testing.T, addr string) []mpMessage {
	t.Helper()
	return mp.ByRecipient(t, addr)
}

func (mp *mailpit) waitCount(t *testing.T, n int) { t.Helper(); mp.WaitCount(t, n) }
