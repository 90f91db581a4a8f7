package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.get("/healthz")
	b.wantStatus(http.StatusOK)
	b.get("/readyz")
	b.wantStatus(http.StatusOK)
	b.signUp("Acme", "ann@example.com", password)

	e.web.Metrics().OrdersExported.WithLabelValues("created").Add(3)
	e.web.Metrics().APICalls.WithLabelValues("xero", "200").Inc()
	ops := httptest.NewServer(e.web.OpsHandler())
	t.Cleanup(ops.Close)
	b.get(ops.URL + "/metrics")
	b.wantStatus(http.StatusOK)
	families, err := e.web.Metrics().Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		got[f.GetName()] = true
	}
	for _, name := range []string{"orderbridge_http_requests_total", "orderbridge_orders_exported_total",
		"orderbridge_api_calls_total", "go_goroutines"} {
		if !got[name] {
			t.Errorf("metric %s not exported", name)
		}
	}
	// Requests are counted by route pattern, never by raw path.
	for _, line := range strings.Split(b.body, "\n") {
		if strings.HasPrefix(line, "orderbridge_http_requests_total{") && strings.Contains(line, `route="unmatched"`) {
			t.Errorf("an unmatched route was counted: %s", line)
		}
	}
	if !strings.Contains(b.body, `orderbridge_http_requests_total{code="303",route="POST /signup"} 1`) {
		t.Errorf("sign-up not counted by route:\n%s", b.body)
	}

	// Not ready on a database whose schema is behind.
	st, err := store.Open(t.Context(), t.TempDir()+"/empty.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptestRecorder(w.Handler(), "/readyz")
	if rec != http.StatusServiceUnavailable {
		t.Errorf("/readyz on an unmigrated database: %d", rec)
	}
}

func TestSecurityHeadersAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *web.Config) { c.SecureCookies = true })
	b := e.browser()
	b.get("/signin")
	h := b.resp.Header
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "same-origin", "Strict-Transport-Security": "max-age=31536000"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, c := range b.resp.Cookies() {
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s: HttpOnly %v Secure %v SameSite %v", c.Name, c.HttpOnly, c.Secure, c.SameSite)
		}
	}
	b.get("/no/such/page")
	b.wantStatus(http.StatusNotFound)
	if b.h1() != "Page not found" {
		t.Errorf("404 h1 = %q", b.h1())
	}
	b.get("/static/app.css")
	b.wantStatus(http.StatusOK)
	b.get("/static/")
	b.wantStatus(http.StatusNotFound)
}

// seedLog adds n log lines to an account, one a minute back from now.
func seedLog(t *testing.T, e *env, acc int64, n int, mk func(i int) store.LogEntry) {
	t.Helper()
	var entries []store.LogEntry
	for i := range n {
		le := mk(i)
		le.AccountID = acc
		le.At = e.clock.Now().Add(-time.Duration(n-i) * time.Minute)
		entries = append(entries, le)
	}
	if _, err := e.st.AppendLog(t.Context(), entries...); err != nil {
		t.Fatal(err)
	}
}

func TestAccountIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ann, bob := e.browser(), e.browser()
	ann.signUp("Ann's shop", "ann@example.com", password)
	bob.signUp("Bob's shop", "bob@example.com", password)
	annAcc := e.mustAccount(t, "ann@example.com")

	seedLog(t, e, annAcc, 3, func(i int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess,
			InvoiceID: "inv-ann", InvoiceNumber: "INV-ANN", Message: fmt.Sprintf("secret line %d", i)}
	})
	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: annAcc, InvoiceID: "inv-ann",
		InvoiceNumber: "INV-ANN", Decision: store.DecisionFailed, Reason: "Ann's reason"}); err != nil {
		t.Fatal(err)
	}
	ann.get("/log")
	if rows := ann.rows("log-table"); len(rows) != 3 {
		t.Fatalf("Ann sees %d log rows, want 3", len(rows))
	}
	annRun, _ := e.jobs.EnqueueExport(t.Context(), nil, annAcc)

	bob.get("/log")
	bob.wantStatus(http.StatusOK)
	if got := text(bob.byID("log-total")); got != "0" || bob.has("log-table") {
		t.Errorf("Bob's log shows %s lines of Ann's", got)
	}
	for _, path := range []string{"/log?invoice=INV-ANN", "/log?q=secret"} {
		bob.get(path)
		if bob.has("log-table") {
			t.Errorf("%s: Bob sees Ann's lines", path)
		}
	}
	bob.get("/log.csv")
	if strings.Contains(bob.body, "secret") {
		t.Error("Bob's CSV holds Ann's lines")
	}
	bob.get("/invoices/inv-ann")
	bob.wantStatus(http.StatusNotFound)
	bob.get("/dashboard")
	if bob.has("attention") {
		t.Error("Bob's dashboard lists Ann's invoices")
	}
	bob.get(fmt.Sprintf("/runs/%d", annRun))
	bob.wantStatus(http.StatusNotFound)
	bob.get(fmt.Sprintf("/runs/%d/status", annRun))
	bob.wantStatus(http.StatusNotFound)
	bob.get("/configure")
	bob.post("/invoices/inv-ann/resync", url.Values{"csrf_token": {bob.csrf()}})
	bob.wantStatus(http.StatusNotFound)
	if len(e.jobs.resyncs) != 0 {
		t.Errorf("Bob re-synced Ann's invoice: %v", e.jobs.resyncs)
	}
}

