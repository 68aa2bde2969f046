// Package mailpittest runs a real mailpit on loopback for tests that
// check what subscribers receive, and reads its messages back through
// mailpit's API. It is the harness of notify's tests, shared so that
// end-to-end tests (cmd/watch287g) use the same one.
package mailpittest

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// builtDir holds the mailpit this test binary built, if it built one;
// Main removes it.
var builtDir string

// binary finds mailpit on PATH or in GOBIN/GOPATH (CI installs it with
// `go install tool`), or builds it once per test binary into a temporary
// directory that Main removes.
var binary = sync.OnceValues(func() (string, error) {
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		for _, dir := range strings.Fields(string(out)) {
			for _, p := range []string{filepath.Join(dir, "mailpit"), filepath.Join(dir, "bin", "mailpit")} {
				if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
					return p, nil
				}
			}
		}
	}
	dir, err := os.MkdirTemp("", "watch287g-mailpit-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "mailpit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/axllent/mailpit").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build mailpit: %v: %s", err, out)
	}
	return bin, nil
})

// Main runs the tests and removes the mailpit they built, if any: call it
// from TestMain as os.Exit(mailpittest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	return code
}

// Server is one running mailpit on loopback.
type Server struct {
	// SMTPPort is where it accepts mail; API is its HTTP API's base URL.
	SMTPPort int
	API      string
}

// Start runs a fresh mailpit for one test, with extra flags; the
// process is killed and waited for when the test ends. It binds port 0
// and finds the ports it got from /proc, so no port is ever chosen,
// closed and then reused (another process could take it in between).
// Where /proc is missing it falls back to chosen ports, retried on a bind
// failure, and checks that the API answering is this mailpit's.
func Start(t *testing.T, extra ...string) *Server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatalf("mailpit is needed for the email tests (CI installs it with `go install tool`): %v", err)
	}
	_, procErr := os.Stat("/proc/self/net/tcp")
	for attempt := 1; ; attempt++ {
		smtpAddr, httpAddr := "127.0.0.1:0", "127.0.0.1:0"
		if procErr != nil {
			smtpAddr, httpAddr = "127.0.0.1:"+strconv.Itoa(freePort(t)), "127.0.0.1:"+strconv.Itoa(freePort(t))
		}
		mp, retry := runMailpit(t, bin, smtpAddr, httpAddr, procErr == nil, extra)
		if mp != nil {
			return mp
		}
		if !retry || attempt == 5 {
			t.Fatalf("mailpit did not start (attempt %d)", attempt)
		}
	}
}

// freePort is the fallback where /proc is missing: a port free a moment
// ago (runMailpit retries when it was taken since).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// runMailpit starts one mailpit; it returns nil and whether to retry when
// it did not come up.
func runMailpit(t *testing.T, bin, smtpAddr, httpAddr string, useProc bool, extra []string) (*Server, bool) {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "mailpit.db")
	args := append([]string{
		"--smtp", smtpAddr, "--listen", httpAddr, "--pop3", "",
		"--database", db, "--disable-version-check", "--quiet", "--smtp-disable-rdns",
	}, extra...)
	cmd := exec.Command(bin, args...)
	logPath := filepath.Join(dir, "mailpit.log")
	logf, err := os.Create(logPath)
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond) // poll interval, not synchronisation
	defer tick.Stop()
	for {
		mp := &Server{}
		if useProc {
			if ports, err := listeningPorts(cmd.Process.Pid); err == nil && len(ports) == 2 {
				for i, p := range ports {
					if isMailpitAPI(p, db) {
						mp.API, mp.SMTPPort = "http://127.0.0.1:"+strconv.Itoa(p), ports[1-i]
					}
				}
			}
		} else if _, port, _ := net.SplitHostPort(httpAddr); isMailpitAPI(atoi(port), db) {
			_, sp, _ := net.SplitHostPort(smtpAddr)
			mp.API, mp.SMTPPort = "http://"+httpAddr, atoi(sp)
		}
		if mp.API != "" && smtpReady(mp.SMTPPort, slices.Contains(extra, "--smtp-require-tls")) {
			return mp, false
		}
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			log, _ := os.ReadFile(logPath)
			t.Logf("mailpit exited: %v: %s", err, log)
			return nil, strings.Contains(string(log), "address already in use")
		case <-ctx.Done():
			log, _ := os.ReadFile(logPath)
			t.Fatalf("mailpit did not come up within 30s: %s", log)
		case <-tick.C:
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// listeningPorts returns the loopback TCP ports process pid listens on:
// its socket inodes matched against the kernel's TCP table.
func listeningPorts(pid int) ([]int, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return nil, err
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return nil, err
	}
	var ports []int
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
			continue
		}
		_, hexPort, _ := strings.Cut(f[1], ":")
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err == nil {
			ports = append(ports, int(p))
		}
	}
	return ports, nil
}

// isMailpitAPI reports whether port answers as the mailpit whose database
// is db, not some other server that took the port.
func isMailpitAPI(port int, db string) bool {
	if port == 0 {
		return false
	}
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/api/v1/info")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var info struct{ Database string }
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&info) == nil && info.Database == db
}

// smtpReady reports whether port greets as an SMTP server (over TLS from
// the first byte when implicitTLS; the test's own certificate is not
// checked here, only that the server answers).
func smtpReady(port int, implicitTLS bool) bool {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var c net.Conn
	var err error
	if implicitTLS {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	} else {
		c, err = net.DialTimeout("tcp", addr, time.Second)
	}
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	return strings.HasPrefix(string(buf[:n]), "220 ")
}

type Address struct{ Name, Address string }

type Summary struct {
	ID        string
	MessageID string
	Subject   string
	To        []Address
}

type Message struct {
	ID        string
	MessageID string
	Subject   string
	To        []Address
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

// Messages lists every message mailpit holds, newest first.
func (mp *Server) Messages(t *testing.T) []Summary {
	t.Helper()
	var out struct {
		Total    int
		Messages []Summary
	}
	getJSON(t, mp.API+"/api/v1/messages?limit=1000", &out)
	return out.Messages
}

func (mp *Server) Message(t *testing.T, id string) Message {
	t.Helper()
	var m Message
	getJSON(t, mp.API+"/api/v1/message/"+id, &m)
	return m
}

func (mp *Server) Headers(t *testing.T, id string) map[string][]string {
	t.Helper()
	var h map[string][]string
	getJSON(t, mp.API+"/api/v1/message/"+id+"/headers", &h)
	return h
}

// ByRecipient returns the full messages addressed to addr.
func (mp *Server) ByRecipient(t *testing.T, addr string) []Message {
	t.Helper()
	var out []Message
	for _, s := range mp.Messages(t) {
		for _, to := range s.To {
			if to.Address == addr {
				out = append(out, mp.Message(t, s.ID))
			}
		}
	}
	return out
}

// WaitCount waits until mailpit holds n messages. SMTP acceptance happens
// before mailpit stores the message, so the API can lag by a moment.
func (mp *Server) WaitCount(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		if got := len(mp.Messages(t)); got >= n {
			if got > n {
				t.Fatalf("got %d messages, want %d", got, n)
			}
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("got %d messages after 10s, want %d", len(mp.Messages(t)), n)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
