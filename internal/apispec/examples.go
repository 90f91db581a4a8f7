package apispec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// Example is one documented example body, as JSON.
type Example struct {
	// Name is the example's name in the description, or where it sits.
	Name string
	Body json.RawMessage
}

// OperationExamples holds the documented example bodies of one operation.
type OperationExamples struct {
	Op       Op
	Method   string
	Path     string // documented path with the server prefix
	Requests []Example
	// Responses holds the response examples by status code.
	Responses map[int][]Example
}

// Examples returns the example request and response bodies the
// description documents for an operation, so that tests can decode every
// documented response with a client and post every documented request to
// an emulator. ShipStation's Swagger file carries response examples only
// (its request examples survive only as the body schemas derived from
// them). Examples are returned as documented, including where they break
// their own schema (see doc/conformance.md).
func Examples(s *Specs, vendor Vendor, id string) (OperationExamples, error) {
	op := Op{vendor, id}
	o, ok := s.ops[op]
	if !ok {
		return OperationExamples{}, fmt.Errorf("apispec: examples: unknown operation %s", op)
	}
	out := OperationExamples{Op: op, Method: o.method, Path: o.prefix + o.template, Responses: map[int][]Example{}}
	if rb := o.oper.RequestBody; rb != nil && rb.Value != nil {
		ex, err := mediaExamples(rb.Value.Content, "request")
		if err != nil {
			return out, fmt.Errorf("apispec: examples of %s: %w", op, err)
		}
		out.Requests = ex
	}
	for status, rr := range o.oper.Responses.Map() {
		code, err := strconv.Atoi(status)
		if err != nil || rr.Value == nil {
			continue
		}
		ex, err := mediaExamples(rr.Value.Content, status)
		if err != nil {
			return out, fmt.Errorf("apispec: examples of %s: %w", op, err)
		}
		if len(ex) > 0 {
			out.Responses[code] = ex
		}
	}
	return out, nil
}

func mediaExamples(content openapi3.Content, where string) ([]Example, error) {
	var out []Example
	for _, mt := range content {
		if mt.Example != nil {
			b, err := exampleJSON(mt.Example)
			if err != nil {
				return nil, err
			}
			out = append(out, Example{Name: where, Body: b})
		}
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if r := mt.Examples[n]; r != nil && r.Value != nil && r.Value.Value != nil {
				b, err := exampleJSON(r.Value.Value)
				if err != nil {
					return nil, err
				}
				out = append(out, Example{Name: n, Body: b})
			}
		}
	}
	return out, nil
}

// exampleJSON encodes an example. Some of Xero's examples are strings
// holding JSON (the identity description's /Connections example): those
// are returned as the JSON they hold.
func exampleJSON(v any) (json.RawMessage, error) {
	if s, ok := v.(string); ok {
		var inner any
		if json.Unmarshal([]byte(s), &inner) == nil {
			if _, scalar := inner.(string); !scalar {
				return json.RawMessage(s), nil
			}
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode example: %w", err)
	}
	return b, nil
}

// CheckWebhook validates a webhook payload the vendor sends (Xero's
// publishInvoiceEvent, publishContactEvent, ...: the webhooks section of
// xero-webhooks.yaml) and fails tb on each violation. Emulators that send
// webhooks call it on what they send; receivers' tests on what they get.
func CheckWebhook(tb testing.TB, s *Specs, op Op, body []byte) {
	tb.Helper()
	for _, v := range s.CheckWebhook(context.Background(), op, body) {
		tb.Errorf("apispec: %s", v)
	}
}

// CheckWebhook validates a webhook payload and returns the violations.
func (s *Specs) CheckWebhook(ctx context.Context, op Op, body []byte) []Violation {
	o, ok := s.webhooks[op]
	if !ok {
		return []Violation{{Op: op, Side: "route", Where: "webhook", Problem: "no description documents this webhook"}}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/"+o.template, bytes.NewReader(body))
	if err != nil {
		return []Violation{{Op: op, Side: "request", Where: "webhook", Problem: err.Error()}}
	}
	req.Header.Set("Content-Type", "application/json")
	vs := s.checkOperation(ctx, o, nil, Exchange{Request: req, RequestBody: body}, false)
	s.cov.record(op, "POST webhook "+o.template, len(vs))
	return vs
}

// LostKeys compares a documented example body with what a client made of
// it (the decoded value, encoded again as JSON) and returns the JSON
// pointers of the example's keys that carry a value (anything but null,
// "", 0, false, {} and []) and are missing from decoded: what decoding
// lost. Arrays are compared element by element. ignore lists pointers the
// client drops on purpose; "*" matches one segment
// ("/Invoices/*/DateString"). Values are not compared: clients may
// normalise them (dates, numbers).
func LostKeys(example, decoded []byte, ignore ...string) ([]string, error) {
	var ex, dec any
	if err := json.Unmarshal(example, &ex); err != nil {
		return nil, fmt.Errorf("apispec: lost keys: example: %w", err)
	}
	if err := json.Unmarshal(decoded, &dec); err != nil {
		return nil, fmt.Errorf("apispec: lost keys: decoded: %w", err)
	}
	var lost []string
	var walk func(ptr string, e, d any)
	walk = func(ptr string, e, d any) {
		switch ev := e.(type) {
		case map[string]any:
			dv, _ := d.(map[string]any)
			keys := make([]string, 0, len(ev))
			for k := range ev {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := ptr + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
				if isEmptyJSON(ev[k]) || ignored(p, ignore) {
					continue
				}
				sub, ok := dv[k]
				if !ok {
					lost = append(lost, p)
					continue
				}
				walk(p, ev[k], sub)
			}
		case []any:
			dv, _ := d.([]any)
			for i, x := range ev {
				p := ptr + "/" + strconv.Itoa(i)
				if isEmptyJSON(x) || ignored(p, ignore) {
					continue
				}
				if i >= len(dv) {
					lost = append(lost, p)
					continue
				}
				walk(p, x, dv[i])
			}
		}
	}
	walk("", ex, dec)
	return lost, nil
}

func ignored(ptr string, patterns []string) bool {
	for _, pat := range patterns {
		if targetMatches(pat, ptr) {
			return true
		}
	}
	return false
}

// isEmptyJSON reports whether a decoded JSON value carries nothing a client
// could lose: null, "", 0, false, {} or [].
func isEmptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

// collectExampleKeys records every object key of the Xero descriptions'
// examples (request and response bodies of every operation), for the
// strict response key check.
func (s *Specs) collectExampleKeys() error {
	s.exampleKeys = map[Vendor]map[string]bool{Xero: {}}
	keys := s.exampleKeys[Xero]
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				keys[k] = true
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for op := range s.ops {
		if op.Vendor != Xero {
			continue
		}
		ex, err := Examples(s, op.Vendor, op.ID)
		if err != nil {
			return err
		}
		bodies := ex.Requests
		for _, list := range ex.Responses {
			bodies = append(bodies, list...)
		}
		for _, b := range bodies {
			var v any
			if json.Unmarshal(b.Body, &v) == nil {
				walk(v)
			}
		}
	}
	return nil
}
