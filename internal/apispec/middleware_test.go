package apispec

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// order is the createorder response example.
func order(t *testing.T, specs *Specs) string {
	return mustJSON(t, exampleBody(t, specs, ShipStation, "POST /orders/createorder", 200))
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	specs := Shared(t).Fork()
	cases := shipStationCases(t, specs)
	for i := range cases {
		if cases[i].name == "date filter with a zone" {
			// A Served row of the table: the service takes "…Z" dates, so
			// an emulator accepting one is not too lax; the Transport
			// (client side) still reports them (TestTransportShipStation).
			cases[i].want = nil
		}
	}
	ssErr := `{"Message":"The request is invalid.","ModelState":{"apiOrder.orderNumber":["required"]}}`
	cases = append(cases,
		// The refusal rule (CheckServed): a request the server refuses
		// with a 4xx may break the description; the refusal may not.
		ssCase{name: "refused invalid request is not reported", call: call{method: "POST", path: "/orders/createorder", body: `{"orderNumber":12}`},
			reply: fakeReply{status: http.StatusBadRequest, body: ssErr}},
		ssCase{name: "refused request without auth is not reported", call: call{method: "GET", path: "/orders", noAuth: true},
			reply: fakeReply{status: http.StatusUnauthorized, body: `{"Message":"Authorization has been denied for this request."}`}},
		ssCase{name: "refusal with an undocumented error body", call: call{method: "POST", path: "/orders/createorder", body: `{"orderNumber":12}`},
			reply: fakeReply{status: http.StatusBadRequest, body: `{"error":"bad order"}`},
			want:  [][]string{{"shipstation:POST /orders/createorder", "response body /Message", "required"}}},
		ssCase{name: "refusal with an undocumented status", call: call{method: "POST", path: "/orders/createorder", body: `{"orderNumber":12}`},
			reply: fakeReply{status: http.StatusTeapot, body: ssErr},
			want:  [][]string{{"shipstation:POST /orders/createorder", "status 418 is not documented"}}},
		ssCase{name: "accepted invalid request is reported", call: call{method: "POST", path: "/orders/createorder", body: `{"orderNumber":12}`},
			reply: fakeReply{body: order(t, specs)},
			want:  [][]string{{"shipstation:POST /orders/createorder", "request body /orderNumber", "string"}}},
		ssCase{name: "refused undocumented path is not reported", call: call{method: "GET", path: "/nowhere"},
			reply: fakeReply{status: http.StatusNotFound, body: `{}`}},
		ssCase{name: "served date that is no date", call: call{method: "GET", path: "/orders?modifyDateStart=07/01/2026"},
			reply: fakeReply{body: mustJSON(t, exampleBody(t, specs, ShipStation, "GET /orders", 200))},
			want:  [][]string{{"shipstation:GET /orders", "request query modifyDateStart"}}},
		ssCase{name: "xero: 406 only without Accept", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"},
			reply: fakeReply{status: http.StatusNotAcceptable, body: `{"Title":"Not Acceptable","Status":406}`},
			want:  [][]string{{"xero:getInvoices", "status 406 is not documented"}}},
		ssCase{name: "xero: 406 to a request without Accept", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1", header: map[string]string{"Accept": ""}},
			reply: fakeReply{status: http.StatusNotAcceptable, body: `{"Title":"Not Acceptable","Status":406}`}},
		ssCase{name: "xero: error redirect of authorize is a refusal", call: call{method: "GET", path: "/identity/connect/authorize?response_type=token&client_id=c&redirect_uri=https://x.test/cb&scope=openid&state=s"},
			reply: fakeReply{status: http.StatusFound, header: map[string]string{"Location": "https://x.test/cb?error=unsupported_response_type&state=s"}}},
		ssCase{name: "xero: redirect without error is an acceptance", call: call{method: "GET", path: "/identity/connect/authorize?response_type=token&client_id=c&redirect_uri=https://x.test/cb&scope=openid&state=s"},
			reply: fakeReply{status: http.StatusFound, header: map[string]string{"Location": "https://x.test/cb?code=x&state=s"}},
			want:  [][]string{{"xero:getAuthorize", "request query response_type"}}},
		ssCase{name: "xero: documented invoices list passes", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"},
			reply: fakeReply{body: goodInvoices}},
		ssCase{name: "xero: wrong enum value", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"},
			reply: fakeReply{body: replace(t, goodInvoices, `"AUTHORISED"`, `"APPROVED"`)},
			want:  [][]string{{"xero:getInvoices", "response body /Invoices/0/Status", `"APPROVED"`, "enum"}}},
		ssCase{name: "xero: undocumented status", call: call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"},
			reply: fakeReply{status: http.StatusConflict, body: `{}`},
			want:  [][]string{{"xero:getInvoices", "status 409 is not documented"}}},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &testkit.Recorder{TB: t}
			var got []byte
			srv := httptest.NewServer(Middleware(rec, specs, fakeHandler(tc.reply, &got)))
			t.Cleanup(srv.Close)
			// Redirects are answers to check, not to follow.
			noFollow := &http.Client{Transport: hc.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noFollow.Do(tc.call.request(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			// The middleware passes both bodies through intact.
			if string(body) != tc.reply.body {
				t.Errorf("client read %q, handler wrote %q", body, tc.reply.body)
			}
			if string(got) != tc.call.body {
				t.Errorf("handler read %q, client sent %q", got, tc.call.body)
			}
			if want := max(tc.reply.status, http.StatusOK); resp.StatusCode != want {
				t.Errorf("status %d, handler wrote %d", resp.StatusCode, want)
			}
			msgs := rec.Messages()
			for _, m := range msgs {
				t.Log(m)
			}
			assertMessages(t, msgs, tc.want)
		})
	}
}

// TestMiddlewareImplicitStatus covers handlers that never call WriteHeader.
func TestMiddlewareImplicitStatus(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	specs := Shared(t).Fork()
	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    [][]string
	}{
		{"write only", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, goodInvoices)
		}, nil},
		{"no content type", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, goodInvoices)
		}, [][]string{{"xero:getInvoices", "response header Content-Type"}}},
		{"nothing written", func(http.ResponseWriter, *http.Request) {},
			[][]string{{"xero:getInvoices", "response header Content-Type"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &testkit.Recorder{TB: t}
			srv := httptest.NewServer(Middleware(rec, specs, tc.handler))
			t.Cleanup(srv.Close)
			resp, err := hc.Do(call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"}.request(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			msgs := rec.Messages()
			for _, m := range msgs {
				t.Log(m)
			}
			assertMessages(t, msgs, tc.want)
		})
	}
}

