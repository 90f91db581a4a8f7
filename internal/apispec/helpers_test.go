package apispec

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeReply is what the fake vendor server answers.
type fakeReply struct {
	status      int
	contentType string
	header      map[string]string
	body        string
}

// fakeServer answers every request with reply, after reading the request
// body into got (to prove the transport handed it on).
func fakeServer(t *testing.T, reply fakeReply, got *[]byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(fakeHandler(reply, got))
	t.Cleanup(srv.Close)
	return srv
}

func fakeHandler(reply fakeReply, got *[]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if got != nil {
			*got = b
		}
		ct := reply.contentType
		if ct == "" {
			ct = "application/json; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		status := reply.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply.body)
	})
}

// call is one request a case sends.
type call struct {
	method, path, body string
	header             map[string]string
	// noAuth leaves out the default Authorization and tenant headers.
	noAuth bool
}

func (c call) request(t *testing.T, base string) *http.Request {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(t.Context(), c.method, base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if !c.noAuth {
		if strings.HasPrefix(c.path, "/api.xro") || strings.HasPrefix(strings.ToLower(c.path), "/connections") {
			req.Header.Set("Authorization", "Bearer access-token")
			req.Header.Set("xero-tenant-id", "fe79f7dd-b6d4-4a92-ba7b-538af6289c58")
		} else {
			req.Header.Set("Authorization", "Basic U2hpcFN0YXRpb246Um9ja3M=")
		}
	}
	req.Header.Set("Accept", "application/json")
	if c.body != "" {
		if strings.HasPrefix(c.body, "{") || strings.HasPrefix(c.body, "[") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return req
}

// assertMessages checks that every wanted fragment appears in one message
// (all fragments of one entry in the same message), or that there are no
// messages when want is empty.
func assertMessages(t *testing.T, msgs []string, want [][]string) {
	t.Helper()
	if len(want) == 0 {
		if len(msgs) > 0 {
			t.Errorf("want no violations, got:\n%s", strings.Join(msgs, "\n"))
		}
		return
	}
	for _, frags := range want {
		found := false
		for _, m := range msgs {
			all := true
			for _, f := range frags {
				if !strings.Contains(m, f) {
					all = false
					break
				}
			}
			if all {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no violation mentions all of %q; got:\n%s", frags, strings.Join(msgs, "\n"))
		}
	}
}

// mustJSON encodes v for fake bodies.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// exampleBody returns a documented response example of op, decoded, for
// fake servers to answer with (possibly after editing it).
func exampleBody(t *testing.T, s *Specs, vendor Vendor, id string, status int) any {
	t.Helper()
	ex, err := Examples(s, vendor, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Responses[status]) == 0 {
		t.Fatalf("%s %s has no %d example", vendor, id, status)
	}
	var v any
	if err := json.Unmarshal(ex.Responses[status][0].Body, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
