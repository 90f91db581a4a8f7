package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/testenv/smtpsink"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/web"
)

const publicURL = "https://ob.example.com"

// newMailEnv is newEnv with mail going to a real SMTP server.
func newMailEnv(t *testing.T) (*env, *smtpsink.Sink) {
	t.Helper()
	sink := smtpsink.StartTest(t, smtpsink.Options{})
	set, err := mailer.Parse(sink.URL("orderbridge@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *web.Config) { c.Mail, c.BaseURL = mailer.New(set, nil), publicURL })
	return e, sink
}

var resetLink = regexp.MustCompile(regexp.QuoteMeta(publicURL) + `(/password/reset\?token=[A-Za-z0-9_-]+)`)

// askReset asks for a reset link for email from the sign-in page and
// returns what the page then says.
func askReset(t *testing.T, b *browser, email string) string {
	t.Helper()
	b.get("/signin")
	link := b.byID("forgot")
	if link == nil || attr(link, "href") != "/password/forgot" {
		t.Fatal("the sign-in page has no “Forgot password?” link")
	}
	b.get("/password/forgot")
	b.wantStatus(http.StatusOK)
	b.submit("/password/forgot", url.Values{"email": {email}})
	b.wantStatus(http.StatusOK)
	return strings.ReplaceAll(text(b.byID("reset-sent")), email, "EMAIL")
}

// waitMails waits for n mails to addr (reset links are sent after the
// page answers) and returns them.
func waitMails(t *testing.T, sink *smtpsink.Sink, addr string, n int) []smtpsink.Message {
	t.Helper()
	testkit.WaitFor(t, fmt.Sprintf("%d mails to %s", n, addr), 10*time.Second, func() bool { return len(sink.To(addr)) >= n })
	got := sink.To(addr)
	if len(got) != n {
		t.Fatalf("%d mails to %s, want %d", len(got), addr, n)
	}
	return got
}

func linkIn(t *testing.T, m smtpsink.Message) string {
	t.Helper()
	got := resetLink.FindStringSubmatch(m.Body)
	if got == nil {
		t.Fatalf("no reset link in the mail:\n%s", m.Body)
	}
	return got[1]
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	e, sink := newMailEnv(t)
	ann := e.browser()
	ann.signUp("Acme", "ann@example.com", password)
	other := e.browser() // a second browser signed in as ann
	other.submitSignIn("ann@example.com", password)
	other.wantRedirect("/dashboard")

	visitor := e.browser()
	said := askReset(t, visitor, "ann@example.com")
	if said2 := askReset(t, e.browser(), "nobody@example.com"); said2 != said || said == "" {
		t.Errorf("the page tells accounts apart: %q for an account, %q for none", said, said2)
	}
	if n := len(sink.To("nobody@example.com")); n != 0 {
		t.Errorf("%d mails to an address without an account", n)
	}
	mails := waitMails(t, sink, "ann@example.com", 1)
	if mails[0].Subject != "Reset your orderbridge password" {
		t.Fatalf("mails to ann: %+v", mails)
	}
	link := linkIn(t, mails[0])

	visitor.get(link)
	visitor.wantStatus(http.StatusOK)
	visitor.submit("/password/reset", url.Values{"password": {"short"}, "password_confirm": {"short"}})
	visitor.wantStatus(http.StatusUnprocessableEntity)
	if msg := visitor.fieldError("New password"); msg == "" {
		t.Error("a password the policy refuses shows no error")
	}
	const newPassword = "a brand new passphrase"
	visitor.submit("/password/reset", url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
	visitor.wantStatus(http.StatusOK)
	if !visitor.has("reset-done") {
		t.Fatalf("no confirmation:\n%s", visitor.body)
	}

	// Every session signed in with the old password has ended.
	for _, b := range []*browser{ann, other} {
		b.get("/dashboard")
		b.wantRedirect("/signin?next=%2Fdashboard")
	}
	// The link worked once.
	visitor.get(link)
	visitor.wantStatus(http.StatusGone)
	// The new password signs in; the old one does not.
	b := e.browser()
	b.submitSignIn("ann@example.com", password)
	b.wantStatus(http.StatusUnauthorized)
	b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {newPassword}})
	b.wantRedirect("/dashboard")
}

func TestPasswordResetExpires(t *testing.T) {
	t.Parallel()
	e, sink := newMailEnv(t)
	e.browser().signUp("Acme", "ann@example.com", password)
	askReset(t, e.browser(), "ann@example.com")
	link := linkIn(t, waitMails(t, sink, "ann@example.com", 1)[0])
	b := e.browser()
	b.get(link)
	b.wantStatus(http.StatusOK)
	e.clock.Advance(web.DefaultResetTTL + time.Minute)
	b.submit("/password/reset", url.Values{"password": {"a brand new passphrase"}, "password_confirm": {"a brand new passphrase"}})
	b.wantStatus(http.StatusGone)
	b.get(link)
	b.wantStatus(http.StatusGone)
}

// Asking again and again sends a few links an hour, and the page says the
// same every time.
func TestPasswordResetRateLimited(t *testing.T) {
	t.Parallel()
	e, sink := newMailEnv(t)
	e.browser().signUp("Acme", "ann@example.com", password)
	first := askReset(t, e.browser(), "ann@example.com")
	for range 5 {
		if said := askReset(t, e.browser(), "ann@example.com"); said != first {
			t.Errorf("the page said %q, then %q", first, said)
		}
	}
	waitMails(t, sink, "ann@example.com", 3) // the limit is checked before the answer: no more are on their way
	e.clock.Advance(61 * time.Minute)
	askReset(t, e.browser(), "ann@example.com")
	waitMails(t, sink, "ann@example.com", 4)
}

// Without an SMTP server the reset and the notification settings say
// mail is off.
func TestMailOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/password/forgot")
	b.wantStatus(http.StatusOK)
	if !b.has("mail-off") {
		t.Error("the reset page does not say mail is off")
	}
	b.signUp("Acme", "ann@example.com", password)
	b.get("/notifications")
	b.wantStatus(http.StatusOK)
	if !strings.Contains(text(b.byID("mail-off")), "ORDERBRIDGE_SMTP_URL") {
		t.Error("the notification settings do not say mail is off and why")
	}
}