// TestMiddlewareRequestBody covers bodies the handler does not read to the
// end: what it leaves is still validated, and a body the client breaks off
// is not judged at all.
func TestMiddlewareRequestBody(t *testing.T) {
	t.Parallel()
	hc := testkit.HTTPClient(t)
	specs := Shared(t).Fork()
	t.Run("unread body is validated", func(t *testing.T) {
		t.Parallel()
		rec := &testkit.Recorder{TB: t}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadFull(r.Body, make([]byte, 3)) // reads a little and answers
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, order(t, specs))
		})
		srv := httptest.NewServer(Middleware(rec, specs, h))
		t.Cleanup(srv.Close)
		resp, err := hc.Do(call{method: "POST", path: "/orders/createorder", body: `{"orderNumber":12}`}.request(t, srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // ends after the middleware's report
		_ = resp.Body.Close()
		assertMessages(t, rec.Messages(), [][]string{{"shipstation:POST /orders/createorder", "request body /orderNumber", "string"}})
	})
	t.Run("body broken off by the client", func(t *testing.T) {
		t.Parallel()
		rec := &testkit.Recorder{TB: t}
		done := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer close(done)
			_, _ = io.ReadAll(r.Body)
			w.WriteHeader(http.StatusBadRequest)
		})
		srv := httptest.NewServer(Middleware(rec, specs, h))
		t.Cleanup(srv.Close)
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// Promise 100 bytes, send 10, hang up.
		_, _ = io.WriteString(conn, "POST /orders/createorder HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"orderNum")
		_ = conn.Close()
		<-done
		srv.Close() // waits for the middleware to finish
		if msgs := rec.Messages(); len(msgs) != 0 {
			t.Errorf("a broken-off exchange was judged: %q", msgs)
		}
	})
}