// connectFake marks both services connected without the emulators (for
// pages that only read the store). Each account gets an organisation and a
// store of its own (one account per organisation and store): the first
// account's are tenant-1 and store 7.
func connectFake(t *testing.T, e *env, acc int64) {
	t.Helper()
	ctx := t.Context()
	xm := store.ConnectionMetadata{TenantID: "tenant-" + itoa64(acc), TenantName: "Demo Org"}
	if err := e.st.SaveXeroConnection(ctx, acc, xm, &oauth2.Token{RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	sm := store.ConnectionMetadata{StoreID: 6 + acc, StoreName: "Main"}
	if err := e.st.SaveShipStationConnection(ctx, acc, sm, store.ShipStationCredentials{APIKey: "k", APISecret: "s"}); err != nil {
		t.Fatal(err)
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)

	b.get("/configure")
	if !hasAttr(b.field("Sync orders from Xero"), "type") || hasAttr(b.field("Sync orders from Xero"), "checked") {
		t.Error("Sync orders from Xero: want an unticked checkbox by default")
	}
	if v := attr(b.field("Tracking option name"), "value"); v != "ShipStation" {
		t.Errorf("tracking option = %q", v)
	}
	if !hasAttr(b.field("Paid"), "checked") || !hasAttr(b.field("Awaiting payment"), "checked") || hasAttr(b.field("Draft"), "checked") {
		t.Error("default statuses: want AUTHORISED and PAID ticked")
	}

	// Every problem is shown at once, on its field.
	b.submit("/configure", url.Values{"interval": {"0"}, "interval_unit": {"minute"}, "tracking_rule_enabled": {"on"}, "tracking_option_name": {" "},
		"log_retention_days": {"forever"}, "action": {"save"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	for label, want := range map[string]string{
		"Check Xero every":             "Enter a whole number of seconds, minutes or hours, from 1 second to 24 hours.",
		"Tracking option name":         "Enter the tracking option invoices must carry, such as ShipStation, or switch the rule off.",
		"Keep the transaction log for": "Enter a whole number of days from 1 to 3650.",
	} {
		if got := b.fieldError(label); got != want {
			t.Errorf("%s: error %q, want %q", label, got, want)
		}
	}
	if got := text(b.byID("invoice_statuses-error")); got != "Tick at least one invoice status." {
		t.Errorf("statuses error = %q", got)
	}
	if v := attr(b.field("Keep the transaction log for"), "value"); v != "forever" {
		t.Errorf("typed value not kept: %q", v)
	}

	valid := url.Values{"sync_enabled": {"on"}, "interval": {"10"}, "interval_unit": {"minute"}, "tracking_rule_enabled": {"on"},
		"tracking_option_name": {"Ship me"}, "tracking_category_name": {"Channel"}, "invoice_statuses": {"PAID"},
		"shipping_item_code": {"FREIGHT"}, "log_retention_days": {"30"}, "action": {"save"}}
	b.submit("/configure", valid)
	b.wantRedirect("/configure")
	b.follow()
	// The option and statuses changed: the flash says invoices are decided again.
	if b.flash() != "Settings saved. The next sync decides recent invoices again with them." {
		t.Errorf("flash = %q", b.flash())
	}
	set, _ := e.st.Settings(t.Context(), acc)
	if !set.SyncEnabled || set.SyncInterval != 10*time.Minute || set.TrackingOptionName != "Ship me" ||
		set.TrackingCategoryName != "Channel" || len(set.InvoiceStatuses) != 1 || set.ShippingItemCode != "FREIGHT" || set.LogRetentionDays != 30 {
		t.Errorf("saved settings = %+v", set)
	}
	if !hasAttr(b.field("Sync orders from Xero"), "checked") {
		t.Error("the page does not show the saved tick")
	}

	// Save and sync without connections saves but explains.
	valid.Set("action", "sync")
	b.submit("/configure", valid)
	b.follow()
	if b.flash() != "Settings saved. Nothing was synced: connect Xero first (Connections)." {
		t.Errorf("flash = %q", b.flash())
	}
	if len(e.jobs.exports) != 0 {
		t.Fatal("a run was queued without connections")
	}

	// Connected: Save and sync queues a run and shows its progress.
	connectFake(t, e, acc)
	b.submit("/configure", valid)
	b.wantRedirect("/runs/1")
	b.follow()
	if got := text(b.byID("run-text")); got != "Waiting for a worker…" {
		t.Errorf("run text = %q", got)
	}
	if attr(b.byID("run"), "data-finished") != "false" {
		t.Error("the page does not say the run is going")
	}
	e.jobs.set(1, web.RunStatus{State: web.RunRunning, Done: 3, Total: 10})
	b.get("/runs/1/status")
	var st struct {
		State       string
		Done, Total int
		Finished    bool
		Text        string
	}
	if err := json.Unmarshal([]byte(b.body), &st); err != nil {
		t.Fatal(err)
	}
	if st.State != "running" || st.Done != 3 || st.Total != 10 || st.Finished || st.Text != "Syncing: 3 of 10 invoices looked at." {
		t.Errorf("status = %+v", st)
	}
	seedLog(t, e, acc, 1, func(int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, InvoiceID: "i1",
			InvoiceNumber: "INV-1", Message: "INV-1 exported"}
	})
	e.jobs.set(1, web.RunStatus{State: web.RunSucceeded, Done: 10, Total: 10})
	b.get("/runs/1")
	if got := text(b.byID("run-text")); got != "Finished: 10 invoices looked at." {
		t.Errorf("finished run text = %q", got)
	}
	if len(e.jobs.exports) != 1 || e.jobs.exports[0] != acc {
		t.Errorf("exports = %v", e.jobs.exports)
	}
}

func TestConfigureExport(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	b.get("/configure/export")
	if hasAttr(b.field("Update tracking and shipping information"), "checked") {
		t.Error("write-back on by default")
	}
	b.submit("/configure/export", url.Values{"shipping_line_enabled": {"on"}})
	b.wantStatus(http.StatusUnprocessableEntity)
	if got := b.fieldError("Account code"); !strings.HasPrefix(got, "Enter the Xero account code") {
		t.Errorf("account code error = %q", got)
	}
	if got := b.fieldError("Add the shipping cost as an invoice line"); !strings.Contains(got, "Update tracking and shipping information") {
		t.Errorf("shipping line error = %q", got)
	}
	b.submit("/configure/export", url.Values{"write_back_enabled": {"on"}, "shipping_line_enabled": {"on"},
		"line_account_code": {"260"}, "line_item_code": {"SHIP"}, "line_tax_type": {"OUTPUT2"}})
	b.wantRedirect("/configure/export")
	set, _ := e.st.Settings(t.Context(), acc)
	if !set.WriteBackEnabled || set.ShippingLine != (store.ShippingLineSettings{Enabled: true, ItemCode: "SHIP", AccountCode: "260", TaxType: "OUTPUT2"}) {
		t.Errorf("settings = %+v", set)
	}
}

func TestTransactionLog(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	seedLog(t, e, acc, 120, func(i int) store.LogEntry {
		le := store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess,
			InvoiceID: fmt.Sprintf("id-%03d", i), InvoiceNumber: fmt.Sprintf("INV-%03d", i), Message: fmt.Sprintf("line %03d", i)}
		if i%10 == 0 {
			le.Outcome, le.Message = store.OutcomeFailed, fmt.Sprintf("=HYPERLINK(%03d) contact has no address", i)
		}
		if i%4 == 1 {
			le.Direction = store.ShipStationToXero
		}
		return le
	})
	b.get("/log")
	rows := b.rows("log-table")
	if len(rows) != 50 || rows[0][2] != "INV-119" || rows[49][2] != "INV-070" {
		t.Fatalf("page 1: %d rows, first %q, last %q", len(rows), rows[0], rows[len(rows)-1])
	}
	if got := text(b.byID("log-total")); got != "120" {
		t.Errorf("total = %s", got)
	}
	next := b.find(func(n *html.Node) bool { return attr(n, "rel") == "next" })
	if len(next) != 1 || attr(next[0], "href") != "/log?page=2" {
		t.Fatalf("next link = %v", next)
	}
	b.get("/log?page=3")
	if rows := b.rows("log-table"); len(rows) != 20 || rows[19][2] != "INV-000" {
		t.Errorf("page 3: %d rows", len(rows))
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"outcome=failed", 12},
		{"direction=shipstation_to_xero", 30},
		{"direction=shipstation_to_xero&outcome=failed", 0},
		{"invoice=INV-042", 1},
		{"q=no+address", 12},
		{"q=line+01", 9}, // line 010 is a failure with another message
		{"outcome=bogus", 50},
	} {
		b.get("/log?" + tc.query)
		got := 0
		if b.has("log-table") {
			got = len(b.rows("log-table"))
		}
		if got != tc.want {
			t.Errorf("/log?%s: %d rows, want %d", tc.query, got, tc.want)
		}
	}
	b.get("/log?outcome=failed")
	if sel := b.field("Outcome"); len(findIn(sel, func(n *html.Node) bool { return hasAttr(n, "selected") && attr(n, "value") == "failed" })) != 1 {
		t.Error("the filter does not show its choice")
	}
	csvURL := attr(b.find(func(n *html.Node) bool { return hasAttr(n, "download") })[0], "href")
	if csvURL != "/log.csv?outcome=failed" {
		t.Errorf("CSV link = %q", csvURL)
	}
	b.get(csvURL)
	if ct := b.resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV content type %q", ct)
	}
	records, err := csv.NewReader(strings.NewReader(b.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 13 || records[0][0] != "time" || records[1][2] != "failed" {
		t.Fatalf("CSV: %d records, first %q", len(records), records[:min(2, len(records))])
	}
	if !strings.HasPrefix(records[1][6], "'=HYPERLINK") {
		t.Errorf("formula not defused in CSV: %q", records[1][6])
	}
}

// fakeInvoices previews one invoice and contact, decided as the worker's
// dry run decides them.
type fakeInvoices struct {
	st        *store.Store
	inv       xero.Invoice
	contact   *xero.Contact
	account   int64
	shortCode string // the organisation's, as the worker's dry run reads it
}

func (f *fakeInvoices) Preview(ctx context.Context, accountID int64, id string) (worker.InvoiceResult, error) {
	if accountID != f.account || id != f.inv.InvoiceID {
		return worker.InvoiceResult{}, worker.ErrInvoiceNotFound
	}
	res, err := decideLikeTheWorker(ctx, f.st, accountID, f.inv, f.contact)
	res.OrgShortCode = f.shortCode
	return res, err
}

func TestInvoiceDetail(t *testing.T) {
	t.Parallel()
	src := &fakeInvoices{}
	e := newEnv(t, func(c *web.Config) { c.Invoices = src })
	b, acc := e.signUpAnn(t)
	connectFake(t, e, acc)
	src.account, src.st = acc, e.st
	src.inv = xero.Invoice{InvoiceID: "inv-1", InvoiceNumber: "INV-0001", Type: xero.InvoiceTypeSales, Status: xero.StatusAuthorised,
		Date: xero.NewDate(2026, 3, 10), Contact: &xero.Contact{ContactID: "c-1", Name: "Jane Buyer"},
		LineItems: []xero.LineItem{{LineItemID: "l-1", Description: "Widget", Quantity: 2, UnitAmount: 10, ItemCode: "W1",
			Tracking: []xero.LineItemTracking{{Name: "Channel", Option: "ShipStation"}}}}}
	src.contact = &xero.Contact{ContactID: "c-1", Name: "Jane Buyer", Addresses: []xero.Address{
		{AddressType: xero.AddressStreet, AddressLine1: "1 Queen St", City: "Auckland", PostalCode: "1010", Country: "New Zealand"}}}

	if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: "inv-1", InvoiceNumber: "INV-0001",
		Decision: store.DecisionSkipped, Reason: "No line carries the tracking option."}); err != nil {
		t.Fatal(err)
	}
	seedLog(t, e, acc, 2, func(i int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeSkipped, InvoiceID: "inv-1",
			InvoiceNumber: "INV-0001", Message: fmt.Sprintf("skip %d", i)}
	})
	b.get("/invoices/inv-1")
	b.wantStatus(http.StatusOK)
	if b.h1() != "Invoice INV-0001" {
		t.Errorf("h1 = %q", b.h1())
	}
	if got := text(b.byID("invoice-decision")); got != "Skipped" {
		t.Errorf("decision = %q", got)
	}
	// The timeline: oldest first.
	if items := findIn(b.byID("timeline"), func(n *html.Node) bool { return n.DataAtom == atom.Li }); len(items) != 2 || !strings.Contains(text(items[1]), "skip 1") {
		t.Errorf("timeline = %q", text(b.byID("timeline")))
	}
	if got := text(b.byID("preview-kind")); got != "Would be sent to ShipStation" {
		t.Errorf("preview = %q (reason %q)", got, b.body)
	}
	var order struct {
		OrderNumber string `json:"orderNumber"`
		ShipTo      struct {
			City    string `json:"city"`
			Country string `json:"country"`
		} `json:"shipTo"`
		AdvancedOptions struct {
			StoreID int64 `json:"storeId"`
		} `json:"advancedOptions"`
	}
	if err := json.Unmarshal([]byte(text(b.byID("preview-order"))), &order); err != nil {
		t.Fatalf("preview order is not JSON: %v", err)
	}
	if order.OrderNumber != "INV-0001" || order.ShipTo.City != "Auckland" || order.ShipTo.Country != "NZ" || order.AdvancedOptions.StoreID != 7 {
		t.Errorf("preview order = %+v", order)
	}

	// The tracking rule switched to another option: the preview says why it would skip.
	set, _ := e.st.Settings(t.Context(), acc)
	set.TrackingOptionName = "Other"
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/invoices/inv-1")
	if got := text(b.byID("preview-kind")); got != "Would be skipped" || !b.has("preview-reason") {
		t.Errorf("preview = %q", got)
	}

	b.submit("/invoices/inv-1/resync", nil)
	b.wantRedirect("/runs/1")
	if len(e.jobs.resyncs) != 1 || e.jobs.resyncs[0] != "inv-1" {
		t.Errorf("resyncs = %v", e.jobs.resyncs)
	}
	b.get("/invoices/unknown")
	b.wantStatus(http.StatusNotFound)
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	b.get("/dashboard")
	problems := b.alertItems("problems")
	want := []string{
		"Xero is not connected: no invoices can be read. Connect Xero",
		"ShipStation is not connected: no orders can be sent. Connect ShipStation",
		"“Sync orders from Xero” is off: nothing syncs on its own. Configure",
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}

	connectFake(t, e, acc)
	set, _ := e.st.Settings(t.Context(), acc)
	set.SyncEnabled = true
	_, _ = e.st.ChangeSettings(t.Context(), acc, set)
	for i, d := range []store.Decision{store.DecisionExported, store.DecisionExported, store.DecisionFailed} {
		if err := e.st.UpsertInvoiceLink(t.Context(), store.InvoiceLink{AccountID: acc, InvoiceID: fmt.Sprint("i", i),
			InvoiceNumber: fmt.Sprint("INV-", i), Decision: d, Reason: "Add a street address to contact Jane.",
			OrderID: int64(100 + i), OrderStatus: "awaiting_shipment"}); err != nil {
			t.Fatal(err)
		}
	}
	seedLog(t, e, acc, 4, func(i int) store.LogEntry {
		o := store.OutcomeSuccess
		if i == 3 {
			o = store.OutcomeFailed
		}
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: o, Message: "x"}
	})
	b.get("/dashboard")
	if got := text(b.byID("count-in-shipstation")); got != "2" {
		t.Errorf("in ShipStation = %s", got)
	}
	if got := strings.Join(b.alertItems("problems"), "\n"); got != "1 invoice failed to sync; each says what to fix. See failures" {
		t.Errorf("problems = %q", got)
	}
	if got := attr(b.link("See failures"), "href"); got != "/invoices?state=failed" {
		t.Errorf("See failures links to %q, want the invoices page filtered to the failed ones", got)
	}
	rows := b.rows("chart-table")
	if len(rows) != 14 || rows[13][0] != "2026-03-14" || rows[13][1] != "3" || rows[13][2] != "1" {
		t.Errorf("chart rows = %q", rows[len(rows)-1])
	}
	if got := text(b.byID("attention")); !strings.Contains(got, "INV-2: Add a street address to contact Jane.") {
		t.Errorf("attention = %q", got)
	}
}

