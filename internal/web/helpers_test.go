package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	pwd "github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/web"
)

// fakeJobs records what was queued; runs finish when the test says so.
type fakeJobs struct {
	mu        sync.Mutex
	runs      map[int64]fakeRun
	exports   []int64
	resyncs   []string
	backfills []time.Time
	// fail, when set, is what every Enqueue returns.
	fail error
}

type fakeRun struct {
	account int64
	status  web.RunStatus
}

func (j *fakeJobs) add(account int64) int64 {
	if j.runs == nil {
		j.runs = map[int64]fakeRun{}
	}
	id := int64(len(j.runs) + 1)
	j.runs[id] = fakeRun{account: account, status: web.RunStatus{ID: id, State: web.RunPending}}
	return id
}

func (j *fakeJobs) EnqueueExport(_ context.Context, _ *store.Tx, accountID int64) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.fail != nil {
		return 0, j.fail
	}
	j.exports = append(j.exports, accountID)
	return j.add(accountID), nil
}

func (j *fakeJobs) EnqueueBackfill(_ context.Context, _ *store.Tx, accountID int64, since time.Time) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.backfills = append(j.backfills, since)
	return j.add(accountID), nil
}

func (j *fakeJobs) EnqueueResync(_ context.Context, _ *store.Tx, accountID int64, invoiceID string) (int64, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.resyncs = append(j.resyncs, invoiceID)
	return j.add(accountID), nil
}

func (j *fakeJobs) RunStatus(_ context.Context, accountID, runID int64) (web.RunStatus, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.runs[runID]
	if !ok || r.account != accountID {
		return web.RunStatus{}, web.ErrRunNotFound
	}
	return r.status, nil
}

func (j *fakeJobs) set(runID int64, st web.RunStatus) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.runs[runID]
	r.status = st
	j.runs[runID] = r
}

// fakeHookWork records what the connect flow asks of the webhook work.
// Unsubscribe notes whether the ShipStation key was still stored when it
// was called: the real one needs it.
type fakeHookWork struct {
	st *store.Store

	mu sync.Mutex
	// subscribes has, per EnqueueSubscribe, the account and the store the
	// settings in its transaction name.
	subscribes []hookCall
	// unsubscribes has, per Unsubscribe, the account and whether its
	// ShipStation secret was still stored.
	unsubscribes []hookCall
	// failUnsubscribe, when set, is what Unsubscribe returns.
	failUnsubscribe error
}

type hookCall struct {
	account   int64
	storeID   int64
	hadSecret bool
}

func (f *fakeHookWork) EnqueueExport(context.Context, *store.Tx, int64) error    { return nil }
func (f *fakeHookWork) EnqueueWriteBack(context.Context, *store.Tx, int64) error { return nil }

func (f *fakeHookWork) EnqueueSubscribe(ctx context.Context, tx *store.Tx, accountID int64) error {
	set, err := tx.Settings(ctx, accountID)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subscribes = append(f.subscribes, hookCall{account: accountID, storeID: set.ShipStationStoreID})
	return nil
}

func (f *fakeHookWork) Unsubscribe(ctx context.Context, accountID int64) error {
	_, err := f.st.ConnectionSecret(ctx, accountID, store.KindShipStation)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unsubscribes = append(f.unsubscribes, hookCall{account: accountID, hadSecret: err == nil})
	return f.failUnsubscribe
}

func (f *fakeHookWork) calls() (subscribes, unsubscribes []hookCall) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.subscribes), slices.Clone(f.unsubscribes)
}

// withHookWork gives the app the fake webhook work (its store is set by
// newEnv) and the Xero webhook key xeroKey ("" leaves Xero's webhook off).
func withHookWork(f *fakeHookWork, xeroKey string) func(*web.Config) {
	return func(c *web.Config) {
		f.st = c.Store
		c.Webhooks, c.XeroWebhookKey = f, xeroKey
	}
}

type env struct {
	t     *testing.T
	st    *store.Store
	srv   *httptest.Server
	jobs  *fakeJobs
	clock *testkit.Clock
	web   *web.Server
}

