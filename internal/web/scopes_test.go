package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// TestConnectXeroRefusesAGrantLackingAScope: when the token response shows
// the person granted less than orderbridge needs (here no
// accounting.invoices), the callback saves nothing and says which scope to
// allow.
func TestConnectXeroRefusesAGrantLackingAScope(t *testing.T) {
	t.Parallel()
	e, xemu, _ := newEmuEnv(t, xeroemu.Options{}, shipstationemu.Options{})
	// What the consent granted: contacts only.
	narrow, err := xero.New(xero.Config{ClientID: xemu.ClientID(), ClientSecret: xemu.ClientSecret(),
		RedirectURL: e.srv.URL + "/connections/xero/callback", Scopes: []string{"offline_access", "accounting.contacts.read"},
		BaseURL: xemu.URL()})
	if err != nil {
		t.Fatal(err)
	}
	e.rebuild(t, func(c *web.Config) { c.Xero = narrow })
	b, acc := e.signUpAnn(t)

	b.connectXero()
	b.wantStatus(http.StatusForbidden)
	if body := b.body; !strings.Contains(body, "scope accounting.invoices") || !strings.Contains(body, "connect Xero again") {
		t.Errorf("page does not name the missing scope: %q", body)
	}
	if c, err := e.st.Connection(t.Context(), acc, store.KindXero); err == nil {
		t.Errorf("connection saved from a narrow grant: %+v", c)
	}
}