func TestBackfill(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	b.get("/configure")
	for since, want := range map[string]string{
		"31/01/2026": "Enter a date as YYYY-MM-DD, such as 2026-01-31.",
		"2026-04-01": "Choose a date that is not in the future.",
		"1999-01-01": "Choose a date within the last ten years.",
	} {
		b.submit("/configure/backfill", url.Values{"since": {since}})
		b.wantStatus(http.StatusUnprocessableEntity)
		if got := b.fieldError("Sync invoices since"); got != want {
			t.Errorf("since %s: %q, want %q", since, got, want)
		}
	}
	b.submit("/configure/backfill", url.Values{"since": {"2026-01-31"}})
	b.wantRedirect("/configure")
	b.follow()
	if b.flash() != "Nothing was synced: connect Xero first (Connections)." {
		t.Errorf("flash = %q", b.flash())
	}
	connectFake(t, e, acc)
	b.submit("/configure/backfill", url.Values{"since": {"2026-01-31"}})
	b.wantRedirect("/runs/1")
	if len(e.jobs.backfills) != 1 || !e.jobs.backfills[0].Equal(time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("backfills = %v", e.jobs.backfills)
	}
	e.jobs.set(1, web.RunStatus{State: web.RunRunning, Done: 250, Total: 1000})
	b.follow()
	bar := b.field("Progress")
	if attr(bar, "max") != "1000" || attr(bar, "value") != "250" {
		t.Errorf("progress bar max %q value %q", attr(bar, "max"), attr(bar, "value"))
	}
}