// newEnv starts the web app on a fresh SQLite store. tweak may change the
// config before New.
func newEnv(t *testing.T, tweak func(*web.Config)) *env {
	t.Helper()
	clk := testkit.NewClock(time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC))
	st := storetest.MigratedSQLite(t, clk.Now)
	e := &env{t: t, st: st, jobs: &fakeJobs{}, clock: clk}
	cfg := web.Config{
		Store:       st,
		Logger:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Jobs:        e.jobs,
		Now:         clk.Now,
		Argon2:      pwd.Params{Memory: 64, Time: 1, Threads: 1},
		AllowSignUp: true,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	var err error
	if e.web, err = web.New(cfg); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.web.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// annSignedUp starts the web app (newEnv without tweaks) and signs Ann up
// as the account "Acme": the start of most page tests. It returns the
// app, Ann's browser and her account's id.
func annSignedUp(t *testing.T) (*env, *browser, int64) {
	t.Helper()
	e := newEnv(t, nil)
	b, acc := e.signUpAnn(t)
	return e, b, acc
}

// signUpAnn signs Ann up as the account "Acme" in a new browser and
// returns it with her account's id.
func (e *env) signUpAnn(t *testing.T) (*browser, int64) {
	t.Helper()
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	return b, e.mustAccount(t, "ann@example.com")
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }() // a line after the test ended
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// browser is one visitor: a cookie jar, no automatic redirects (tests
// check them), and the last page parsed.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	doc  *html.Node
	resp *http.Response
	body string
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{t: e.t, e: e, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	b.resp, b.body = resp, string(raw)
	b.doc = nil
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if b.doc, err = html.Parse(strings.NewReader(b.body)); err != nil {
			b.t.Fatalf("parse %s: %v", req.URL, err)
		}
	}
	return resp
}

func (b *browser) url(path string) string {
	if strings.HasPrefix(path, "http") {
		return path
	}
	return b.e.srv.URL + path
}

