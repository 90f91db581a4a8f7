package xeroemu

import (
	"crypto/sha256"
	"io"
	"net/http"
	"time"
)

// idemEntry is a stored response to a write carrying an Idempotency-Key.
type idemEntry struct {
	request [32]byte // method, path, query and body
	status  int
	body    []byte
	text    bool // body is plain text
	at      time.Time
}

// idemTTL is how long Xero keeps a key (about 6 minutes per the 2026
// notes; the spec confirms only the header and its 128-character limit).
const idemTTL = 6 * time.Minute

const maxBody = 10 << 20

// writeCall runs a PUT/POST handler body with Idempotency-Key semantics: a
// key seen with the same request replays the stored response without
// applying anything; with a different request it is a 400. Server errors
// are not stored, so a retry after one applies the call.
func (e *Emulator) writeCall(w http.ResponseWriter, r *http.Request, c *callInfo, fn func(body []byte) result) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", "the body is over 10 MB")
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeResult(w, fn(body))
		return
	}
	if len(key) > 128 {
		writeXeroError(w, http.StatusBadRequest, 10, "ValidationException", "The Idempotency-Key header must be 128 characters or fewer.")
		return
	}
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n")
	h.Write(body)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))

	// Requests with keys are serialised so two racing duplicates cannot
	// both apply.
	e.idemMu.Lock()
	defer e.idemMu.Unlock()
	e.mu.Lock()
	now := e.now()
	ent := c.org.idem[key]
	if ent != nil && now.Sub(ent.at) > idemTTL {
		delete(c.org.idem, key)
		ent = nil
	}
	e.mu.Unlock()
	if ent != nil {
		if ent.request != sum {
			writeXeroError(w, http.StatusBadRequest, 10, "ValidationException", "The Idempotency-Key has already been used with a different request.")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeResult(w, result{status: ent.status, body: ent.body, text: ent.text})
		return
	}
	res := fn(body)
	if res.status < 500 {
		e.mu.Lock()
		c.org.idem[key] = &idemEntry{request: sum, status: res.status, body: res.body, text: res.text, at: now}
		e.mu.Unlock()
	}
	writeResult(w, res)
}

// writeXeroError writes the Accounting API's own error body (no Elements).
func writeXeroError(w http.ResponseWriter, status, number int, typ, msg string) {
	writeJSONBody(w, status, map[string]any{"ErrorNumber": number, "Type": typ, "Message": msg})
}