type fakeStatus struct {
	st  web.AccountStatus
	err error
}

func (f fakeStatus) AccountStatus(context.Context, int64) (web.AccountStatus, error) {
	return f.st, f.err
}

func TestDashboardWorkerStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    fakeStatus
		problem   string
		nextRun   string
		wantError bool
	}{
		{"stuck", fakeStatus{st: web.AccountStatus{
			LastRunAt: time.Date(2026, 3, 14, 11, 58, 0, 0, time.UTC), NextRunAt: time.Date(2026, 3, 14, 12, 3, 0, 0, time.UTC),
			StuckAttempts: 3,
		}}, "Exports keep failing (3 tries so far); orders are waiting. It will try again on its own. See the log", "in 3 minutes", false},
		{"worker down", fakeStatus{err: context.DeadlineExceeded}, "", "within 5 minutes", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *web.Config) { c.Status = tc.status })
			b, acc := e.signUpAnn(t)
			connectFake(t, e, acc)
			set, _ := e.st.Settings(t.Context(), acc)
			set.SyncEnabled = true
			_, _ = e.st.ChangeSettings(t.Context(), acc, set)
			b.get("/dashboard")
			got := strings.Join(b.alertItems("problems"), "\n")
			if got != tc.problem {
				t.Errorf("problems = %q, want %q", got, tc.problem)
			}
			if n := text(b.byID("next-run")); n != tc.nextRun {
				t.Errorf("next run = %q, want %q", n, tc.nextRun)
			}
			if b.has("last-run") == tc.wantError {
				t.Errorf("last run shown: %v", b.has("last-run"))
			}
		})
	}
}

