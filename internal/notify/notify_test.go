package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/notify"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/smtpsink"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/worker"
)

const baseURL = "https://ob.example.com"

// env is one account with two users on a SQLite store, a real SMTP server
// and a notifier mailing to it through mailer.Sender.
type env struct {
	t     *testing.T
	st    *store.Store
	clock *testkit.Clock
	sink  *smtpsink.Sink
	acc   store.Account
	ann   store.User
	bob   store.User
	stuck atomic.Int64
	opts  notify.Options
	n     *notify.Notifier
}

func newEnv(t *testing.T, tweak func(*notify.Options)) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, clock: testkit.NewClock(time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC))}
	e.st = storetest.MigratedSQLite(t, e.clock.Now)
	var err error
	if e.acc, err = e.st.CreateAccount(ctx, "Acme Outdoors"); err != nil {
		t.Fatal(err)
	}
	if e.ann, err = e.st.CreateUser(ctx, e.acc.ID, "ann@example.com", "Ann", "x"); err != nil {
		t.Fatal(err)
	}
	if e.bob, err = e.st.CreateUser(ctx, e.acc.ID, "bob@example.com", "", "x"); err != nil {
		t.Fatal(err)
	}
	// Another account's problems never reach this account's users.
	other, err := e.st.CreateAccount(ctx, "Other Ltd")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.CreateUser(ctx, other.ID, "olga@example.com", "", "x"); err != nil {
		t.Fatal(err)
	}
	e.sink = smtpsink.StartTest(t, smtpsink.Options{})
	set, err := mailer.Parse(e.sink.URL("orderbridge@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	e.opts = notify.Options{
		Store: e.st, Sender: mailer.New(set, nil), BaseURL: baseURL, Now: e.clock.Now,
		Logger: slog.New(slog.DiscardHandler),
		Problems: problems.Source{Store: e.st, XeroWebhooks: true,
			// Only River knows of a stuck export; the test plays it.
			Stuck: func(_ context.Context, acct int64, _ time.Time) (int, error) {
				if acct == e.acc.ID {
					return int(e.stuck.Load()), nil
				}
				return 0, nil
			}},
	}
	if tweak != nil {
		tweak(&e.opts)
	}
	if e.n, err = notify.New(e.opts); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) tick() {
	e.t.Helper()
	if err := e.n.Tick(e.t.Context()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) wantMails(who string, n int) []smtpsink.Message {
	e.t.Helper()
	got := e.sink.To(who)
	if len(got) != n {
		var subjects []string
		for _, m := range got {
			subjects = append(subjects, m.Subject)
		}
		e.t.Fatalf("%d mails to %s, want %d: %q", len(got), who, n, subjects)
	}
	return got
}

func (e *env) link(id, decision, code string) {
	e.t.Helper()
	if err := e.st.UpsertInvoiceLink(e.t.Context(), store.InvoiceLink{AccountID: e.acc.ID, InvoiceID: id, InvoiceNumber: "INV-" + id,
		OrderKey: "k-" + id, Decision: store.Decision(decision), Reason: "why", ReasonCode: code}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) connect(kind store.ConnectionKind) {
	e.t.Helper()
	ctx := e.t.Context()
	var err error
	if kind == store.KindXero {
		err = e.st.SaveXeroConnection(ctx, e.acc.ID, store.ConnectionMetadata{TenantID: "tenant-1"},
			&oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: e.clock.Now().Add(30 * time.Minute), ExpiresIn: 1800})
	} else {
		err = e.st.SaveConnection(ctx, e.acc.ID, kind, store.ConnectionMetadata{StoreID: 7}, []byte(`{"api_key":"k","api_secret":"s"}`))
	}
	if err != nil {
		e.t.Fatal(err)
	}
}

// Each kind of problem is mailed once to each user of the account: what
// happened, what to do, and a link to where it is fixed. The next tick
// sends nothing more.
func TestEachKindMailedOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind  problems.Kind
		make  func(e *env)
		text  string
		fixAt string
	}{
		{problems.XeroReconnect, func(e *env) {
			e.connect(store.KindXero)
			if err := e.st.SetConnectionStatus(e.t.Context(), e.acc.ID, store.KindXero, store.StatusReconnectNeeded, "Xero refused the refresh token."); err != nil {
				e.t.Fatal(err)
			}
		}, "Xero needs reconnecting: Xero refused the refresh token.", baseURL + "/connections"},
		{problems.XeroGrantLapse, func(e *env) {
			lapse := e.clock.Now().Add(2 * 24 * time.Hour)
			if err := e.st.SaveXeroConnection(e.t.Context(), e.acc.ID, store.ConnectionMetadata{TenantID: "tenant-1"},
				&oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: lapse.Add(-worker.XeroGrantLifetime + 30*time.Minute), ExpiresIn: 1800}); err != nil {
				e.t.Fatal(err)
			}
		}, "Xero's permission lapses on 16 Mar 2026 12:00 UTC", baseURL + "/connections"},
		{problems.ShipStationKey, func(e *env) {
			e.connect(store.KindShipStation)
			if err := e.st.SetConnectionStatus(e.t.Context(), e.acc.ID, store.KindShipStation, store.StatusReconnectNeeded, "401 Unauthorized"); err != nil {
				e.t.Fatal(err)
			}
		}, "ShipStation refuses the API key: 401 Unauthorized", baseURL + "/connections"},
		{problems.XeroQuota, func(e *env) {
			if err := e.st.BlockXeroUntil(e.t.Context(), e.acc.ID, e.clock.Now(), e.clock.Now().Add(3*time.Hour)); err != nil {
				e.t.Fatal(err)
			}
		}, "Xero's day limit is spent", baseURL + "/configure"},
		{problems.ExportsStuck, func(e *env) { e.stuck.Store(5) }, "Exports keep failing (5 tries so far)", baseURL + "/log?outcome=failed"},
		{problems.InvoicesFailed, func(e *env) { e.link("1", "failed", "") }, "1 invoice failed to sync", baseURL + "/invoices?state=failed"},
		{problems.InvoicesAttention, func(e *env) { e.link("1", "alert", "") }, "1 invoice need attention (for example voided after shipping)",
			baseURL + "/invoices?state=attention"},
		{problems.ContactsWaiting, func(e *env) { e.link("1", "skipped", string(bridge.CauseNoAddress)) },
			"1 invoice(s) wait for a contact's address or country in Xero", baseURL + "/invoices?state=waiting"},
		{problems.XeroWebhooksOff, func(e *env) {
			ctx := e.t.Context()
			now := e.clock.Now()
			if err := e.st.NoteWebhookDelivery(ctx, e.acc.ID, store.SourceXero, now.Add(-20*time.Hour), 1, 0); err != nil {
				e.t.Fatal(err)
			}
			if err := e.st.NoteSweptChanges(ctx, e.acc.ID, store.SourceXero, []store.SweptChange{{Resource: "inv-1", ChangedAt: now.Add(-2 * time.Hour)}}); err != nil {
				e.t.Fatal(err)
			}
		}, "Xero webhooks seem switched off: 1 change in the last day", baseURL + "/dashboard#webhooks"},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, nil)
			e.tick() // nothing connected: setup steps are shown, not mailed
			e.wantMails("ann@example.com", 0)
			tc.make(e)
			e.tick()
			var label string
			for _, m := range problems.Mailed() {
				if m.Kind == tc.kind {
					label = m.Label
				}
			}
			for _, who := range []string{"ann@example.com", "bob@example.com"} {
				m := e.wantMails(who, 1)[0]
				if m.Subject != label+" — Acme Outdoors" {
					t.Errorf("subject %q, want %q", m.Subject, label+" — Acme Outdoors")
				}
				for _, want := range []string{"What happened: " + tc.text, "What to do: ", ": " + tc.fixAt + "\n", baseURL + "/notifications"} {
					if !strings.Contains(m.Body, want) {
						t.Errorf("the mail does not say %q:\n%s", want, m.Body)
					}
				}
			}
			e.clock.Advance(time.Minute)
			e.tick()
			e.wantMails("ann@example.com", 1)
			e.wantMails("bob@example.com", 1)
			e.wantMails("olga@example.com", 0)
		})
	}
}

