package emukit

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AdminPrefix is where each emulator serves its own admin API (counters,
// the request log, seeding). Neither vendor has a path starting with an
// underscore, so nothing under it can be taken for the vendor's API.
const AdminPrefix = "/_emulator"

// AdminTokenHeader carries the admin token; "?token=" works too, for a
// browser. The vendors' own credentials (Bearer, Basic) never open the
// admin API, so a client bug cannot reach it by accident.
const AdminTokenHeader = "X-Emulator-Token"

// DefaultRequestLogSize is how many requests a RequestLog keeps unless
// told otherwise: enough for a few minutes of a load test at hundreds of
// calls a second, a few megabytes at most.
const DefaultRequestLogSize = 10000

// IsAdminPath reports whether p is under AdminPrefix.
func IsAdminPath(p string) bool {
	return p == AdminPrefix || strings.HasPrefix(p, AdminPrefix+"/")
}

// RequestRecord is one served request as the request log keeps it.
type RequestRecord struct {
	// Seq numbers records from 1 in the order they were added.
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Route is the counter key ("GET /api.xro/2.0/Invoices/{id}").
	Route string `json:"route,omitempty"`
	// Principal is who the call was for: a Xero tenant id or a
	// ShipStation API key; empty when not known (OAuth, refusals).
	Principal  string  `json:"principal,omitempty"`
	Status     int     `json:"status"`
	DurationMS float64 `json:"durationMs"`
	Bytes      int64   `json:"bytes"`
}

// RequestLog is a bounded ring of the most recent requests, so a load
// driver can see what the emulator saw without the emulator growing
// without limit. It is safe for concurrent use.
type RequestLog struct {
	mu   sync.Mutex
	buf  []RequestRecord
	next int // where the next record goes
	n    int // records held
	seq  int64
}

// NewRequestLog keeps the newest size records (DefaultRequestLogSize when
// size is not positive).
func NewRequestLog(size int) *RequestLog {
	if size <= 0 {
		size = DefaultRequestLogSize
	}
	return &RequestLog{buf: make([]RequestRecord, size)}
}

// Add appends rec, numbering it, and drops the oldest record when full.
func (l *RequestLog) Add(rec RequestRecord) RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	rec.Seq = l.seq
	l.buf[l.next] = rec
	l.next = (l.next + 1) % len(l.buf)
	l.n = min(l.n+1, len(l.buf))
	return rec
}

// Last is the sequence number of the newest record (0 before any).
func (l *RequestLog) Last() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// Since returns the records numbered after seq, oldest first, at most
// limit of them (all when limit is not positive).
func (l *RequestLog) Since(seq int64, limit int) []RequestRecord {
	return l.filter(func(r *RequestRecord) bool { return r.Seq > seq }, limit)
}

// SinceTime returns the records at or after t, oldest first, at most
// limit of them (all when limit is not positive).
func (l *RequestLog) SinceTime(t time.Time, limit int) []RequestRecord {
	return l.filter(func(r *RequestRecord) bool { return !r.Time.Before(t) }, limit)
}

func (l *RequestLog) filter(keep func(*RequestRecord) bool, limit int) []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []RequestRecord{}
	start := (l.next - l.n + len(l.buf)) % len(l.buf)
	for i := range l.n {
		r := &l.buf[(start+i)%len(l.buf)]
		if !keep(r) {
			continue
		}
		out = append(out, *r)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out
}

// Tally counts calls per principal (tenant or API key) and route, so a
// multi-merchant load test can tell the merchants apart.
type Tally struct {
	mu sync.Mutex
	m  map[string]map[string]int64
}

// NewTally returns an empty tally.
func NewTally() *Tally { return &Tally{m: make(map[string]map[string]int64)} }

// Inc adds one call to route for principal.
func (t *Tally) Inc(principal, route string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.m[principal]
	if m == nil {
		m = make(map[string]int64)
		t.m[principal] = m
	}
	m[route]++
}