func TestPurge(t *testing.T) {
	t.Parallel()
	e, b, _ := annSignedUp(t)
	e.clock.Advance(15 * 24 * time.Hour) // past the 14-day session
	if err := e.web.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n, err := e.st.PurgeExpiredSessions(t.Context()); err != nil || n != 0 {
		t.Errorf("after Purge, %d expired sessions were left (%v)", n, err)
	}
	b.get("/dashboard")
	b.wantRedirect("/signin?next=%2Fdashboard")
}

// Save and sync saves the settings and queues the run in one transaction:
// when the run cannot be queued, the settings are not saved either.
func TestSaveAndSyncAtomic(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	connectFake(t, e, acc)
	e.jobs.mu.Lock()
	e.jobs.fail = errors.New("queue unavailable")
	e.jobs.mu.Unlock()
	b.get("/configure")
	b.submit("/configure", url.Values{"sync_enabled": {"on"}, "interval": {"15"}, "interval_unit": {"minute"}, "invoice_statuses": {"PAID"},
		"log_retention_days": {"90"}, "action": {"sync"}})
	b.wantStatus(http.StatusInternalServerError)
	if set, _ := e.st.Settings(t.Context(), acc); set.SyncEnabled || set.SyncInterval == 15*time.Minute {
		t.Errorf("settings saved although the run was not queued: %+v", set)
	}
}