// get fetches path without following redirects.
func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.url(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as is (the caller adds the CSRF token, or not).
func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.url(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow follows redirects from the last response, like a browser.
func (b *browser) follow() {
	b.t.Helper()
	for i := 0; b.resp.StatusCode >= 300 && b.resp.StatusCode < 400; i++ {
		if i > 10 {
			b.t.Fatal("too many redirects")
		}
		loc, err := b.resp.Request.URL.Parse(b.resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		b.get(loc.String())
	}
}

// submit fills the form whose action is action on the current page (its
// hidden fields, CSRF token included, come from the page) and posts it.
func (b *browser) submit(action string, values url.Values) *http.Response {
	b.t.Helper()
	form := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Form && attr(n, "action") == action })
	if len(form) == 0 {
		b.t.Fatalf("no form with action %s on %s", action, b.resp.Request.URL)
	}
	all := url.Values{}
	for _, in := range findIn(form[0], func(n *html.Node) bool { return n.DataAtom == atom.Input && attr(n, "type") == "hidden" }) {
		all.Set(attr(in, "name"), attr(in, "value"))
	}
	for k, v := range values {
		all[k] = v
	}
	return b.post(action, all)
}

func (b *browser) wantStatus(code int) {
	b.t.Helper()
	if b.resp.StatusCode != code {
		b.t.Fatalf("%s %s: status %d, want %d\n%s", b.resp.Request.Method, b.resp.Request.URL.Path, b.resp.StatusCode, code, truncate(b.body))
	}
}

func (b *browser) wantRedirect(to string) {
	b.t.Helper()
	if b.resp.StatusCode != http.StatusSeeOther && b.resp.StatusCode != http.StatusFound {
		b.t.Fatalf("%s %s: status %d, want a redirect to %s\n%s", b.resp.Request.Method, b.resp.Request.URL.Path, b.resp.StatusCode, to, truncate(b.body))
	}
	if loc := b.resp.Header.Get("Location"); loc != to {
		b.t.Fatalf("%s %s: redirect to %q, want %q", b.resp.Request.Method, b.resp.Request.URL.Path, loc, to)
	}
}

func truncate(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// connectXero starts connecting Xero and follows the emulator's consent
// back to the callback, leaving the callback's answer unfollowed.
func (b *browser) connectXero() {
	b.t.Helper()
	b.get("/connections/xero/start")
	b.get(b.resp.Header.Get("Location"))
	b.get(b.resp.Header.Get("Location"))
}

// submitSignIn opens the sign-in page and submits email and pw, leaving
// the answer (a redirect when they are right) unfollowed.
func (b *browser) submitSignIn(email, pw string) {
	b.t.Helper()
	b.get("/signin")
	b.submit("/signin", url.Values{"email": {email}, "password": {pw}})
}

// signIn signs b in with email and pw and returns the response's status
// after redirects.
func (b *browser) signIn(email, pw string) int {
	b.t.Helper()
	b.submitSignIn(email, pw)
	b.follow()
	return b.resp.StatusCode
}

// signUp creates an account through the form and leaves the browser
// signed in on the dashboard.
func (b *browser) signUp(company, email, password string) {
	b.t.Helper()
	b.get("/signup")
	b.wantStatus(http.StatusOK)
	b.submit("/signup", url.Values{"company": {company}, "email": {email}, "name": {"Tester"},
		"password": {password}, "password_confirm": {password}})
	b.wantRedirect("/dashboard")
	b.follow()
	b.wantStatus(http.StatusOK)
}

// ---- HTML queries (what a user sees, not substrings of markup) ----

func findIn(n *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && pred(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func (b *browser) find(pred func(*html.Node) bool) []*html.Node {
	b.t.Helper()
	if b.doc == nil {
		b.t.Fatalf("%s is not HTML", b.resp.Request.URL)
	}
	return findIn(b.doc, pred)
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text is the node's visible text, whitespace collapsed.
func text(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		block := n.Type == html.ElementNode && n.DataAtom != atom.A && n.DataAtom != atom.Strong && n.DataAtom != atom.Span
		if block {
			sb.WriteString(" ") // block boundaries separate words
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			sb.WriteString(" ")
		}
	}
	walk(n)
	return strings.Join(strings.Fields(sb.String()), " ")
}

func (b *browser) byID(id string) *html.Node {
	b.t.Helper()
	ns := b.find(func(n *html.Node) bool { return attr(n, "id") == id })
	if len(ns) == 0 {
		b.t.Fatalf("%s: no element #%s\n%s", b.resp.Request.URL.Path, id, truncate(b.body))
	}
	return ns[0]
}

func (b *browser) has(id string) bool {
	return len(b.find(func(n *html.Node) bool { return attr(n, "id") == id })) > 0
}

func (b *browser) h1() string {
	b.t.Helper()
	hs := b.find(func(n *html.Node) bool { return n.DataAtom == atom.H1 })
	if len(hs) != 1 {
		b.t.Fatalf("%s: %d h1 elements, want 1", b.resp.Request.URL.Path, len(hs))
	}
	return text(hs[0])
}

// field returns the form control labelled label (by <label for>), failing
// when there is none: every control must have a label.
func (b *browser) field(label string) *html.Node {
	b.t.Helper()
	for _, l := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.Label }) {
		if !strings.HasPrefix(text(l), label) {
			continue
		}
		if id := attr(l, "for"); id != "" {
			return b.byID(id)
		}
		if ins := findIn(l, func(n *html.Node) bool { return n.DataAtom == atom.Input }); len(ins) > 0 {
			return ins[0]
		}
	}
	b.t.Fatalf("%s: no control labelled %q", b.resp.Request.URL.Path, label)
	return nil
}

// fieldError returns the error text tied to a control by aria-describedby
// ("" when the control is not marked invalid).
func (b *browser) fieldError(label string) string {
	b.t.Helper()
	in := b.field(label)
	if attr(in, "aria-invalid") != "true" {
		return ""
	}
	return text(b.byID(attr(in, "aria-describedby")))
}

// alerts returns the text of every role=alert element.
func (b *browser) alerts() []string {
	var out []string
	for _, n := range b.find(func(n *html.Node) bool { return attr(n, "role") == "alert" }) {
		out = append(out, text(n))
	}
	return out
}

// flash returns the one-time status message, if any.
func (b *browser) flash() string {
	for _, n := range b.find(func(n *html.Node) bool { return attr(n, "role") == "status" && attr(n, "class") == "flash" }) {
		return text(n)
	}
	return ""
}

// rows returns the text of each body row's cells of the table #id.
func (b *browser) rows(id string) [][]string {
	b.t.Helper()
	var out [][]string
	for _, tr := range findIn(b.byID(id), func(n *html.Node) bool { return n.DataAtom == atom.Tr }) {
		cells := findIn(tr, func(n *html.Node) bool { return n.DataAtom == atom.Td })
		if len(cells) == 0 {
			continue // the header row
		}
		var row []string
		for _, c := range cells {
			row = append(row, text(c))
		}
		out = append(out, row)
	}
	return out
}

func (b *browser) csrf() string {
	b.t.Helper()
	ins := b.find(func(n *html.Node) bool { return n.DataAtom == atom.Input && attr(n, "name") == "csrf_token" })
	if len(ins) == 0 {
		b.t.Fatalf("%s: no csrf_token field", b.resp.Request.URL.Path)
	}
	return attr(ins[0], "value")
}

func (e *env) account(t *testing.T, email string) (store.User, int64) {
	t.Helper()
	u, err := e.st.UserByEmail(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u, u.AccountID
}

// rebuild makes a new web.Server on the same store and serves it at the
// same address (for config that needs the address, like Xero's redirect).
func (e *env) rebuild(t *testing.T, tweak func(*web.Config)) {
	t.Helper()
	cfg := web.Config{
		Store:       e.st,
		Logger:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Jobs:        e.jobs,
		Now:         e.clock.Now,
		Argon2:      pwd.Params{Memory: 64, Time: 1, Threads: 1},
		AllowSignUp: true,
	}
	tweak(&cfg)
	w, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.web = w
	e.srv.Config.Handler = w.Handler()
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// httptestRecorder serves one GET and returns the status code.
func httptestRecorder(h http.Handler, path string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code
}
