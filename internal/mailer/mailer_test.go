package mailer_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/testenv/smtpsink"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw     string
		want    mailer.Settings
		wantErr string
	}{
		{raw: "smtp://ann:s3cret@mail.example.com?from=ob%40example.com",
			want: mailer.Settings{Host: "mail.example.com", Port: 587, Username: "ann", Password: "s3cret", From: "ob@example.com", TLS: "starttls"}},
		{raw: "smtp://mail.example.com:2525?from=ob@example.com&tls=none",
			want: mailer.Settings{Host: "mail.example.com", Port: 2525, From: "ob@example.com", TLS: "none"}},
		{raw: "smtp://mail.example.com?from=ob%40example.com&tls=tls",
			want: mailer.Settings{Host: "mail.example.com", Port: 465, From: "ob@example.com", TLS: "tls"}},
		{raw: "smtps://mail.example.com?from=ob%40example.com",
			want: mailer.Settings{Host: "mail.example.com", Port: 465, From: "ob@example.com", TLS: "tls"}},
		{raw: "http://ann:s3cret@mail.example.com?from=ob%40example.com", wantErr: "scheme"},
		{raw: "smtp://ann:s3cret@mail.example.com", wantErr: "from"},
		{raw: "smtp://ann:s3cret@mail.example.com?from=ob%40example.com&tls=maybe", wantErr: "tls"},
		{raw: "smtp://ann:s3cret@?from=ob%40example.com", wantErr: "host"},
	} {
		got, err := mailer.Parse(tc.raw)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Parse(%q) error %v, want one about %s without the password", tc.raw, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
		if strings.Contains(got.Redacted(), "s3cret") {
			t.Errorf("Redacted() = %q shows the password", got.Redacted())
		}
	}
}

// Send delivers to a real SMTP server that requires the URL's login.
func TestSendToSMTPServer(t *testing.T) {
	t.Parallel()
	sink := smtpsink.StartTest(t, smtpsink.Options{Username: "ann", Password: "s3cret"})
	set, err := mailer.Parse(sink.URL("orderbridge@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	var logs testkit.Buffer
	m := mailer.New(set, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err := m.Send(t.Context(), mailer.Message{To: "bob@example.com", Subject: "Xero needs reconnecting — Acme",
		Body: "Xero refused the connection.\n\nReconnect: http://example.com/connections\n", ID: "n-1"}); err != nil {
		t.Fatal(err)
	}
	got := sink.To("bob@example.com")
	if len(got) != 1 {
		t.Fatalf("%d messages to bob, want 1", len(got))
	}
	if got[0].Subject != "Xero needs reconnecting — Acme" || !strings.Contains(got[0].Body, "Reconnect: http://example.com/connections") ||
		got[0].From != "orderbridge@example.com" || got[0].Header.Get("Message-Id") != "<n-1@orderbridge>" {
		t.Errorf("message = %+v", got[0])
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the log shows the SMTP password: %s", logs.String())
	}

	wrong := set
	wrong.Password = "nope"
	if err := mailer.New(wrong, nil).Send(t.Context(), mailer.Message{To: "bob@example.com", Subject: "x", Body: "x"}); err == nil {
		t.Error("a wrong SMTP password sent the mail")
	}
}
