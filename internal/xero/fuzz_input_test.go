package xero

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzVerifySignature checks the webhook signature check on any key, body
// and header: the HMAC-SHA256 of the body with the key (computed here, not
// with Sign) verifies, with or without surrounding spaces; the same
// signature over another body, or any header that is not it, does not;
// nothing panics.
func FuzzVerifySignature(f *testing.F) {
	f.Add("key", []byte(`{"events":[]}`), "c2lnbmF0dXJl")
	f.Add("k", []byte{}, "")
	f.Add("webhook-signing-key", []byte(`{"events":[{"resourceId":"x"}]}`), "!!not base64!!")
	f.Fuzz(func(t *testing.T, key string, body []byte, header string) {
		if key == "" {
			if VerifySignature(key, body, header) == nil {
				t.Fatal("verified without a key")
			}
			return
		}
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write(body)
		right := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if err := VerifySignature(key, body, right); err != nil {
			t.Fatalf("the right signature refused: %v", err)
		}
		if err := VerifySignature(key, body, " "+right+"\t"); err != nil {
			t.Fatalf("the right signature with spaces refused: %v", err)
		}
		if err := VerifySignature(key, append(append([]byte{}, body...), 'x'), right); err == nil {
			t.Fatal("a signature verified another body")
		}
		got, decErr := base64.StdEncoding.DecodeString(strings.TrimSpace(header))
		isRight := decErr == nil && hmac.Equal(got, mac.Sum(nil))
		if err := VerifySignature(key, body, header); (err == nil) != isRight {
			t.Fatalf("header %q: VerifySignature says %v, but it is the body's signature: %v", header, err, isRight)
		}
	})
}

// FuzzRetryAfter checks that any Retry-After Xero (or anyone between)
// sends becomes a wait from zero to maxRetryAfter: never negative, never
// the overflow of a huge, infinite or NaN number of seconds.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "5", "1.5", "-3", "86400", "1e300", "Inf", "NaN", "+Inf", "-0",
		"Wed, 21 Oct 2015 07:28:00 GMT", "9223372036854775807", "0x10"} {
		f.Add(s)
	}
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Retry-After", v)
		d := retryAfter(h, now)
		if d < 0 || d > maxRetryAfter {
			t.Fatalf("Retry-After %q: wait %v, want 0 to %v", v, d, maxRetryAfter)
		}
	})
}

// FuzzHeaderInt checks the rate-limit headers' reader: a count from 0 up,
// or -1 for anything that is not one.
func FuzzHeaderInt(f *testing.F) {
	for _, s := range []string{"", "0", "59", "-1", "5000", "1e3", "99999999999999999999", " 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("X-MinLimit-Remaining", v)
		n := headerInt(h, "X-MinLimit-Remaining")
		if n < -1 {
			t.Fatalf("%q read as %d", v, n)
		}
	})
}
