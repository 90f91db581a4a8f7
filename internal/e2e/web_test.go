package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu/shipstationemutest"
	"github.com/orderbridge/orderbridge/internal/store/seal"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/web"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

// webWorld is the whole product as `serve` runs it (River, the sweep off,
// the web app on a real port) against both emulators, with no account:
// the test makes one through the web app.
type webWorld struct {
	xemu *xeroemu.Emulator
	semu *shipstationemu.Emulator
	app  *app.App
	url  string
}

func newWebWorld(t *testing.T, tweak ...func(*app.Options)) *webWorld {
	t.Helper()
	// Real limits (the story makes a few calls): the answers then carry
	// the rate-limit headers /metrics reports.
	xemu := xeroemutest.NewServer(t, xeroemu.Options{RateLimit: emukit.RealRateLimit, OrgNames: []string{"Acme Outdoor Ltd"}})
	semu := shipstationemutest.NewServer(t, shipstationemu.Options{RateLimit: emukit.RealRateLimit})
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.XeroClientID, cfg.XeroClientSecret = xemu.ClientID(), xemu.ClientSecret()
	cfg.XeroBaseURL = xemu.URL()
	cfg.ShipStationBaseURL = semu.URL()
	cfg.HTTPAddr = "127.0.0.1:0"    // the base URL and the Xero redirect URL follow the port
	cfg.MetricsAddr = "127.0.0.1:0" // /metrics is served there only
	cfg.AllowSignUp = true
	_, key, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = key
	opts := app.Options{
		Logger: testLogger(t), NoSweep: true, FetchPollInterval: 100 * time.Millisecond, ServeWeb: true,
		Argon2: password.Params{Memory: 64, Time: 1, Threads: 1},
	}
	for _, f := range tweak {
		f(&opts)
	}
	a, err := app.New(t.Context(), cfg, opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(t.Context()))
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if a.WebURL() == "" {
		t.Fatal("the app serves no web app")
	}
	return &webWorld{xemu: xemu, semu: semu, app: a, url: a.WebURL()}
}

// client is a person's browser over real HTTP: a cookie jar, redirects
// followed, pages parsed.
type client struct {
	t    *testing.T
	base string
	hc   *http.Client
	resp *http.Response
	body string
	doc  *html.Node
}

func (w *webWorld) client(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: w.url, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (c *client) do(method, path string, form url.Values) {
	c.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = c.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, target, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.resp, c.body, c.doc = resp, string(raw), nil
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if c.doc, err = html.Parse(strings.NewReader(c.body)); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *client) get(path string) { c.t.Helper(); c.do(http.MethodGet, path, nil) }

// submit posts the form with the given action on the current page: its
// hidden fields (the CSRF token) come from the page, values add the rest.
func (c *client) submit(action string, values url.Values) {
	c.t.Helper()
	forms := c.find(func(n *html.Node) bool { return n.DataAtom == atom.Form && attrOf(n, "action") == action })
	if len(forms) == 0 {
		c.t.Fatalf("%s: no form posting to %s", c.path(), action)
	}
	all := url.Values{}
	for _, in := range findNodes(forms[0], func(n *html.Node) bool { return n.DataAtom == atom.Input && attrOf(n, "type") == "hidden" }) {
		all.Set(attrOf(in, "name"), attrOf(in, "value"))
	}
	for k, v := range values {
		all[k] = v
	}
	c.do(http.MethodPost, action, all)
}

func (c *client) path() string { return c.resp.Request.URL.Path }

func (c *client) want(code int, path string) {
	c.t.Helper()
	if c.resp.StatusCode != code || (path != "" && c.path() != path) {
		c.t.Fatalf("on %s with %d, want %s with %d\n%.2000s", c.path(), c.resp.StatusCode, path, code, c.body)
	}
}

func (c *client) find(pred func(*html.Node) bool) []*html.Node {
	c.t.Helper()
	if c.doc == nil {
		c.t.Fatalf("%s is not a page", c.path())
	}
	return findNodes(c.doc, pred)
}

func (c *client) byID(id string) *html.Node {
	c.t.Helper()
	ns := c.find(func(n *html.Node) bool { return attrOf(n, "id") == id })
	if len(ns) == 0 {
		c.t.Fatalf("%s: no #%s\n%.2000s", c.path(), id, c.body)
	}
	return ns[0]
}

// tableRows returns the text of the body rows' cells of table #id (none
// when the page has no such table: an empty log shows a message instead).
func (c *client) tableRows(id string) [][]string {
	var out [][]string
	for _, tbl := range c.find(func(n *html.Node) bool { return attrOf(n, "id") == id }) {
		for _, tr := range findNodes(tbl, func(n *html.Node) bool { return n.DataAtom == atom.Tr }) {
			var row []string
			for _, td := range findNodes(tr, func(n *html.Node) bool { return n.DataAtom == atom.Td }) {
				row = append(row, nodeText(td))
			}
			if row != nil {
				out = append(out, row)
			}
		}
	}
	return out
}

func findNodes(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && pred(d) {
			out = append(out, d)
		}
	}
	return out
}

