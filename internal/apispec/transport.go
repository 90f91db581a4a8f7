package apispec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Transport is an http.RoundTripper that validates every exchange passing
// through it and fails the test on each violation.
type Transport struct {
	tb    testing.TB
	specs *Specs
	base  http.RoundTripper
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport wraps base (http.DefaultTransport when nil). Give it to the
// client under test, e.g. &http.Client{Transport: apispec.NewTransport(t,
// apispec.Shared(t), nil)}. Request and response bodies are buffered and
// handed on intact, so the caller reads them as usual.
func NewTransport(tb testing.TB, specs *Specs, base http.RoundTripper) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	return &Transport{tb: tb, specs: specs, base: base}
}

// RoundTrip sends the request through the base transport and validates the
// request and the response. A transport error still gets the request
// validated and is returned unchanged.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("apispec: read request body: %w", err)
		}
		body = b
	}
	// A RoundTripper must not modify the caller's request: send a clone
	// carrying the buffered body.
	out := req.Clone(req.Context())
	if req.Body != nil {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	resp, err := t.base.RoundTrip(out)
	ex := Exchange{Request: req, RequestBody: body}
	if err != nil {
		report(req.Context(), t.tb, t.specs, ex)
		return nil, err
	}
	rb, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if rerr != nil {
		return nil, fmt.Errorf("apispec: read response body: %w", rerr)
	}
	ex.Status, ex.Header, ex.ResponseBody = resp.StatusCode, resp.Header, rb
	report(req.Context(), t.tb, t.specs, ex)
	return resp, nil
}

// report checks one exchange and fails tb once per violation.
func report(ctx context.Context, tb testing.TB, specs *Specs, ex Exchange) {
	_, vs := specs.Check(context.WithoutCancel(ctx), ex)
	for _, v := range vs {
		tb.Errorf("apispec: %s", v)
	}
}

// Middleware wraps a server's handler: every request it receives and every
// response it writes are validated, and each violation fails tb. An
// emulator's test helper can wrap its handler with it so that every test
// talking to the emulator checks the emulator's side of the conversation.
// Streaming is not supported: the response is also buffered for checking.
func Middleware(tb testing.TB, specs *Specs, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		_ = r.Body.Close()
		if err != nil {
			tb.Errorf("apispec: read request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		header := rec.header
		if header == nil {
			header = w.Header().Clone()
		}
		report(r.Context(), tb, specs, Exchange{Request: r, RequestBody: body, Status: status, Header: header, ResponseBody: rec.body.Bytes()})
	})
}

// recorder passes a response through while keeping a copy of its status,
// headers (as sent) and body.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

// WriteHeader keeps the status and the headers as they are sent.
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.header = r.ResponseWriter.Header().Clone()
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write keeps a copy of the body.
func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