// The dashboard's Webhooks section says, per direction, whether webhooks
// are on and working, and which sweep interval that leaves in effect.
func TestDashboardWebhooks(t *testing.T) {
	t.Parallel()
	const base = "https://bridge.example.com"
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC) // newEnv's clock
	const secret = "hook-url-secret-do-not-show"
	type seed func(t *testing.T, e *env, acc int64)
	delivered := func(src store.WebhookSource, ago time.Duration, events, dups int) seed {
		return func(t *testing.T, e *env, acc int64) {
			if err := e.st.NoteWebhookDelivery(t.Context(), acc, src, now.Add(-ago), events, dups); err != nil {
				t.Fatal(err)
			}
		}
	}
	failed := func(src store.WebhookSource, ago time.Duration, reason string) seed {
		return func(t *testing.T, e *env, acc int64) {
			if err := e.st.NoteWebhookFailure(t.Context(), acc, src, now.Add(-ago), reason); err != nil {
				t.Fatal(err)
			}
		}
	}
	hook := func(webhookID, storeID int64) seed {
		return func(t *testing.T, e *env, acc int64) {
			if err := e.st.SaveShipStationHook(t.Context(), store.ShipStationHook{AccountID: acc,
				SecretHash: store.HashHookSecret(secret), WebhookID: webhookID, StoreID: storeID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const (
		sweepFast = "Sweep every 5 minutes, as webhooks have not worked in the last day (a delivery, and no failure since)."
		sweepSafe = "Safety sweep every hour, as webhooks are working: it catches what they missed."
		sweepOff  = "Sweep every 5 minutes."
	)
	for _, tc := range []struct {
		name     string
		hooks    bool   // web.Config.Webhooks set
		xeroKey  string // web.Config.XeroWebhookKey
		seeds    []seed
		want     map[string]string // element id -> text
		wantNone []string          // element ids that must not be there
	}{
		{name: "webhooks off", want: map[string]string{
			"webhook-xero-state":        "Off: orders sync on the schedule (every 5 minutes).",
			"webhook-xero-sweep":        sweepOff,
			"webhook-shipstation-state": "Off: shipments are read on the schedule (every 5 minutes).",
			"webhook-shipstation-sweep": sweepOff,
		}, wantNone: []string{"webhook-xero-last", "webhook-xero-hint", "webhook-shipstation-last"}},
		{name: "xero key set, nothing received", hooks: true, xeroKey: "signing-key", want: map[string]string{
			"webhook-xero-state": "No event received yet.",
			"webhook-xero-hint": "For the operator: in Xero's developer portal, the app's webhook must point at this address " +
				"(and its signing key must be this orderbridge's): " + base + "/webhooks/xero",
			"webhook-xero-last":         "none yet",
			"webhook-xero-sweep":        sweepFast,
			"webhook-shipstation-state": "Not subscribed: save the store to send orders to on Connections to turn instant shipment updates on.",
			"webhook-shipstation-sweep": sweepFast,
		}, wantNone: []string{"webhook-xero-events", "webhook-xero-failure", "webhook-shipstation-failure"}},
		{name: "xero delivering", hooks: true, xeroKey: "signing-key",
			seeds: []seed{delivered(store.SourceXero, 2*time.Hour, 3, 0), delivered(store.SourceXero, 10*time.Minute, 4, 2)},
			want: map[string]string{
				"webhook-xero-state":      "On: orders sync within seconds of a change in Xero.",
				"webhook-xero-last":       "14 Mar 2026 11:50 UTC",
				"webhook-xero-events":     "7",
				"webhook-xero-duplicates": "2",
				"webhook-xero-sweep":      sweepSafe,
			}, wantNone: []string{"webhook-xero-hint", "webhook-xero-failure"}},
		{name: "xero failure before the last delivery is history", hooks: true, xeroKey: "signing-key",
			seeds: []seed{failed(store.SourceXero, time.Hour, "Xero did not answer."), delivered(store.SourceXero, 10*time.Minute, 1, 0)},
			want: map[string]string{
				"webhook-xero-failure": "Last failure 14 Mar 2026 11:00 UTC: Xero did not answer.",
				"webhook-xero-sweep":   sweepSafe,
			}},
		{name: "xero failure since the last delivery", hooks: true, xeroKey: "signing-key",
			seeds: []seed{delivered(store.SourceXero, time.Hour, 1, 0), failed(store.SourceXero, 5*time.Minute, "The export it asked for failed.")},
			want: map[string]string{
				"webhook-xero-last":    "14 Mar 2026 11:00 UTC",
				"webhook-xero-failure": "Last failure 14 Mar 2026 11:55 UTC: The export it asked for failed.",
				"webhook-xero-sweep":   sweepFast,
			}},
		{name: "xero quiet for over a day", hooks: true, xeroKey: "signing-key",
			seeds: []seed{delivered(store.SourceXero, 25*time.Hour, 1, 0)},
			want: map[string]string{
				"webhook-xero-last":  "13 Mar 2026 11:00 UTC",
				"webhook-xero-sweep": sweepFast,
			}},
		{name: "xero key unset, hooks on", hooks: true, want: map[string]string{
			"webhook-xero-state": "Off: orders sync on the schedule (every 5 minutes).",
			"webhook-xero-sweep": sweepOff,
		}},
		{name: "shipstation being set up", hooks: true, seeds: []seed{hook(0, 7)}, want: map[string]string{
			"webhook-shipstation-state": "Being set up: orderbridge is subscribing to ShipStation's shipment notifications.",
			"webhook-shipstation-last":  "none yet",
		}},
		{name: "shipstation subscribed and delivering", hooks: true,
			seeds: []seed{hook(4242, 7), delivered(store.SourceShipStation, 3*time.Hour, 1, 0)},
			want: map[string]string{
				"webhook-shipstation-state": "Subscribed for store Main.",
				"webhook-shipstation-last":  "14 Mar 2026 09:00 UTC",
				"webhook-shipstation-sweep": sweepSafe,
			}, wantNone: []string{"webhook-shipstation-failure"}},
		{name: "shipstation failing", hooks: true,
			seeds: []seed{hook(4242, 7), delivered(store.SourceShipStation, 3*time.Hour, 1, 0),
				failed(store.SourceShipStation, time.Hour, "ShipStation refused the shipment batch (401).")},
			want: map[string]string{
				"webhook-shipstation-failure": "Last failure 14 Mar 2026 11:00 UTC: ShipStation refused the shipment batch (401).",
				"webhook-shipstation-sweep":   sweepFast,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *web.Config) {
				c.BaseURL = base
				if tc.hooks {
					withHookWork(&fakeHookWork{}, tc.xeroKey)(c)
				}
			})
			b, acc := e.signUpAnn(t)
			connectFake(t, e, acc)
			set, _ := e.st.Settings(t.Context(), acc)
			set.SyncEnabled, set.WriteBackEnabled = true, true
			if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.seeds {
				s(t, e, acc)
			}
			b.get("/status")
			b.wantStatus(http.StatusOK)
			for id, want := range tc.want {
				// text() spaces block elements, <time> among them.
				if got := strings.ReplaceAll(text(b.byID(id)), " :", ":"); got != want {
					t.Errorf("#%s = %q, want %q", id, got, want)
				}
			}
			for _, id := range tc.wantNone {
				if b.has(id) {
					t.Errorf("#%s shown: %q", id, text(b.byID(id)))
				}
			}
			if strings.Contains(b.body, secret) || strings.Contains(b.body, store.HashHookSecret(secret)) {
				t.Error("the dashboard shows the hook secret or its hash")
			}
		})
	}
}

// With syncing off the sweep lines say there is no sweep; with it on,
// working webhooks put the safety interval from the settings in effect.
func TestDashboardWebhooksSweepSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHookWork(&fakeHookWork{}, "signing-key"))
	b, acc := e.signUpAnn(t)
	connectFake(t, e, acc)
	now := e.clock.Now()
	for _, src := range []store.WebhookSource{store.SourceXero, store.SourceShipStation} {
		if err := e.st.NoteWebhookDelivery(t.Context(), acc, src, now.Add(-time.Minute), 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	b.get("/status")
	for id, want := range map[string]string{
		"webhook-xero-sweep":        "No sweep: “Sync orders from Xero” is off.",
		"webhook-shipstation-sweep": "No sweep: “Update tracking and shipping information” is off (Xero Export).",
	} {
		if got := text(b.byID(id)); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	set, _ := e.st.Settings(t.Context(), acc)
	set.SyncEnabled, set.WriteBackEnabled = true, true
	set.SyncInterval, set.SafetySweepInterval = 10*time.Minute, 3*time.Hour
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/status")
	for _, id := range []string{"webhook-xero-sweep", "webhook-shipstation-sweep"} {
		if got, want := text(b.byID(id)), "Safety sweep every 3 hours, as webhooks are working: it catches what they missed."; got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}
	b.get("/dashboard")
	if got := text(b.byID("next-run")); got != "within 3 hours" {
		t.Errorf("next run = %q, want the safety sweep's interval", got)
	}
}

// One account's webhook health and subscription never show on another's
// dashboard.
func TestDashboardWebhooksIsolation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withHookWork(&fakeHookWork{}, "signing-key"))
	ann, bob := e.browser(), e.browser()
	ann.signUp("Ann's shop", "ann@example.com", password)
	bob.signUp("Bob's shop", "bob@example.com", password)
	annAcc, bobAcc := e.mustAccount(t, "ann@example.com"), e.mustAccount(t, "bob@example.com")
	connectFake(t, e, annAcc)
	connectFake(t, e, bobAcc)
	ctx, now := t.Context(), e.clock.Now()
	for _, src := range []store.WebhookSource{store.SourceXero, store.SourceShipStation} {
		if err := e.st.NoteWebhookDelivery(ctx, annAcc, src, now.Add(-time.Minute), 9, 4); err != nil {
			t.Fatal(err)
		}
		if err := e.st.NoteWebhookFailure(ctx, annAcc, src, now, "Ann's failure"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.st.SaveShipStationHook(ctx, store.ShipStationHook{AccountID: annAcc, SecretHash: store.HashHookSecret("ann"),
		WebhookID: 77, StoreID: 7}); err != nil {
		t.Fatal(err)
	}
	ann.get("/status")
	if got := text(ann.byID("webhook-xero-events")); got != "9" {
		t.Fatalf("Ann's events = %q, want 9", got)
	}
	bob.get("/status")
	for id, want := range map[string]string{
		"webhook-xero-state":        "No event received yet.",
		"webhook-xero-last":         "none yet",
		"webhook-shipstation-state": "Not subscribed: save the store to send orders to on Connections to turn instant shipment updates on.",
		"webhook-shipstation-last":  "none yet",
	} {
		if got := text(bob.byID(id)); got != want {
			t.Errorf("Bob's #%s = %q, want %q", id, got, want)
		}
	}
	if strings.Contains(text(bob.byID("webhooks")), "Ann's failure") {
		t.Error("Bob's dashboard shows Ann's webhook failure")
	}
}

// The safety sweep interval is a choice on the configure page, never
// shorter than the schedule.
func TestConfigureSafetySweep(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	b.get("/configure")
	sel := b.field("Safety sweep when webhooks work")
	var options []string
	selected := ""
	for _, o := range findIn(sel, func(n *html.Node) bool { return n.Data == "option" }) {
		options = append(options, text(o))
		if hasAttr(o, "selected") {
			selected = text(o)
		}
	}
	if got := strings.Join(options, ", "); got != "15 minutes, 30 minutes, 1 hour, 3 hours, 6 hours, 24 hours" {
		t.Errorf("options = %s", got)
	}
	if selected != "1 hour" {
		t.Errorf("selected = %q, want the default, 1 hour", selected)
	}
	form := func(interval, sweep string) url.Values {
		return url.Values{"interval": {interval}, "interval_unit": {"minute"}, "safety_sweep_minutes": {sweep}, "invoice_statuses": {"PAID"},
			"log_retention_days": {"90"}, "action": {"save"}}
	}
	for _, tc := range []struct{ interval, sweep, want string }{
		{"30", "15", "Choose an interval no shorter than the schedule above (30 minutes): this one only slows the sweep down."},
		{"5", "never", "Choose one of the intervals offered."},
		{"5", "0", "Choose one of the intervals offered."},
		{"5", "2000", "Choose one of the intervals offered."},
	} {
		b.submit("/configure", form(tc.interval, tc.sweep))
		b.wantStatus(http.StatusUnprocessableEntity)
		if got := b.fieldError("Safety sweep when webhooks work"); got != tc.want {
			t.Errorf("interval %s, sweep %s: error %q, want %q", tc.interval, tc.sweep, got, tc.want)
		}
	}
	if set, _ := e.st.Settings(t.Context(), acc); set.SafetySweepInterval != time.Hour || set.SyncInterval != 5*time.Minute {
		t.Errorf("a refused form was saved: %+v", set)
	}

	b.submit("/configure", form("30", "180"))
	b.wantRedirect("/configure")
	b.follow()
	if set, _ := e.st.Settings(t.Context(), acc); set.SafetySweepInterval != 3*time.Hour || set.SyncInterval != 30*time.Minute {
		t.Errorf("saved sweep %v, interval %v; want 3h, 30m", set.SafetySweepInterval, set.SyncInterval)
	}
	for _, o := range findIn(b.field("Safety sweep when webhooks work"), func(n *html.Node) bool { return n.Data == "option" }) {
		if hasAttr(o, "selected") && text(o) != "3 hours" {
			t.Errorf("the page shows %q selected, want 3 hours", text(o))
		}
	}
	// Equal to the schedule is fine.
	b.submit("/configure", form("30", "30"))
	b.wantRedirect("/configure")
	b.follow()
	if set, _ := e.st.Settings(t.Context(), acc); set.SafetySweepInterval != 30*time.Minute {
		t.Errorf("saved sweep %v, want 30m", set.SafetySweepInterval)
	}
	// A saved interval that is none of the choices is still shown.
	b.submit("/configure", form("120", "180"))
	b.wantRedirect("/configure")
	set, _ := e.st.Settings(t.Context(), acc)
	set.SafetySweepInterval = 2 * time.Hour
	if _, err := e.st.ChangeSettings(t.Context(), acc, set); err != nil {
		t.Fatal(err)
	}
	b.get("/configure")
	for _, o := range findIn(b.field("Safety sweep when webhooks work"), func(n *html.Node) bool { return n.Data == "option" }) {
		if hasAttr(o, "selected") && (text(o) != "2 hours" || attr(o, "value") != "120") {
			t.Errorf("selected option %q (%s), want 2 hours (120)", text(o), attr(o, "value"))
		}
	}
}
