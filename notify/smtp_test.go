package notify

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/watch287g/watch287g/store"
	"github.com/wneessen/go-mail"
)

// stalledSMTP greets, reads the client's EHLO and then never answers,
// like a mail server that hangs; it reports each connection once the
// client is waiting on it (past its dial).
func stalledSMTP(t *testing.T) (port int, conns <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				if _, err := c.Write([]byte("220 stalled ESMTP\r\n")); err != nil {
					return
				}
				if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
					return
				}
				ch <- c
			}()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		for {
			select {
			case c := <-ch:
				c.Close()
			default:
				return
			}
		}
	})
	return l.Addr().(*net.TCPAddr).Port, ch
}

// TestSMTPSendHonoursContext: cancelling ctx aborts a send stuck on a
// server that accepted the connection and went quiet; before, only the
// dial honoured ctx and the send waited out its 30 s timeout.
func TestSMTPSendHonoursContext(t *testing.T) {
	for _, mode := range []string{TLSNone} {
		t.Run(mode, func(t *testing.T) {
			port, conns := stalledSMTP(t)
			m := NewSMTPMailer(SMTP{Host: "127.0.0.1", Port: port, TLS: mode, From: "a@example.org"})
			m.Timeout = time.Hour
			msg := mail.NewMsg()
			if err := msg.From("a@example.org"); err != nil {
				t.Fatal(err)
			}
			if err := msg.To("b@example.org"); err != nil {
				t.Fatal(err)
			}
			msg.SetBodyString(mail.TypeTextPlain, "x")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- m.Send(ctx, msg) }()
			select {
			case <-conns: // the client sent EHLO; the server says nothing more
			case err := <-done:
				t.Fatalf("Send returned %v before connecting", err)
			case <-time.After(guard):
				t.Fatal("Send did not connect")
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("got %v, want an error wrapping context.Canceled", err)
				}
			case <-time.After(guard):
				t.Fatal("Send did not return after ctx was cancelled")
			}
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestSMTPTLSAndAuth: implicit TLS and STARTTLS, each with a password,
// against mailpit requiring them: the context-bound dialer keeps TLS and
// PLAIN authentication working.
func TestSMTPTLSAndAuth(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	for _, tc := range []struct {
		mode string
		flag string
	}{{TLSImplicit, "--smtp-require-tls"}, {TLSStartTLS, "--smtp-require-starttls"}} {
		t.Run(tc.mode, func(t *testing.T) {
			mp := startMailpit(t, "--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, tc.flag, "--smtp-auth-accept-any")
			cfg := mp.smtp()
			cfg.TLS, cfg.Username, cfg.Password = tc.mode, "watch", "s3cret"
			mailer := NewSMTPMailer(cfg)
			mailer.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			l := newLists(t)
			n := newTestNotifier(t, l.st, Options{SMTP: cfg, Mailer: mailer, Subscribers: []Subscriber{{Email: tc.mode + "@example.org"}}})
			at := time.Date(2026, 2, 13, 15, 0, 0, 0, time.UTC)
			l.add(t, at, n.Recipients(), agencies("TX", 1)...)
			if err := n.Deliver(context.Background(), at); err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			if p := l.deliveries(t, store.DeliveryPending); len(p) != 0 {
				t.Fatalf("delivery still pending: %s", p[0].LastError)
			}
			mp.waitCount(t, 1)
		})
	}
}
