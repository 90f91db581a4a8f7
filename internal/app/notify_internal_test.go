package app

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/testenv/smtpsink"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// The running app mails the account's user when its sweep finds an
// invoice whose contact has no address: River's periodic notifier, the
// dashboard's problems, ORDERBRIDGE_SMTP_URL and a real SMTP server.
func TestAppMailsNewProblems(t *testing.T) {
	t.Parallel()
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	sink := smtpsink.StartTest(t, smtpsink.Options{Username: "ob", Password: "smtp-secret-value"})
	cfg := emulatedConfig(t, xemu, semu)
	cfg.BaseURL = "https://ob.example.com"
	cfg.SweepEvery = time.Second
	cfg.SMTPURL = sink.URL("orderbridge@example.com")
	var logs testkit.Buffer
	a, err := New(t.Context(), cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), FetchPollInterval: 100 * time.Millisecond,
		NotifyEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := t.Context()
	acct := acmeWithContactProblem(t, a, xemu, semu)
	if _, err := a.Store.CreateUser(ctx, acct.ID, "ann@example.com", "Ann", "x"); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	testkit.WaitFor(t, "the mail about the contact", time.Minute, func() bool {
		for _, m := range sink.To("ann@example.com") {
			if strings.HasPrefix(m.Subject, "A contact has no address or country — Acme") {
				return true
			}
		}
		return false
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, m := range sink.To("ann@example.com") {
		if strings.HasPrefix(m.Subject, "A contact has no address") && !strings.Contains(m.Body, "https://ob.example.com/invoices?state=waiting") {
			t.Errorf("the mail has no link to the invoices waiting:\n%s", m.Body)
		}
	}
	if !strings.Contains(logs.String(), "email notifications on") || strings.Contains(logs.String(), "smtp-secret-value") {
		t.Errorf("the start-up log should say where mail goes, without the password:\n%s", logs.String())
	}
}