// A user turns kinds of notification off and on; the store keeps it per
// user.
func TestNotificationSettings(t *testing.T) {
	t.Parallel()
	e, _ := newMailEnv(t)
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	b.get("/notifications")
	b.wantStatus(http.StatusOK)
	if b.has("mail-off") {
		t.Error("mail is on, the page says off")
	}
	var on []string
	for _, k := range problems.Mailed() {
		box := b.byID("notify-" + string(k.Kind))
		if box == nil || !hasAttr(box, "checked") {
			t.Fatalf("%s is not offered, or not on by default", k.Kind)
		}
		if k.Kind != problems.ContactsWaiting && k.Kind != problems.XeroQuota {
			on = append(on, string(k.Kind))
		}
	}
	b.submit("/notifications", url.Values{"on": on})
	b.wantRedirect("/notifications")
	b.follow()
	for _, k := range problems.Mailed() {
		want := k.Kind != problems.ContactsWaiting && k.Kind != problems.XeroQuota
		if got := hasAttr(b.byID("notify-"+string(k.Kind)), "checked"); got != want {
			t.Errorf("%s on = %v after saving, want %v", k.Kind, got, want)
		}
	}
	user, _ := e.account(t, "ann@example.com")
	off, err := e.st.NotificationOptOuts(t.Context(), user.ID)
	if err != nil || len(off) != 2 || !off[string(problems.ContactsWaiting)] || !off[string(problems.XeroQuota)] {
		t.Errorf("stored opt-outs %v (%v)", off, err)
	}
}

// TestPasswordResetLiftsTheLockout: a user locked out by failed sign-ins
// (a guesser's, or their own forgetting) who proves the email is theirs
// by a reset link signs in with the new password at once, rather than
// being refused until the window passes.
func TestPasswordResetLiftsTheLockout(t *testing.T) {
	t.Parallel()
	e, sink := newMailEnv(t)
	e.browser().signUp("Acme", "ann@example.com", password)
	b := e.browser()
	b.get("/signin")
	for range 5 {
		b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {"not the password at all"}})
		b.wantStatus(http.StatusUnauthorized)
	}
	b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {password}})
	b.wantStatus(http.StatusTooManyRequests)

	askReset(t, e.browser(), "ann@example.com")
	link := linkIn(t, waitMails(t, sink, "ann@example.com", 1)[0])
	r := e.browser()
	r.get(link)
	const newPassword = "a brand new passphrase"
	r.submit("/password/reset", url.Values{"password": {newPassword}, "password_confirm": {newPassword}})
	r.wantStatus(http.StatusOK)

	b.get("/signin")
	b.submit("/signin", url.Values{"email": {"ann@example.com"}, "password": {newPassword}})
	b.wantRedirect("/dashboard")
}