// A problem still open after a day is in one digest a day, at
// notify.DigestHourUTC, not a mail a tick; one that clears and comes back
// is new again.
func TestDigestAndReopen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // 14 Mar 12:00 UTC
	e.link("1", "failed", "")
	e.tick()
	e.wantMails("ann@example.com", 1)
	// Through 15 Mar 08:00: it opened less than a day before, no digest.
	for range 43 {
		e.clock.Advance(time.Hour)
		e.tick()
	}
	e.wantMails("ann@example.com", 1)
	e.clock.Advance(time.Hour) // 16 Mar 08:00
	e.tick()
	got := e.wantMails("ann@example.com", 2)
	d := got[1]
	if !strings.HasPrefix(d.Subject, "Daily summary: 1 problem still open — Acme Outdoors (16 Mar 2026)") ||
		!strings.Contains(d.Body, "Invoices failed to sync (since 14 Mar 2026 12:00 UTC)") ||
		!strings.Contains(d.Body, baseURL+"/invoices?state=failed") {
		t.Errorf("digest:\n%s\n%s", d.Subject, d.Body)
	}
	for range 23 { // the rest of the day: nothing more
		e.clock.Advance(time.Hour)
		e.tick()
	}
	e.wantMails("ann@example.com", 2)
	e.clock.Advance(time.Hour) // 17 Mar 08:00: the next digest
	e.tick()
	e.wantMails("ann@example.com", 3)

	e.link("1", "sent", "") // fixed: it clears
	e.clock.Advance(time.Hour)
	e.tick()
	e.wantMails("ann@example.com", 3)
	e.link("1", "failed", "") // and fails again later: a new problem
	e.clock.Advance(time.Hour)
	e.tick()
	got = e.wantMails("ann@example.com", 4)
	if !strings.HasPrefix(got[3].Subject, "Invoices failed to sync") {
		t.Errorf("after coming back: %q, want a new-problem mail", got[3].Subject)
	}
}

