package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// mailpitBinary finds mailpit on PATH (CI installs it with `go install
// tool`) or builds it once per test binary.
var mailpitBinary = sync.OnceValues(func() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	dir, err := os.MkdirTemp("", "watch287g-mailpit-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "mailpit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/axllent/mailpit").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build mailpit: %v: %s", err, out)
	}
	return bin, nil
})

// mailpit is one running mailpit on loopback.
type mailpit struct {
	smtpPort int
	api      string
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMailpit runs a fresh mailpit for one test, with extra flags.
func startMailpit(t *testing.T, extra ...string) *mailpit {
	t.Helper()
	bin, err := mailpitBinary()
	if err != nil {
		t.Fatalf("mailpit is needed for the email tests (CI installs it with `go install tool`): %v", err)
	}
	dir := t.TempDir()
	smtpPort, httpPort, pop3Port := freePort(t), freePort(t), freePort(t)
	args := append([]string{
		"--smtp", "127.0.0.1:" + strconv.Itoa(smtpPort),
		"--listen", "127.0.0.1:" + strconv.Itoa(httpPort),
		"--pop3", "127.0.0.1:" + strconv.Itoa(pop3Port),
		"--database", filepath.Join(dir, "mailpit.db"),
		"--disable-version-check", "--quiet", "--smtp-disable-rdns",
	}, extra...)
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(dir, "mailpit.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		logf.Close()
	})
	mp := &mailpit{smtpPort: smtpPort, api: "http://127.0.0.1:" + strconv.Itoa(httpPort)}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(mp.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "mailpit.log"))
			t.Fatalf("mailpit exited: %v: %s", err, log)
		case <-time.After(20 * time.Millisecond): // poll interval, not synchronisation
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not answer on %s within 30s", mp.api)
		}
	}
	// The SMTP listener may come up just after the HTTP one.
	for {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(smtpPort))
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit SMTP did not listen on %d: %v", smtpPort, err)
		}
		<-time.After(20 * time.Millisecond)
	}
	return mp
}

func (mp *mailpit) smtp() SMTP {
	return SMTP{Host: "127.0.0.1", Port: mp.smtpPort, TLS: TLSNone, From: "287(g) watch <alerts@example.org>"}
}

type mpAddress struct{ Name, Address string }

type mpSummary struct {
	ID        string
	MessageID string
	Subject   string
	To        []mpAddress
}

type mpMessage struct {
	ID        string
	MessageID string
	Subject   string
	To        []mpAddress
	Text      string
	HTML      string
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// messages lists every message mailpit holds, newest first.
func (mp *mailpit) messages(t *testing.T) []mpSummary {
	t.Helper()
	var out struct {
		Total    int
		Messages []mpSummary
	}
	getJSON(t, mp.api+"/api/v1/messages?limit=1000", &out)
	return out.Messages
}

func (mp *mailpit) message(t *testing.T, id string) mpMessage {
	t.Helper()
	var m mpMessage
	getJSON(t, mp.api+"/api/v1/message/"+id, &m)
	return m
}

func (mp *mailpit) headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	getJSON(t, mp.api+"/api/v1/message/"+id+"/headers", &h)
	return h
}

// byRecipient returns the full messages addressed to addr.
func (mp *mailpit) byRecipient(t *testing.T, addr string) []mpMessage {
	t.Helper()
	var out []mpMessage
	for _, s := range mp.messages(t) {
		for _, to := range s.To {
			if to.Address == addr {
				out = append(out, mp.message(t, s.ID))
			}
		}
	}
	return out
}

// waitCount waits until mailpit holds n messages. SMTP acceptance happens
// before mailpit stores the message, so the API can lag by a moment.
func (mp *mailpit) waitCount(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if got := len(mp.messages(t)); got >= n {
			if got > n {
				t.Fatalf("got %d messages, want %d", got, n)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("got %d messages after 10s, want %d", len(mp.messages(t)), n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
