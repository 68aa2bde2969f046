package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wneessen/go-mail"
)

// Mailer sends one email message; it returns nil only once the server
// accepted it.
type Mailer interface {
	Send(ctx context.Context, m *mail.Msg) error
}

var _ Mailer = (*SMTPMailer)(nil)

// SMTPMailer sends through an SMTP server with go-mail.
type SMTPMailer struct {
	cfg SMTP
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	// Timeout bounds dialing and each SMTP command.
	Timeout time.Duration
}

// NewSMTPMailer returns a mailer for cfg.
func NewSMTPMailer(cfg SMTP) *SMTPMailer {
	return &SMTPMailer{cfg: cfg, Timeout: DefaultSMTPTimeout}
}

// DefaultPort is the SMTP port for a TLS mode when none is configured.
func DefaultPort(tlsMode string) int {
	switch tlsMode {
	case TLSImplicit:
		return 465
	case TLSStartTLS:
		return 587
	}
	return 25
}

// Send dials, sends m and closes: one connection per message, so each
// message is accepted (and then marked sent) on its own.
//
// ctx bounds the whole exchange, not only the dial: the connection is
// closed when ctx ends, so a server that stops answering mid-message
// cannot hold a shutdown for the SMTP timeout. A message cut off that way
// was not accepted; its delivery stays pending and is sent again.
func (s *SMTPMailer) Send(ctx context.Context, m *mail.Msg) error {
	port := s.cfg.Port
	if port == 0 {
		port = DefaultPort(s.cfg.TLS)
	}
	var tlsConfig *tls.Config
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
	} else {
		tlsConfig = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	}
	opts := []mail.Option{mail.WithTimeout(s.Timeout), mail.WithPort(port), mail.WithTLSConfig(tlsConfig)}
	switch s.cfg.TLS {
	case TLSImplicit:
		// The dialer below speaks TLS from the first byte. go-mail is told
		// "opportunistic" rather than WithSSL: it then reads the TLS state
		// off the connection and counts it as encrypted (PLAIN and LOGIN
		// auth stay allowed), and a server on an implicit-TLS port does not
		// offer STARTTLS.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	var mu sync.Mutex
	var stops []func() bool
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, stop := range stops {
			stop()
		}
	}()
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		d := &net.Dialer{Timeout: s.Timeout}
		var conn net.Conn
		var err error
		if s.cfg.TLS == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stop := context.AfterFunc(ctx, func() { conn.Close() })
		mu.Lock()
		stops = append(stops, stop)
		mu.Unlock()
		return conn, nil
	}
	opts = append(opts, mail.WithDialContextFunc(dial))
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client %s:%d: %w", s.cfg.Host, port, err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		if ctx.Err() != nil {
			// The closed connection's error says less than why it closed.
			return fmt.Errorf("smtp %s:%d: %w (%v)", s.cfg.Host, port, ctx.Err(), err)
		}
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, port, err)
	}
	return nil
}

// messageHost is the right-hand side of Message-IDs: the sender's domain.
func (n *Notifier) messageHost() string {
	if n.from != nil {
		if i := strings.LastIndexByte(n.from.Address, '@'); i >= 0 && i+1 < len(n.from.Address) {
			return n.from.Address[i+1:]
		}
	}
	return "watch287g.invalid"
}

// messageID derives the Message-ID from the delivery ids, so a message
// sent again after a crash carries the same id and mail clients and
// servers can recognise the repeat.
func (n *Notifier) messageID(ids []uint64) string {
	switch len(ids) {
	case 0:
		return fmt.Sprintf("watch287g.%d@%s", time.Now().UnixNano(), n.messageHost())
	case 1:
		return fmt.Sprintf("watch287g.d%d@%s", ids[0], n.messageHost())
	}
	lo, hi := ids[0], ids[0]
	for _, id := range ids {
		lo, hi = min(lo, id), max(hi, id)
	}
	return fmt.Sprintf("watch287g.d%d-%d.n%d@%s", lo, hi, len(ids), n.messageHost())
}

// newMsg builds a message. Only the subject and our own addresses reach
// headers, and the subject is stripped of control characters again here.
func (n *Notifier) newMsg(to []string, msg message, id string, date time.Time) (*mail.Msg, error) {
	if n.from == nil {
		return nil, fmt.Errorf("%w: smtp.from is not set", ErrNoChannel)
	}
	m := mail.NewMsg()
	m.FromMailAddress(n.from)
	if err := m.To(to...); err != nil {
		return nil, fmt.Errorf("recipient %v: %w", to, err)
	}
	m.Subject(oneLine(msg.Subject))
	m.SetMessageIDWithValue(id)
	m.SetDateWithValue(date)
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetGenHeader(mail.HeaderUserAgent, n.opt.UserAgent)
	m.SetBodyString(mail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
	return m, nil
}

// send sends one message through the mailer.
func (n *Notifier) send(ctx context.Context, to []string, msg message, id string, date time.Time) error {
	if n.mailer == nil {
		return fmt.Errorf("%w: no smtp.host", ErrNoChannel)
	}
	m, err := n.newMsg(to, msg, id, date)
	if err != nil {
		return err
	}
	return n.mailer.Send(ctx, m)
}
