package xeroemu_test

import (
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu/xeroemutest"
)

func TestMinuteLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		scale      float64
		retryAfter string
		advance    time.Duration
	}{
		// Scale 600: a minute is 100ms, so Retry-After rounds up to 1.
		{"scaled", 600, "1", 100 * time.Millisecond},
		{"real time", 1, "60", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The fake clock keeps the window still however slow the machine.
			clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
			b := setup(t, xeroemu.Options{Now: clk.Now, RateLimit: emukit.RateLimit{Scale: tt.scale}})
			for i := range 60 {
				r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
				if got := r.header.Get("X-MinLimit-Remaining"); got != strconv.Itoa(59-i) {
					t.Fatalf("call %d: X-MinLimit-Remaining %s, want %d", i+1, got, 59-i)
				}
				if got := r.header.Get("X-DayLimit-Remaining"); got != strconv.Itoa(4999-i) {
					t.Fatalf("call %d: X-DayLimit-Remaining %s", i+1, got)
				}
				if r.header.Get("X-AppMinLimit-Remaining") == "" {
					t.Fatalf("call %d: no X-AppMinLimit-Remaining", i+1)
				}
			}
			r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 429)
			if r.header.Get("Retry-After") != tt.retryAfter || r.header.Get("X-Rate-Limit-Problem") != "minute" || r.header.Get("X-MinLimit-Remaining") != "0" {
				t.Errorf("429 headers = %v", r.header)
			}
			// A refused call is not counted; a new window lets calls through.
			if r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 429); r.header.Get("X-DayLimit-Remaining") != "4940" {
				t.Errorf("refused calls were counted: %v", r.header.Get("X-DayLimit-Remaining"))
			}
			clk.Advance(tt.advance)
			b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
		})
	}
}

func TestDayLimit(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	// The Starter tier's 1,000 a day, shrunk further so the test stays small.
	b := setup(t, xeroemu.Options{Now: clk.Now, DayLimit: 130, RateLimit: emukit.RateLimit{Scale: 1440}}) // a day is a minute
	for i := range 130 {
		if i > 0 && i%60 == 0 {
			clk.Advance(time.Minute / 1440) // next minute window, same day window
		}
		r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil)
		if r.status != 200 || r.header.Get("X-DayLimit-Remaining") != strconv.Itoa(129-i) {
			t.Fatalf("call %d: %d %v", i+1, r.status, r.header)
		}
	}
	clk.Advance(time.Minute / 1440)
	r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 429)
	if r.header.Get("X-Rate-Limit-Problem") != "day" || r.header.Get("X-DayLimit-Remaining") != "0" {
		t.Errorf("429 headers = %v", r.header)
	}
	if s, _ := strconv.Atoi(r.header.Get("Retry-After")); s != 60 {
		t.Errorf("Retry-After = %q, want 60 (what is left of the scaled day)", r.header.Get("Retry-After"))
	}
	clk.Advance(time.Minute)
	// Slots are released just after the answers are written.
	testkit.WaitFor(t, "no call in flight", 10*time.Second, func() bool { return b.emu.InFlight(b.tenant) == 0 })
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
}

func TestLimitsPerOrganisation(t *testing.T) {
	t.Parallel()
	clk := testkit.NewClock(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	emu := xeroemutest.NewServer(t, xeroemu.Options{Now: clk.Now, AccessTokenTTL: time.Hour, OrgNames: []string{"A", "B"}})
	code, _ := authorize(t, emu, nil)
	_, tok := tokenCall(t, emu, map[string][]string{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}, true)
	ids := emu.TenantIDs()
	a := &testBundle{emu: emu, token: tok["access_token"].(string), tenant: ids[0]}
	bb := &testBundle{emu: emu, token: tok["access_token"].(string), tenant: ids[1]}
	for range 60 {
		a.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
	}
	a.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 429)
	r := bb.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
	if r.header.Get("X-MinLimit-Remaining") != "59" || r.header.Get("X-AppMinLimit-Remaining") != "9939" {
		t.Errorf("org B headers = %v", r.header)
	}
}

func TestHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{RateLimit: emukit.RealRateLimit})
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api.xro/2.0/Invoices", nil, 200},
		{"GET", "/api.xro/2.0/Invoices/nope", nil, 404},
		{"PUT", "/api.xro/2.0/Invoices", map[string]any{"Type": "ACCREC"}, 400},
		{"GET", "/api.xro/2.0/Invoices?where=x", nil, 400},
	} {
		r := b.do(t, c.method, c.path, c.body).must(t, c.status)
		for _, h := range []string{"X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining"} {
			if r.header.Get(h) == "" {
				t.Errorf("%s %s: no %s", c.method, c.path, h)
			}
		}
	}
}

func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{RateLimit: emukit.NoRateLimit})
	for range 70 {
		r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
		if r.header.Get("X-MinLimit-Remaining") != "" {
			t.Fatal("limit headers sent with limits off")
		}
	}
	// SetRateLimit switches them on at run time.
	b.emu.SetRateLimit(emukit.RealRateLimit)
	if r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200); r.header.Get("X-MinLimit-Remaining") != "59" {
		t.Errorf("after SetRateLimit: %v", r.header)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	b := setup(t, xeroemu.Options{RateLimit: emukit.RealRateLimit})
	cid := seedCustomer(t, b, "Slow")
	inv := seedInvoices(t, b, 1, cid, nil)[0]
	// Five writes whose bodies never end hold the organisation's five
	// slots: the handler is reading the body when it holds one.
	var wg sync.WaitGroup
	writers := make([]*io.PipeWriter, 5)
	statuses := make([]int, 5)
	for i := range writers {
		pr, pw := io.Pipe()
		writers[i] = pw
		req, err := http.NewRequest("PUT", b.emu.URL()+"/api.xro/2.0/Invoices/"+inv.InvoiceID+"/History", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Xero-Tenant-Id", b.tenant)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		wg.Go(func() {
			resp, err := hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	// However the writes fare, end them so the server can close.
	t.Cleanup(func() {
		for _, pw := range writers {
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}
		wg.Wait()
	})
	testkit.WaitFor(t, "five calls in flight", 10*time.Second, func() bool { return b.emu.InFlight(b.tenant) >= 5 })
	r := b.do(t, "GET", "/api.xro/2.0/Organisation", nil)
	r.must(t, http.StatusTooManyRequests)
	if r.header.Get("X-Rate-Limit-Problem") != "concurrent" || r.header.Get("Retry-After") != "1" {
		t.Errorf("concurrency 429 headers = %v", r.header)
	}
	for _, pw := range writers {
		_, _ = io.WriteString(pw, `{"HistoryRecords":[{"Details":"slow note"}]}`)
		pw.Close()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("slow call %d: %d", i, s)
		}
	}
	// Slots are released just after the answers are written.
	testkit.WaitFor(t, "no call in flight", 10*time.Second, func() bool { return b.emu.InFlight(b.tenant) == 0 })
	b.do(t, "GET", "/api.xro/2.0/Organisation", nil).must(t, 200)
}