func attrOf(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func nodeText(n *html.Node) string {
	var sb strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			sb.WriteString(d.Data + " ")
		}
	}
	return strings.Join(strings.Fields(sb.String()), " ")
}

// runStatus is /runs/{id}/status's JSON.
type runStatus struct {
	State    string
	Done     int
	Finished bool
	Text     string
}

// waitRun polls a run's status, as the run page's script does, until the
// run is over.
func (c *client) waitRun(run string) runStatus {
	c.t.Helper()
	var st runStatus
	testkit.WaitFor(c.t, "run "+run+" to finish", 30*time.Second, func() bool {
		c.get(run + "/status")
		c.want(http.StatusOK, "")
		if err := json.Unmarshal([]byte(c.body), &st); err != nil {
			c.t.Fatalf("status %q: %v", c.body, err)
		}
		return st.Finished
	})
	return st
}

func (c *client) signUp(company, email string) {
	c.t.Helper()
	c.get("/signup")
	c.submit("/signup", url.Values{"company": {company}, "email": {email}, "name": {"Ann"},
		"password": {"correct horse battery"}, "password_confirm": {"correct horse battery"}})
	c.want(http.StatusOK, "/dashboard")
}

// TestWebAppSaveAndSync is the merchant's story over real HTTP against the
// running product: sign up, connect ShipStation and Xero (the emulator
// consents and redirects back to the web app's callback), tick the task
// setting and Save and sync, follow the run until it is done, find the
// order in the transaction log, open the invoice; a second user sees none
// of it; /metrics counted the work.
func TestWebAppSaveAndSync(t *testing.T) {
	t.Parallel()
	w := newWebWorld(t)
	ann := w.client(t)
	ann.signUp("Acme Outdoor Ltd", "ann@example.com")

	ann.get("/connections")
	ann.submit("/connections/shipstation", url.Values{"api_key": {w.semu.APIKey()}, "api_secret": {w.semu.APISecret()}})
	ann.want(http.StatusOK, "/connections")
	// Connect Xero is a link: to the emulator's consent, which answers
	// with a redirect to the web app's callback at once.
	ann.get(attrOf(ann.byID("connect-xero"), "href"))
	ann.want(http.StatusOK, "/connections")
	if got := nodeText(ann.byID("xero-status")); !strings.HasPrefix(got, "Connected") {
		t.Fatalf("Xero status after connecting: %q", got)
	}

	tenant := w.xemu.DefaultTenantID()
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	inv := ww.invoice(ww.contact("Hiker Supplies"), true)
	nowhere, err := w.xemu.SeedContact(tenant, xeroemu.Contact{Name: "No Address Ltd", FirstName: "Nobody"})
	if err != nil {
		t.Fatal(err)
	}
	ww.invoice(nowhere, true) // held back until the contact has an address

	ann.get("/configure")
	ann.submit("/configure", url.Values{"sync_enabled": {"on"}, "interval": {"60"}, "interval_unit": {"minute"}, "tracking_rule_enabled": {"on"},
		"tracking_option_name": {"ShipStation"}, "tracking_category_name": {"Sales Channel"},
		"invoice_statuses": {"AUTHORISED", "PAID"}, "log_retention_days": {"30"}, "action": {"sync"}})
	ann.want(http.StatusOK, "")
	if !strings.HasPrefix(ann.path(), "/runs/") {
		t.Fatalf("Save and sync landed on %s, want the run's page", ann.path())
	}
	run := ann.path()

	if st := ann.waitRun(run); st.State != string(web.RunSucceeded) {
		t.Fatalf("run ended %+v", st)
	}
	if _, ok := w.semu.OrderByKey(ww.key(inv)); !ok {
		t.Fatal("Save and sync sent no order to ShipStation")
	}

	ann.get("/log")
	var row []string
	for _, r := range ann.tableRows("log-table") {
		if len(r) > 2 && r[2] == inv.InvoiceNumber {
			row = r
		}
	}
	if row == nil || row[4] != "success" {
		t.Fatalf("log row of %s = %v; rows %v", inv.InvoiceNumber, row, ann.tableRows("log-table"))
	}
	links := ann.find(func(n *html.Node) bool { return n.DataAtom == atom.A && nodeText(n) == inv.InvoiceNumber })
	if len(links) == 0 {
		t.Fatal("the log row does not link to the invoice")
	}
	invoicePage := attrOf(links[0], "href")
	ann.get(invoicePage)
	ann.want(http.StatusOK, "/invoices/"+inv.InvoiceID)
	if got := nodeText(ann.byID("invoice-decision")); got != "In ShipStation, awaiting shipment" {
		t.Errorf("invoice state = %q", got)
	}
	// The preview fetched the invoice from Xero and decided it again.
	if got := nodeText(ann.byID("preview-kind")); got != "ShipStation already has this order" {
		t.Errorf("preview = %q", got)
	}
	// The link to Xero goes through the organisation's short code, which
	// the app's preview read.
	var xeroLink string
	for _, a := range ann.find(func(n *html.Node) bool { return n.DataAtom == atom.A && nodeText(n) == "Open in Xero" }) {
		xeroLink = attrOf(a, "href")
	}
	if !strings.Contains(xeroLink, "shortcode=") || !strings.HasSuffix(xeroLink, "InvoiceID="+inv.InvoiceID) {
		t.Errorf("Open in Xero link %q", xeroLink)
	}

	// Re-sync sends the order again now, as a run of its own.
	ann.submit("/invoices/"+inv.InvoiceID+"/resync", nil)
	if !strings.HasPrefix(ann.path(), "/runs/") {
		t.Fatalf("Re-sync landed on %s", ann.path())
	}
	if st := ann.waitRun(ann.path()); st.State != string(web.RunSucceeded) || st.Text != "Finished: 1 invoice looked at." {
		t.Errorf("re-sync run ended %+v", st)
	}
	// A backfill moves the cursor back and reads everything since then.
	ann.get("/configure")
	ann.submit("/configure/backfill", url.Values{"since": {time.Now().AddDate(0, -2, 0).Format("2006-01-02")}})
	if !strings.HasPrefix(ann.path(), "/runs/") {
		t.Fatalf("the backfill landed on %s", ann.path())
	}
	if st := ann.waitRun(ann.path()); st.State != string(web.RunSucceeded) || st.Text != "Finished: 2 invoices looked at." {
		t.Errorf("backfill run ended %+v", st)
	}
	if n := len(w.semu.Orders()); n != 1 {
		t.Errorf("%d orders in ShipStation after a re-sync and a backfill, want 1", n)
	}

	ann.get("/dashboard")
	ann.want(http.StatusOK, "/dashboard")
	if got := nodeText(ann.byID("count-in-shipstation")); got != "1" {
		t.Errorf("dashboard in-ShipStation count = %q", got)
	}
	ann.byID("last-run")
	var problems []string
	for _, li := range findNodes(ann.byID("problems"), func(n *html.Node) bool { return n.DataAtom == atom.Li }) {
		problems = append(problems, nodeText(li))
	}
	if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, "1 invoice(s) wait for a contact's address") }) {
		t.Errorf("dashboard problems %q do not mention the contact without an address", problems)
	}

	// Another merchant sees an empty log and cannot open Ann's invoice or run.
	bob := w.client(t)
	bob.signUp("Bob's Bikes", "bob@example.com")
	bob.get("/log")
	if rows := bob.tableRows("log-table"); len(rows) != 0 {
		t.Errorf("a second user sees %d log rows", len(rows))
	}
	bob.get(invoicePage)
	bob.want(http.StatusNotFound, "")
	bob.get(run + "/status")
	bob.want(http.StatusNotFound, "")

	// The public listener does not serve the metrics.
	ann.get("/metrics")
	ann.want(http.StatusNotFound, "")

	// River reports the finished job to the metrics (on the metrics
	// listener) a moment after the run's status says so.
	wants := []string{`orderbridge_api_calls_total{service="xero",status="200"}`,
		`orderbridge_api_calls_total{service="shipstation",status="200"}`,
		`orderbridge_jobs_total{kind="export_invoices",outcome="completed"} 2`,
		`orderbridge_jobs_total{kind="resync_invoice",outcome="completed"} 1`,
		`orderbridge_orders_exported_total{result="created"} 1`,
		`orderbridge_database_up 1`,
		`orderbridge_accounts{state="ok"}`,
		`orderbridge_xero_day_quota_remaining_ratio_bucket{le="0.2"}`}
	testkit.Until(t, 10*time.Second, func() error {
		ann.get(w.app.MetricsURL() + "/metrics")
		var missing []string
		for _, want := range wants {
			if !strings.Contains(ann.body, want) {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("/metrics lacks %s", strings.Join(missing, ", "))
		}
		return nil
	})
}

