package web_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	pwd "github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// fuzzApp is one web app for a whole fuzz run (newEnv wants a *testing.T
// per input): a signed-in client, the account, and the webhook receivers
// on, with a known ShipStation URL secret.
type fuzzApp struct {
	st     *store.Store
	url    string
	client *http.Client
	csrf   string
	acct   int64
	// statuses are the invoice statuses the configure page offers.
	statuses []string
}

const fuzzHookSecret = "fuzz-secret-0123456789abcdefghij"

var (
	csrfInput   = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	statusInput = regexp.MustCompile(`name="invoice_statuses" value="([^"]+)"`)
)

func newFuzzApp(f *testing.F) *fuzzApp {
	f.Helper()
	ctx := f.Context()
	st := storetest.MigratedSQLite(f, nil)
	srv, err := web.New(web.Config{Store: st, Logger: slog.New(slog.DiscardHandler), Jobs: &fakeJobs{}, Webhooks: &fakeWork{},
		XeroWebhookKey: hookKey, Argon2: pwd.Params{Memory: 64, Time: 1, Threads: 1}, AllowSignUp: true})
	if err != nil {
		f.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	f.Cleanup(ts.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.Fatal(err)
	}
	a := &fuzzApp{st: st, url: ts.URL, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	page := a.get(f, "/signup")
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		f.Fatal("no CSRF token on /signup")
	}
	const pw = "random-forms-Pa55phrase-4f9c-kestrel"
	a.post(f, "/signup", url.Values{"csrf_token": {m[1]}, "company": {"Fuzz Co"}, "email": {"fuzz@example.com"},
		"name": {"Fuzz"}, "password": {pw}, "password_confirm": {pw}})
	page = a.get(f, "/configure")
	if m = csrfInput.FindStringSubmatch(page); m == nil {
		f.Fatalf("not signed in: /configure is %.300q", page)
	}
	a.csrf = m[1]
	for _, s := range statusInput.FindAllStringSubmatch(page, -1) {
		a.statuses = append(a.statuses, s[1])
	}
	u, err := st.UserByEmail(ctx, "fuzz@example.com")
	if err != nil {
		f.Fatal(err)
	}
	a.acct = u.AccountID
	if err := st.SaveShipStationHook(ctx, store.ShipStationHook{AccountID: a.acct,
		SecretHash: store.HashHookSecret(fuzzHookSecret), WebhookID: 41, StoreID: 7}); err != nil {
		f.Fatal(err)
	}
	return a
}

func (a *fuzzApp) get(tb testing.TB, path string) string {
	tb.Helper()
	resp, err := a.client.Get(a.url + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// post sends a form without following redirects and returns the status.
func (a *fuzzApp) post(tb testing.TB, path string, form url.Values) int {
	tb.Helper()
	return a.send(tb, path, "application/x-www-form-urlencoded", []byte(form.Encode()), nil)
}

func (a *fuzzApp) send(tb testing.TB, path, contentType string, body []byte, header http.Header) int {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, a.url+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header[k] = v
	}
	c := *a.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// FuzzSettingsForms posts any values to the configure page's forms (the
// settings, the Xero Export tab, the backfill date, the ShipStation store
// choice): each answers a redirect or the form with its errors, never a
// server error, and settings it saved keep the rules the worker relies on
// (an interval from a second to a day, a safety sweep no shorter, a
// retention of 1 to 3650 days, statuses the page offers).
func FuzzSettingsForms(f *testing.F) {
	f.Add("5", "minute", "15", "30", "AUTHORISED", "ShipStation", "2026-01-31", "7", "on", "200")
	f.Add("0", "day", "x", "-1", "VOIDED", "", "2026-13-01", "-1", "", "")
	f.Add("99999999999999999999", "hour", "1441", "3651", "AUTHORISED,PAID", strings.Repeat("x", 101), "1900-01-01", "abc", "on", strings.Repeat("9", 51))
	f.Add(" 30 ", "second", "1", "1", "", "=1+1", "9999-12-31", "9223372036854775807", "off", "\x00")
	a := newFuzzApp(f)
	f.Fuzz(func(t *testing.T, interval, unit, sweep, retention, statuses, option, since, storeID, onOff, code string) {
		ok := func(form string, code int, allowed ...int) {
			t.Helper()
			if !slices.Contains(allowed, code) {
				t.Fatalf("%s: %d, want one of %v", form, code, allowed)
			}
		}
		form := url.Values{"csrf_token": {a.csrf}, "sync_enabled": {onOff}, "interval": {interval}, "interval_unit": {unit},
			"safety_sweep_minutes": {sweep}, "tracking_rule_enabled": {onOff}, "tracking_option_name": {option},
			"invoice_statuses": strings.Split(statuses, ","), "log_retention_days": {retention}, "shipping_item_code": {code}}
		ok("configure", a.post(t, "/configure", form), http.StatusSeeOther, http.StatusUnprocessableEntity)
		set, err := a.st.Settings(t.Context(), a.acct)
		if err != nil {
			t.Fatal(err)
		}
		if set.SyncInterval < time.Second || set.SyncInterval > 24*time.Hour || set.SafetySweepInterval < set.SyncInterval ||
			set.LogRetentionDays < 1 || set.LogRetentionDays > 3650 || len(set.InvoiceStatuses) == 0 {
			t.Fatalf("saved settings break the rules: %+v", set)
		}
		for _, s := range set.InvoiceStatuses {
			if !slices.Contains(a.statuses, s) {
				t.Fatalf("saved status %q, not one the page offers (%q)", s, a.statuses)
			}
		}
		ok("export", a.post(t, "/configure/export", url.Values{"csrf_token": {a.csrf}, "write_back_enabled": {onOff},
			"shipping_line_enabled": {onOff}, "line_item_code": {code}, "line_account_code": {option}, "line_tax_type": {unit}}),
			http.StatusSeeOther, http.StatusUnprocessableEntity)
		ok("backfill", a.post(t, "/configure/backfill", url.Values{"csrf_token": {a.csrf}, "since": {since}}),
			http.StatusSeeOther, http.StatusUnprocessableEntity)
		ok("store", a.post(t, "/connections/shipstation/store", url.Values{"csrf_token": {a.csrf}, "store_id": {storeID}}),
			http.StatusSeeOther, http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusNotFound, http.StatusConflict)
	})
}

// FuzzWebhookReceivers posts any body to both receivers, signed for Xero
// and with the account's URL secret for ShipStation, as a sender who holds
// them could: each answers 200, 400 or 413, never a server error, and
// nothing panics.
func FuzzWebhookReceivers(f *testing.F) {
	for _, s := range []string{`{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"x"}`,
		`{"events":[{"resourceUrl":"https://api.xero.com/api.xro/2.0/Invoices/1","resourceId":"1","eventDateUtc":"2026-03-14T11:00:00.000","eventType":"UPDATE","eventCategory":"INVOICE","tenantId":"t","tenantType":"ORGANISATION"}]}`,
		`{"resource_url":"https://ssapi.shipstation.com/shipments?batchId=1","resource_type":"SHIP_NOTIFY"}`,
		`{"resource_url":"https://evil.example/","resource_type":"SHIP_NOTIFY"}`, `{`, ``, `null`,
		`{"events":[{"eventDateUtc":"not a date"}]}`} {
		f.Add([]byte(s))
	}
	a := newFuzzApp(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []struct {
			path   string
			header http.Header
		}{
			{"/webhooks/xero", http.Header{xero.SignatureHeader: {xero.Sign(hookKey, body)}}},
			{"/webhooks/shipstation/" + fuzzHookSecret, nil},
		} {
			code := a.send(t, c.path, "application/json", body, c.header)
			if code != http.StatusOK && code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
				t.Fatalf("%s with %q: %d", c.path, body, code)
			}
		}
	})
}
