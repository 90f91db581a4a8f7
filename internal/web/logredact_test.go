package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestWebhookSecretNeverLogged sends the ShipStation webhook's URL secret
// in every shape a path can take (an encoded slash, another case, dot
// segments, doubled slashes, a GET) and shows that no log line, the CSRF
// layer's warning included, holds the secret.
func TestWebhookSecretNeverLogged(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t, nil)
	acct := connectXero(t, h.st, "Redact Co", "tenant-redact")
	const secret = "redact-secret-0123456789abcdef"
	saveHook(t, h.st, acct, secret)
	for _, p := range []string{
		"/webhooks/shipstation/" + secret,
		"/webhooks/shipstation%2F" + secret,
		"/webhooks%2Fshipstation%2F" + secret,
		"/Webhooks/ShipStation/" + secret,
		"/webhooks/shipstation/" + secret + "/",
		"/webhooks//shipstation/" + secret,
		"/x/../webhooks/shipstation/" + secret,
		"/webhooks/shipstation/" + secret + "%2Fmore",
		"/webhooks/" + secret,
	} {
		for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodPut} {
			req, err := http.NewRequest(method, h.srv.URL+p, strings.NewReader(`{"resource_url":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.URL.RawPath = "" // send p as written
			req.URL.Opaque = "//" + req.URL.Host + p
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, p, err)
			}
			resp.Body.Close()
		}
	}
	if logs := h.logs.String(); strings.Contains(strings.ToLower(logs), strings.ToLower(secret)) {
		var leaks []string
		for line := range strings.SplitSeq(logs, "\n") {
			if strings.Contains(strings.ToLower(line), strings.ToLower(secret)) {
				leaks = append(leaks, line)
			}
		}
		t.Errorf("the URL secret is in %d log lines:\n%s", len(leaks), strings.Join(leaks, "\n"))
	}
}