// A mail writes times in the organisation's zone, as the pages do: the
// digest's "since", and the times in a problem's text.
func TestMailTimesInOrganisationZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil) // 14 Mar 12:00 UTC
	ctx := t.Context()
	if err := e.st.SaveXeroConnection(ctx, e.acc.ID, store.ConnectionMetadata{TenantID: "tenant-1", Timezone: "NEWZEALANDSTANDARDTIME"},
		&oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: e.clock.Now().Add(30 * time.Minute), ExpiresIn: 1800}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.BlockXeroUntil(ctx, e.acc.ID, e.clock.Now(), e.clock.Now().Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.link("1", "failed", "")
	e.tick()
	var quota string
	for _, m := range e.wantMails("ann@example.com", 2) {
		if strings.HasPrefix(m.Subject, "Xero's day quota") {
			quota = m.Body
		}
	}
	if !strings.Contains(quota, "until 15 Mar 2026 04:00 NZDT") {
		t.Errorf("the quota mail does not give the time in the organisation's zone:\n%s", quota)
	}
	e.clock.Advance(44 * time.Hour) // 16 Mar 08:00 UTC: the digest
	e.tick()
	d := e.wantMails("ann@example.com", 3)[2]
	if !strings.Contains(d.Body, "Invoices failed to sync (since 15 Mar 2026 01:00 NZDT)") {
		t.Errorf("digest:\n%s\n%s", d.Subject, d.Body)
	}
}