// Snapshot returns a copy of every count, by principal then route.
func (t *Tally) Snapshot() map[string]map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]map[string]int64, len(t.m))
	for p, m := range t.m {
		out[p] = maps.Clone(m)
	}
	return out
}

// Reset forgets every count.
func (t *Tally) Reset() {
	t.mu.Lock()
	clear(t.m)
	t.mu.Unlock()
}

// Admin serves an emulator's admin API under AdminPrefix, answering only
// requests that carry its token. Emulators register their own endpoints.
type Admin struct {
	token string
	mux   *http.ServeMux
}

// NewAdmin returns an admin API that requires token.
func NewAdmin(token string) *Admin {
	a := &Admin{token: token, mux: http.NewServeMux()}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteAdminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s", r.Method, r.URL.Path))
	})
	return a
}

// Token is the admin token.
func (a *Admin) Token() string { return a.token }

// HandleFunc registers h for pattern, written without the prefix
// ("GET /counters" serves GET /_emulator/counters).
func (a *Admin) HandleFunc(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	} else {
		method += " "
	}
	a.mux.HandleFunc(method+AdminPrefix+path, h)
}

// HandleRequestLog serves GET /requests from l. since= is a sequence
// number (records after it) or an RFC 3339 time (records at or after it);
// limit= caps the answer. The answer is {"requests": [...], "last": N}:
// pass last as the next since to read on without gaps or repeats.
func (a *Admin) HandleRequestLog(l *RequestLog) {
	a.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := 0
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				WriteAdminError(w, http.StatusBadRequest, fmt.Sprintf("limit %q is not a count", v))
				return
			}
			limit = n
		}
		// Read last first: a record added meanwhile is then returned
		// again next time rather than skipped.
		last := l.Last()
		var recs []RequestRecord
		since := q.Get("since")
		if n, err := strconv.ParseInt(since, 10, 64); err == nil || since == "" {
			recs = l.Since(n, limit)
		} else if t, err := time.Parse(time.RFC3339Nano, since); err == nil {
			recs = l.SinceTime(t, limit)
		} else {
			WriteAdminError(w, http.StatusBadRequest, fmt.Sprintf("since %q is neither a sequence number nor an RFC 3339 time", since))
			return
		}
		if limit > 0 && len(recs) == limit {
			last = recs[len(recs)-1].Seq
		}
		WriteAdminJSON(w, http.StatusOK, map[string]any{"requests": recs, "last": last})
	})
}

// ServeHTTP checks the token, then serves the endpoint.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get(AdminTokenHeader)
	if got == "" {
		got = r.URL.Query().Get("token")
	}
	if a.token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) != 1 {
		WriteAdminError(w, http.StatusUnauthorized, "send the emulator's admin token in "+AdminTokenHeader)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// WriteAdminJSON writes v as the admin API's JSON answer.
func WriteAdminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// WriteAdminError writes {"error": msg}, the admin API's one error shape
// (deliberately unlike either vendor's).
func WriteAdminError(w http.ResponseWriter, status int, msg string) {
	WriteAdminJSON(w, status, map[string]string{"error": msg})
}

// ReadAdminJSON decodes a request body of at most 1 MiB into v, refusing
// unknown fields so that a misspelt option is not silently ignored.
func ReadAdminJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("read admin request: %w", err)
	}
	return nil
}

// StatusWriter remembers the status and counts the body bytes of one
// answer, for the request log.
type StatusWriter struct {
	http.ResponseWriter
	Status int
	Bytes  int64
}

// WriteHeader records the status.
func (w *StatusWriter) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write counts the bytes (and, like net/http, implies 200).
func (w *StatusWriter) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (w *StatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Code is the status sent (200 when the handler wrote nothing).
func (w *StatusWriter) Code() int {
	if w.Status == 0 {
		return http.StatusOK
	}
	return w.Status
}

// NewAdminToken returns a random token for an emulator that was given none.
func NewAdminToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
