package apispec

import (
	"bytes"
	"context"
	"errors"
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
		report(req.Context(), t.tb, t.specs.Check, ex)
		return nil, err
	}
	rb, rerr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	if rerr != nil {
		return nil, fmt.Errorf("apispec: read response body: %w", rerr)
	}
	ex.Status, ex.Header, ex.ResponseBody = resp.StatusCode, resp.Header, rb
	report(req.Context(), t.tb, t.specs.Check, ex)
	return resp, nil
}

// report checks one exchange with check (Specs.Check or
// Specs.CheckServed) and fails tb once per violation.
func report(ctx context.Context, tb testing.TB, check func(context.Context, Exchange) (Op, []Violation), ex Exchange) {
	_, vs := check(context.WithoutCancel(ctx), ex)
	for _, v := range vs {
		tb.Errorf("apispec: %s", v)
	}
}

// Middleware wraps a server's handler: every request it receives and every
// response it writes are validated (Specs.CheckServed: a request the
// server refuses with a 4xx may break the description, the refusal must
// not), and each violation fails tb. The emulators' test helpers
// (xeroemutest, shipstationemutest) wrap their handler with it so that
// every test talking to an emulator checks both sides of the conversation.
// Streaming is not supported: the response is also buffered for checking.
func Middleware(tb testing.TB, specs *Specs, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The handler reads the body as it arrives (an emulator may hold a
		// concurrency slot while a slow body streams in); a tee keeps a
		// copy. Whatever the handler left unread is read when it starts
		// its answer (the moment net/http would discard it) or when it
		// returns, so that the whole body is validated.
		in := &teeBody{r: r.Body}
		r.Body = in
		drain := func() {
			if in.err == nil {
				_, _ = io.Copy(io.Discard, in)
			}
		}
		rec := &recorder{ResponseWriter: w, beforeHeader: drain}
		h.ServeHTTP(rec, r)
		drain()
		if in.err != nil && !errors.Is(in.err, io.EOF) {
			// The client broke off mid-body: there is no complete
			// exchange to judge, and the test that did it sees the error
			// on its side.
			return
		}
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		header := rec.header
		if header == nil {
			header = w.Header().Clone()
		}
		req := r.Clone(r.Context())
		req.Body = http.NoBody
		report(r.Context(), tb, specs.CheckServed, Exchange{Request: req, RequestBody: in.buf.Bytes(), Status: status, Header: header, ResponseBody: rec.body.Bytes()})
	})
}

// teeBody keeps a copy of a request body as it is read, and the first
// error reading it.
type teeBody struct {
	r   io.ReadCloser
	buf bytes.Buffer
	err error
}

// Read reads from the body, keeping a copy.
func (t *teeBody) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	t.buf.Write(p[:n])
	if err != nil {
		t.err = err
	}
	return n, err
}

// Close does nothing: the middleware still reads what the handler left,
// and the server closes the real body after the handler returns.
func (t *teeBody) Close() error { return nil }

// recorder passes a response through while keeping a copy of its status,
// headers (as sent) and body.
type recorder struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
	// beforeHeader runs once, before the status line goes out.
	beforeHeader func()
}

// WriteHeader keeps the status and the headers as they are sent.
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		if r.beforeHeader != nil {
			r.beforeHeader()
		}
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