// Many problems at once are held to the hourly limits; the rest go out
// later while still open.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	t.Run("per user", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(o *notify.Options) { o.PerUserPerHour = 2 })
		e.link("1", "failed", "")
		e.link("2", "alert", "")
		e.link("3", "skipped", string(bridge.CauseNoAddress))
		e.stuck.Store(4)
		e.tick()
		e.wantMails("ann@example.com", 2)
		e.clock.Advance(30 * time.Minute)
		e.tick()
		e.wantMails("ann@example.com", 2)
		e.clock.Advance(31 * time.Minute)
		e.tick()
		e.wantMails("ann@example.com", 4)
		e.wantMails("bob@example.com", 4)
	})
	t.Run("per account", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(o *notify.Options) { o.PerAccountPerHour = 3 })
		e.link("1", "failed", "")
		e.link("2", "alert", "")
		e.tick()
		if n := len(e.sink.Messages()); n != 3 {
			t.Errorf("%d mails to the account in the first hour, want its limit 3", n)
		}
	})
	t.Run("global", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(o *notify.Options) { o.GlobalPerHour = 3 })
		e.link("1", "failed", "")
		e.link("2", "alert", "")
		e.tick()
		if n := len(e.sink.Messages()); n != 3 {
			t.Errorf("%d mails in the first hour, want the global limit 3", n)
		}
		e.clock.Advance(61 * time.Minute)
		e.tick()
		if n := len(e.sink.Messages()); n != 4 {
			t.Errorf("%d mails after an hour, want all 4", n)
		}
	})
}

// A user who turned a kind off is not mailed about it; others are.
func TestOptOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if err := e.st.SetNotificationOptOuts(t.Context(), e.ann.ID, []string{string(problems.InvoicesFailed)}); err != nil {
		t.Fatal(err)
	}
	e.link("1", "failed", "")
	e.link("2", "alert", "")
	e.tick()
	got := e.wantMails("ann@example.com", 1)
	if !strings.HasPrefix(got[0].Subject, "Invoices need attention") {
		t.Errorf("ann got %q", got[0].Subject)
	}
	e.wantMails("bob@example.com", 2)
	e.clock.Advance(44 * time.Hour) // 16 Mar 08:00, digest time
	e.tick()
	got = e.wantMails("ann@example.com", 2)
	if strings.Contains(got[1].Body, "Invoices failed") {
		t.Errorf("ann's digest lists a kind she turned off:\n%s", got[1].Body)
	}
}

// A send the SMTP server refused is sent on the next tick; what it took
// is not sent again.
func TestSendFailureRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.link("1", "failed", "")
	e.sink.FailNext(1) // ann's mail, the first
	e.tick()
	e.wantMails("ann@example.com", 0)
	e.wantMails("bob@example.com", 1)
	e.clock.Advance(time.Minute)
	e.tick()
	e.wantMails("ann@example.com", 1)
	e.wantMails("bob@example.com", 1)
}

// Notifiers in several processes tick at once without doubling a mail.
func TestSeveralNotifiers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.link("1", "failed", "")
	e.link("2", "alert", "")
	var wg sync.WaitGroup
	for i := range 4 {
		n, err := notify.New(e.opts)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := n.Tick(t.Context()); err != nil {
				t.Error(fmt.Errorf("notifier %d: %w", i, err))
			}
		})
	}
	wg.Wait()
	e.wantMails("ann@example.com", 2)
	e.wantMails("bob@example.com", 2)
}

// A user an operator disabled is mailed nothing: they cannot sign in to
// act on it, and a disabled person should hear nothing more from us.
func TestDisabledUserIsNotMailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	if _, err := e.st.DisableUser(t.Context(), e.bob.ID); err != nil {
		t.Fatal(err)
	}
	e.link("1", "failed", "")
	e.tick()
	e.wantMails("ann@example.com", 1)
	e.wantMails("bob@example.com", 0)
}