// gate holds every order upload to one host after the first until
// opened: a run then stops, deterministically, after its first page.
// Other calls (the webhook subscription the connect flow queues) pass.
type gate struct {
	host  string
	open  chan struct{}
	mu    sync.Mutex
	posts int
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Host == g.host && r.URL.Path == "/orders/createorders" {
		g.mu.Lock()
		g.posts++
		n := g.posts
		g.mu.Unlock()
		if n > 1 {
			select {
			case <-g.open:
			case <-r.Context().Done():
				return nil, r.Context().Err()
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestRunProgressShowsCounts checks that a run's status page counts the
// invoices looked at while the run is still going (after each committed
// page), and the total when it is over.
func TestRunProgressShowsCounts(t *testing.T) {
	t.Parallel()
	g := &gate{open: make(chan struct{})}
	w := newWebWorld(t, func(o *app.Options) {
		o.PageSize = 1
		o.HTTPClient = &http.Client{Transport: g, Timeout: time.Minute}
	})
	u, err := url.Parse(w.semu.URL())
	if err != nil {
		t.Fatal(err)
	}
	g.host = u.Host
	defer func() {
		select {
		case <-g.open:
		default:
			close(g.open)
		}
	}()
	ann := w.client(t)
	ann.signUp("Acme Outdoor Ltd", "ann@example.com")
	tenant := w.xemu.DefaultTenantID()
	ww := &world{t: t, xemu: w.xemu, tenant: tenant}
	if _, err := w.xemu.SeedTrackingCategory(tenant, "Sales Channel", "ShipStation", "Retail"); err != nil {
		t.Fatal(err)
	}
	c := ww.contact("Hiker Supplies")
	for range 3 {
		ww.invoice(c, true)
	}
	ann.get("/connections")
	ann.submit("/connections/shipstation", url.Values{"api_key": {w.semu.APIKey()}, "api_secret": {w.semu.APISecret()}})
	ann.get(attrOf(ann.byID("connect-xero"), "href"))
	ann.want(http.StatusOK, "/connections")
	ann.get("/configure")
	ann.submit("/configure", url.Values{"sync_enabled": {"on"}, "interval": {"60"}, "interval_unit": {"minute"}, "tracking_rule_enabled": {"on"},
		"tracking_option_name": {"ShipStation"}, "invoice_statuses": {"AUTHORISED", "PAID"}, "log_retention_days": {"30"},
		"action": {"sync"}})
	run := ann.path()
	if !strings.HasPrefix(run, "/runs/") {
		t.Fatalf("Save and sync landed on %s", run)
	}
	type status struct {
		State    string
		Done     int
		Finished bool
		Text     string
	}
	poll := func(until func(status) bool) status {
		t.Helper()
		var st status
		testkit.Until(t, 30*time.Second, func() error {
			ann.get(run + "/status")
			if err := json.Unmarshal([]byte(ann.body), &st); err != nil {
				t.Fatalf("status %q: %v", ann.body, err)
			}
			if until(st) {
				return nil
			}
			if st.Finished {
				t.Fatalf("run finished with status %+v", st)
			}
			return fmt.Errorf("run status %+v", st)
		})
		return st
	}
	// The second page's order is held: the run has committed one page.
	st := poll(func(s status) bool { return s.State == string(web.RunRunning) && s.Done == 1 })
	if st.Text != "Syncing: 1 invoice looked at." {
		t.Errorf("running text %q", st.Text)
	}
	close(g.open)
	st = poll(func(s status) bool { return s.Finished })
	if st.State != string(web.RunSucceeded) || st.Done != 3 {
		t.Errorf("finished status %+v, want succeeded with 3 invoices", st)
	}
}
