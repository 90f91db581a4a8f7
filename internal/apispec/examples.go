package apispec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
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
	vs := s.checkOperation(ctx, o, nil, Exchange{Request: req, RequestBody: body})
	s.cov.record(op, "POST webhook "+o.template, len(vs))
	return vs
}
