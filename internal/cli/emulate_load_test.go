package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// startEmulate runs "orderbridge emulate <args>" in-process, reads the
// printed 'label: value' lines up to "faults" and stops it when the test
// ends (checking that it exits cleanly).
func startEmulate(t *testing.T, args ...string) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr strings.Builder
	env := &Env{Stdout: pw, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, env, append([]string{"emulate"}, args...))
		_ = pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("exit code %d, stderr %q", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("the emulator did not stop after cancel")
		}
	})
	got := map[string][]string{}
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		label, value, ok := strings.Cut(sc.Text(), ": ")
		if !ok {
			t.Fatalf("line %q is not 'label: value'", sc.Text())
		}
		got[label] = append(got[label], value)
		if label == "faults" {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(got["faults"]) != 1 {
		t.Fatalf("the emulator stopped early: %v, stderr %q", got, stderr.String())
	}
	return got
}

// fetchJSON sends a request and decodes the JSON answer into out.
func fetchJSON(t *testing.T, method, u string, hdr map[string]string, body io.Reader, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := testkit.HTTPClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d: %v", method, u, resp.StatusCode, err)
		}
	}
	return resp.StatusCode
}

// TestEmulateXeroOrganisations starts the Xero emulator with three
// organisations, connects all three through one consent as a merchant's
// app would, checks each has the starter data, then seeds invoices into
// the last one and reads the counters over the admin API.
func TestEmulateXeroOrganisations(t *testing.T) {
	t.Parallel()
	got := startEmulate(t, "xero", "--addr", "127.0.0.1:0", "--client-id", "CID", "--client-secret", "shh",
		"--rate-limit", "off", "--organisations", "3", "--org", "Acme", "--admin-token", "adm")
	base := got["base URL"][0]
	tenants := got["tenant id"]
	if len(tenants) != 3 || !strings.HasSuffix(tenants[0], " (Acme)") || !strings.HasSuffix(tenants[2], " (Organisation 3)") {
		t.Fatalf("tenant ids %q", tenants)
	}
	if a, tok := strings.Join(got["admin URL"], ""), strings.Join(got["admin token"], ""); a != base+emukit.AdminPrefix || tok != "adm" {
		t.Errorf("admin URL %q token %q", a, tok)
	}

	// One consent connects every organisation.
	noRedirect := testkit.NewHTTPClient()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.Get(base + "/identity/connect/authorize?" + url.Values{"client_id": {"CID"}, "response_type": {"code"},
		"redirect_uri": {"http://127.0.0.1/cb"}, "scope": {"offline_access accounting.invoices accounting.contacts accounting.settings"},
		"state": {"s"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("authorize: %d %s", resp.StatusCode, loc)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1/cb"},
		"client_id": {"CID"}, "client_secret": {"shh"}}
	if st := fetchJSON(t, http.MethodPost, base+"/connect/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		strings.NewReader(form.Encode()), &tok); st != http.StatusOK {
		t.Fatalf("token: %d", st)
	}
	bearer := map[string]string{"Authorization": "Bearer " + tok.AccessToken, "Accept": "application/json"}
	var conns []struct{ TenantID string }
	fetchJSON(t, http.MethodGet, base+"/connections", bearer, nil, &conns)
	if len(conns) != 3 {
		t.Fatalf("connections %+v, want all three organisations", conns)
	}
	for i, c := range conns {
		if !strings.HasPrefix(tenants[i], c.TenantID+" ") {
			t.Errorf("connection %d is %s, printed %s", i, c.TenantID, tenants[i])
		}
		hdr := map[string]string{"Xero-Tenant-Id": c.TenantID}
		for k, v := range bearer {
			hdr[k] = v
		}
		var tcs struct {
			TrackingCategories []struct {
				Name    string
				Options []struct{ Name string }
			}
		}
		fetchJSON(t, http.MethodGet, base+"/api.xro/2.0/TrackingCategories", hdr, nil, &tcs)
		if len(tcs.TrackingCategories) != 1 || len(tcs.TrackingCategories[0].Options) == 0 ||
			tcs.TrackingCategories[0].Options[0].Name != "ShipStation" {
			t.Errorf("%s tracking %+v, want the ShipStation option", c.TenantID, tcs)
		}
		var cs struct{ Contacts []struct{ Name string } }
		fetchJSON(t, http.MethodGet, base+"/api.xro/2.0/Contacts", hdr, nil, &cs)
		if len(cs.Contacts) != 3 {
			t.Errorf("%s has %d contacts, want 3", c.TenantID, len(cs.Contacts))
		}
	}

	admin := map[string]string{emukit.AdminTokenHeader: "adm", "Content-Type": "application/json"}
	var seeded struct{ InvoiceIDs []string }
	if st := fetchJSON(t, http.MethodPost, base+"/_emulator/seed/invoices", admin,
		strings.NewReader(`{"tenant":"`+conns[2].TenantID+`","count":25}`), &seeded); st != http.StatusOK || len(seeded.InvoiceIDs) != 25 {
		t.Fatalf("seed: %d %d ids", st, len(seeded.InvoiceIDs))
	}
	var counters struct {
		Tenants map[string]map[string]int64
	}
	fetchJSON(t, http.MethodGet, base+"/_emulator/counters", admin, nil, &counters)
	if counters.Tenants[conns[2].TenantID]["GET /api.xro/2.0/Contacts"] != 1 {
		t.Errorf("counters %+v", counters)
	}
}

// TestEmulateShipStationKeyPairs starts the ShipStation emulator with three
// key pairs, checks each opens the API and has its own store, and reads
// the per-key counters over the admin API.
func TestEmulateShipStationKeyPairs(t *testing.T) {
	t.Parallel()
	got := startEmulate(t, "shipstation", "--addr", "127.0.0.1:0", "--rate-limit", "off", "--key-pairs", "3", "--admin-token", "adm")
	base := got["base URL"][0]
	pairs := got["key pair"]
	if len(pairs) != 3 || len(got["store"]) != 3 {
		t.Fatalf("key pairs %q, stores %q", pairs, got["store"])
	}
	stores := map[string]bool{}
	for i, p := range pairs {
		f := strings.Fields(p)
		if len(f) != 3 {
			t.Fatalf("key pair %q: want 'key secret storeId'", p)
		}
		if i == 0 && (f[0] != got["API key"][0] || f[1] != got["API secret"][0]) {
			t.Errorf("first key pair %q is not the printed API key and secret", p)
		}
		stores[f[2]] = true
		for range i + 1 {
			req, _ := http.NewRequest(http.MethodGet, base+"/stores/"+f[2], nil)
			req.SetBasicAuth(f[0], f[1])
			resp, err := testkit.HTTPClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /stores/%s as key pair %d: %d", f[2], i+1, resp.StatusCode)
			}
		}
	}
	if len(stores) != 3 {
		t.Errorf("stores %v, want one per key pair", stores)
	}
	if a := strings.Join(got["admin URL"], ""); a != base+emukit.AdminPrefix {
		t.Errorf("admin URL %q", a)
	}
	var counters struct{ Keys map[string]map[string]int64 }
	fetchJSON(t, http.MethodGet, base+"/_emulator/counters", map[string]string{emukit.AdminTokenHeader: "adm"}, nil, &counters)
	for i, p := range pairs {
		if n := counters.Keys[strings.Fields(p)[0]]["GET /stores/{id}"]; n != int64(i+1) {
			t.Errorf("key pair %d made %d calls, counted %d", i+1, i+1, n)
		}
	}
}

// TestEmulateLoadBadFlags checks the new flags' refusals.
func TestEmulateLoadBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"emulate", "xero", "--organisations", "0"},
		{"emulate", "xero", "--organisations", "1", "--org", "A", "--org", "B"},
		{"emulate", "shipstation", "--key-pairs", "0"},
		{"emulate", "shipstation", "--key-pairs", "many"},
	} {
		if code, _, stderr := runCLI(t, append(args, "--addr", "127.0.0.1:0")...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
	}
	for service, flags := range map[string][]string{
		"xero":        {"-organisations", "-admin-token"},
		"shipstation": {"-key-pairs", "-admin-token"},
	} {
		code, stdout, _ := runCLI(t, "emulate", service, "--help")
		for _, f := range flags {
			if code != 0 || !strings.Contains(stdout, f) {
				t.Errorf("emulate %s --help: exit %d, no %s in %q", service, code, f, stdout)
			}
		}
	}
}
