package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	pwd "github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

// TestChangePassword: the current password is required, the one password
// policy applies, and every other session of the user ends.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	e, b, _ := annSignedUp(t)
	other := e.browser()
	other.signIn("ann@example.com", password)
	if other.h1() != "Dashboard" {
		t.Fatalf("second session: %q", other.h1())
	}

	b.get("/account")
	b.wantStatus(http.StatusOK)
	const newPassword = "a much longer new passphrase"
	b.submit("/account/password", url.Values{"current_password": {"not my password"}, "new_password": {newPassword}, "new_password_confirm": {newPassword}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("Current password"); got == "" {
		t.Error("a wrong current password has no error")
	}
	b.submit("/account/password", url.Values{"current_password": {password}, "new_password": {"short"}, "new_password_confirm": {"short"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("New password"); !strings.Contains(got, itoa64(int64(pwd.MinLength))) {
		t.Errorf("a short password: error %q", got)
	}
	// The policy knows whose password it is, as at sign-up.
	const withEmail = "ann@example.com is my passphrase"
	b.submit("/account/password", url.Values{"current_password": {password}, "new_password": {withEmail}, "new_password_confirm": {withEmail}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("New password"); !strings.Contains(got, "email") {
		t.Errorf("a password holding the user's email: error %q", got)
	}
	b.submit("/account/password", url.Values{"current_password": {password}, "new_password": {newPassword}, "new_password_confirm": {newPassword}})
	b.follow()
	b.wantStatus(http.StatusOK)
	if !strings.Contains(b.flash(), "changed") {
		t.Errorf("flash %q", b.flash())
	}
	b.get("/dashboard")
	b.follow()
	if b.h1() != "Dashboard" {
		t.Errorf("the session that changed the password ended: %q", b.h1())
	}
	other.get("/dashboard")
	other.follow()
	if other.h1() == "Dashboard" {
		t.Error("another session of the user outlived the password change")
	}
	if fresh := e.browser(); fresh.signIn("ann@example.com", password) == http.StatusOK && fresh.h1() == "Dashboard" {
		t.Error("the old password still signs in")
	}
	if fresh := e.browser(); fresh.signIn("ann@example.com", newPassword) != http.StatusOK || fresh.h1() != "Dashboard" {
		t.Errorf("the new password does not sign in: %q", fresh.h1())
	}
}

// inviteLink invites email from b's account page and returns the link.
func inviteLink(t *testing.T, b *browser, email string) string {
	t.Helper()
	b.get("/account")
	b.submit("/account/invites", url.Values{"email": {email}})
	b.follow()
	b.wantStatus(http.StatusOK)
	link := attr(b.byID("invite-link"), "value")
	if !strings.Contains(link, "/invite/") {
		t.Fatalf("invite link %q", link)
	}
	return link
}

// TestInviteTeammate: an invite link lets a teammate join the same
// account, once, until it expires.
func TestInviteTeammate(t *testing.T) {
	t.Parallel()
	e, ann, acc := annSignedUp(t)
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-1", InvoiceNumber: "INV-1",
		Decision: store.DecisionSkipped, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	link := inviteLink(t, ann, "Cat@Example.com")
	if !strings.Contains(text(ann.byID("invite-note")), "email") {
		t.Errorf("the page does not say the link is not emailed yet: %q", text(ann.byID("invite-note")))
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}

	cat := e.browser()
	cat.get(u.Path)
	cat.wantStatus(http.StatusOK)
	if !strings.Contains(text(cat.byID("main")), "Acme") {
		t.Errorf("the invitation does not name the account: %q", text(cat.byID("main")))
	}
	cat.submit(u.Path, url.Values{"name": {"Cat"}, "password": {"short"}, "password_confirm": {"short"}})
	cat.wantStatus(http.StatusUnprocessableEntity)
	cat.submit(u.Path, url.Values{"name": {"Cat"}, "password": {password}, "password_confirm": {password}})
	cat.follow()
	if cat.h1() != "Dashboard" {
		t.Fatalf("after joining: %q", cat.h1())
	}
	if got := e.mustAccount(t, "cat@example.com"); got != acc {
		t.Errorf("Cat joined account %d, want Ann's %d", got, acc)
	}
	cat.get("/invoices/inv-1")
	cat.wantStatus(http.StatusOK)

	// Used once; a second use is refused.
	dan := e.browser()
	dan.get(u.Path)
	dan.wantStatus(http.StatusGone)

	// Expired after its time.
	link2 := inviteLink(t, ann, "dan@example.com")
	u2, _ := url.Parse(link2)
	e.clock.Advance(8 * 24 * time.Hour)
	dan.get(u2.Path)
	dan.wantStatus(http.StatusGone)
	ann.get("/account")
	if rows := findIn(ann.byID("team"), func(n *html.Node) bool { return n.DataAtom == atom.Li }); len(rows) != 2 {
		t.Errorf("team lists %d people, want Ann and Cat", len(rows))
	}
	// A made-up token is not found.
	dan.get("/invite/not-a-token")
	dan.wantStatus(http.StatusGone)
	// Another account's team is its own.
	bob := e.browser()
	bob.signUp("Bob Co", "bob@example.com", password)
	bob.get("/account")
	if got := text(bob.byID("team")); strings.Contains(got, "ann@") || strings.Contains(got, "cat@") {
		t.Errorf("Bob's team shows Ann's people: %q", got)
	}
}

// TestDisconnectAsksFirst: disconnecting takes a confirmation step, which
// works without JavaScript.
func TestDisconnectAsksFirst(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	for _, tc := range []struct{ action, kind, h1 string }{
		{"/connections/shipstation/disconnect", string(store.KindShipStation), "Disconnect ShipStation?"},
		{"/connections/xero/disconnect", string(store.KindXero), "Disconnect Xero?"},
	} {
		// What the Connections page's Disconnect button posts.
		b.get("/connections")
		b.post(tc.action, url.Values{"csrf_token": {b.csrf()}})
		b.wantStatus(http.StatusOK)
		if b.h1() != tc.h1 {
			t.Errorf("%s: h1 %q, want %q", tc.action, b.h1(), tc.h1)
		}
		if c, _ := e.st.Connection(t.Context(), acc, store.ConnectionKind(tc.kind)); c.Status == store.StatusDisconnected {
			t.Errorf("%s: disconnected before the confirmation", tc.action)
		}
		b.submit(tc.action, nil) // the confirmation page's form
		b.follow()
		if c, _ := e.st.Connection(t.Context(), acc, store.ConnectionKind(tc.kind)); c.Status != store.StatusDisconnected {
			t.Errorf("%s: still %s after confirming", tc.action, c.Status)
		}
	}
}

// TestFavicon: a favicon, cached.
func TestFavicon(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/signin")
	icons := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Link && strings.Contains(attr(n, "rel"), "icon") })
	if len(icons) == 0 {
		t.Fatal("no <link rel=icon>")
	}
	for _, path := range []string{attr(icons[0], "href"), "/favicon.ico"} {
		b.get(path)
		b.wantStatus(http.StatusOK)
		if ct := b.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/") {
			t.Errorf("%s: content type %q", path, ct)
		}
		if cc := b.resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
	}
}
