// Package mailer sends orderbridge's email (problem notifications,
// password reset links) through an SMTP server, with
// github.com/wneessen/go-mail. It is the one mail path: whatever sends
// mail gets a *Sender.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLS modes of an SMTP URL's tls parameter.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no TLS: a relay on the same host or network only
)

// Settings is where and how mail goes, read from an SMTP URL by Parse.
type Settings struct {
	Host               string
	Port               int
	Username, Password string
	// From is the sender's address.
	From string
	// TLS is TLSStartTLS, TLSImplicit or TLSNone.
	TLS string
}

// Parse reads an SMTP URL:
// smtp://user:password@host:587?from=orderbridge%40example.com&tls=starttls.
// tls is starttls (the default), tls or none; the port defaults to 587
// (465 with tls=tls); from is required. Errors never show the password.
func Parse(raw string) (Settings, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Settings{}, errors.New("mailer: the SMTP URL does not parse (want smtp://user:password@host:587?from=...)")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return Settings{}, fmt.Errorf("mailer: the SMTP URL's scheme is %q, want smtp", u.Scheme)
	}
	s := Settings{Host: u.Hostname(), TLS: TLSStartTLS}
	if u.Scheme == "smtps" {
		s.TLS = TLSImplicit
	}
	if s.Host == "" {
		return Settings{}, errors.New("mailer: the SMTP URL has no host")
	}
	q := u.Query()
	if v := q.Get("tls"); v != "" {
		s.TLS = strings.ToLower(v)
	}
	switch s.TLS {
	case TLSStartTLS, TLSNone:
		s.Port = 587
	case TLSImplicit:
		s.Port = 465
	default:
		return Settings{}, fmt.Errorf("mailer: the SMTP URL's tls=%q is not starttls, tls or none", s.TLS)
	}
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil || s.Port <= 0 || s.Port > 65535 {
			return Settings{}, fmt.Errorf("mailer: the SMTP URL's port %q is not a port", p)
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	s.From = q.Get("from")
	if a, err := mail.ParseAddress(s.From); err != nil || a.Address != s.From {
		return Settings{}, fmt.Errorf("mailer: the SMTP URL's from=%q is not an email address (URL-encode @ as %%40)", s.From)
	}
	return s, nil
}

// Redacted is the settings for logs and pages: never the password.
func (s Settings) Redacted() string {
	user := ""
	if s.Username != "" {
		user = s.Username + "@"
	}
	return fmt.Sprintf("smtp://%s%s:%d (tls=%s, from %s)", user, s.Host, s.Port, s.TLS, s.From)
}

// Message is one mail to one person, as plain text.
type Message struct {
	To      string
	Subject string
	Body    string
	// ID, when set, makes the Message-ID header (<ID@orderbridge>): the
	// same mail sent again carries the same id, which mail clients use to
	// show it once.
	ID string
}

// Sender sends mail through one SMTP server.
type Sender struct {
	s   Settings
	log *slog.Logger
	// Timeout bounds one connection's dial and commands.
	timeout time.Duration
}

// New returns a Sender for s; logger may be nil.
func New(s Settings, logger *slog.Logger) *Sender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sender{s: s, log: logger, timeout: 30 * time.Second}
}

// Settings returns where the sender sends.
func (m *Sender) Settings() Settings { return m.s }

// Send sends msg. An error means the SMTP server did not take it.
func (m *Sender) Send(ctx context.Context, msg Message) error {
	g := gomail.NewMsg()
	if err := g.From(m.s.From); err != nil {
		return fmt.Errorf("mailer: from: %w", err)
	}
	if err := g.To(msg.To); err != nil {
		return fmt.Errorf("mailer: to: %w", err)
	}
	g.Subject(msg.Subject)
	g.SetDate()
	if msg.ID != "" {
		g.SetMessageIDWithValue(msg.ID + "@orderbridge")
	} else {
		g.SetMessageID()
	}
	g.SetBodyString(gomail.TypeTextPlain, msg.Body)
	opts := []gomail.Option{gomail.WithPort(m.s.Port), gomail.WithTimeout(m.timeout)}
	switch m.s.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.s.Username != "" {
		auth := gomail.SMTPAuthPlain
		if m.s.TLS == TLSNone {
			// PLAIN refuses to send a password in the clear; a relay
			// without TLS is the operator's explicit choice.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(m.s.Username), gomail.WithPassword(m.s.Password))
	}
	c, err := gomail.NewClient(m.s.Host, opts...)
	if err != nil {
		return fmt.Errorf("mailer: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, g); err != nil {
		return fmt.Errorf("mailer: send to %s:%d: %w", m.s.Host, m.s.Port, err)
	}
	m.log.DebugContext(ctx, "mailer: sent", "subject", msg.Subject)
	return nil
}
