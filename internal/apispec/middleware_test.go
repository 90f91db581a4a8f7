package apispec

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	specs := Shared(t).Fork()
	cases := shipStationCases(t, specs)
	cases = append(cases,
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
			rec := &recTB{TB: t}
			var got []byte
			srv := httptest.NewServer(Middleware(rec, specs, fakeHandler(tc.reply, &got)))
			t.Cleanup(srv.Close)
			resp, err := http.DefaultClient.Do(tc.call.request(t, srv.URL))
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
			msgs := rec.messages()
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
			rec := &recTB{TB: t}
			srv := httptest.NewServer(Middleware(rec, specs, tc.handler))
			t.Cleanup(srv.Close)
			resp, err := http.DefaultClient.Do(call{method: "GET", path: "/api.xro/2.0/Invoices?page=1"}.request(t, srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			msgs := rec.messages()
			for _, m := range msgs {
				t.Log(m)
			}
			assertMessages(t, msgs, tc.want)
		})
	}
}
