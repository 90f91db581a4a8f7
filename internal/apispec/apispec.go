// Package apispec checks HTTP traffic against the vendors' own API
// descriptions: Xero's OpenAPI documents (accounting, identity, webhooks) and
// ShipStation's Swagger 2.0 file, read from the folder testenv.SpecsDir
// names and never copied into the repository.
//
// Tests put it between a client and a server in two forms: NewTransport
// wraps an http.RoundTripper (client side) and Middleware wraps an
// http.Handler (server side). Every exchange is matched to a documented
// operation by method and path, whatever the host; the request's
// parameters, security headers and body, and the response's status and body
// are validated; each difference fails the test with the operation, the
// JSON path and what the description says. Where the real service is known
// to differ from its description, the difference is excused by one row of
// the table in exceptions.go and nowhere else (see doc/conformance.md).
//
// ShipStation's description has empty definitions, so its schemas are
// derived from the description's own example bodies (derive.go).
//
// The package is test infrastructure: its API takes testing.TB and it
// imports no client or emulator of this repository, so that both can use
// it from their tests.
package apispec

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/orderbridge/orderbridge/internal/testenv"
)

// Vendor names whose description an operation comes from.
type Vendor string

// The vendors this package knows.
const (
	Xero        Vendor = "xero"
	ShipStation Vendor = "shipstation"
)

// Op names one documented operation: Xero's operationId (getInvoices,
// getConnections, ...) or, since ShipStation's Swagger file has no
// operation ids, "METHOD /path" as documented ("POST /orders/createorder").
type Op struct {
	Vendor Vendor
	ID     string
}

// String renders the operation as "vendor:id".
func (o Op) String() string { return string(o.Vendor) + ":" + o.ID }

// Specs holds the four loaded and prepared descriptions, the route table
// built from them and the coverage record of the traffic checked so far.
// It is safe for concurrent use by parallel tests.
type Specs struct {
	docs map[string]*openapi3.T // by document name: accounting, identity, webhooks, shipstation
	ops  map[Op]*operation
	// webhooks holds the operations of the webhooks document: payloads the
	// vendor sends, checked with CheckWebhook rather than routed.
	webhooks map[Op]*operation
	routes   []*operation
	cov      *coverage
	table    []Exception // exceptionTable(), built once
	// exampleKeys holds, per vendor, every object key the vendor's
	// description uses in its examples: the keys a response may carry
	// beyond a complete (strictKeys) schema.
	exampleKeys map[Vendor]map[string]bool
}

// operation is one documented operation with what routing and validation
// need about it.
type operation struct {
	op       Op
	method   string
	template string // the documented path, without the server prefix
	prefix   string // the server URL's path ("/api.xro/2.0"), "" for root
	// foldCase matches literal segments case-insensitively (Xero identity
	// documents "/Connections", the service answers "/connections").
	foldCase bool
	segments []string
	doc      *openapi3.T
	item     *openapi3.PathItem
	oper     *openapi3.Operation
	// strictKeys reports request body keys the description does not list.
	strictKeys bool
}

func (o *operation) route() *routers.Route {
	return &routers.Route{Spec: o.doc, Path: o.template, PathItem: o.item, Method: o.method, Operation: o.oper}
}

// Load reads and prepares the four descriptions under dir (the folder
// testenv.SpecsDir returns). It takes a few hundred milliseconds, mostly for
// Xero's 25k-line accounting document; tests share one result with Shared.
func Load(dir string) (*Specs, error) {
	s := &Specs{docs: map[string]*openapi3.T{}, ops: map[Op]*operation{}, webhooks: map[Op]*operation{}, cov: newCoverage(), table: exceptionTable()}
	if err := s.loadXero(filepath.Join(dir, "xero")); err != nil {
		return nil, err
	}
	if err := s.loadShipStation(filepath.Join(dir, "shipstation", "swagger.yaml")); err != nil {
		return nil, err
	}
	if err := s.addParameters(); err != nil {
		return nil, err
	}
	if err := s.collectExampleKeys(); err != nil {
		return nil, err
	}
	for _, o := range s.ops {
		if _, hook := s.webhooks[o.op]; !hook {
			s.routes = append(s.routes, o)
		}
	}
	// A stable order makes route ties and reports deterministic.
	sort.Slice(s.routes, func(i, j int) bool {
		a, b := s.routes[i], s.routes[j]
		if a.op.Vendor != b.op.Vendor {
			return a.op.Vendor < b.op.Vendor
		}
		return a.op.ID < b.op.ID
	})
	return s, nil
}

func (s *Specs) add(o *operation) error {
	if _, dup := s.ops[o.op]; dup {
		return fmt.Errorf("apispec: operation %s documented twice", o.op)
	}
	o.segments = splitPath(o.template)
	s.ops[o.op] = o
	return nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// Operations lists every documented operation, sorted.
func (s *Specs) Operations() []Op {
	out := make([]Op, 0, len(s.routes))
	for _, o := range s.routes {
		out = append(out, o.op)
	}
	return out
}

// Describe returns "METHOD /full/path" of a documented operation, or ""
// when the operation is unknown.
func (s *Specs) Describe(op Op) string {
	o, ok := s.ops[op]
	if !ok {
		return ""
	}
	return o.method + " " + o.prefix + o.template
}

// sharedSpecs caches one Load per test binary. It is the package's only
// package-level variable, allowed here because this is test
// infrastructure: the descriptions are read-only input, loading the Xero
// accounting document costs a few hundred milliseconds and every test of a
// binary (dozens, in parallel) needs the same result, and the coverage
// record must span the whole binary for RunWithCoverage to report it.
var sharedSpecs struct {
	once  sync.Once
	specs *Specs
	err   error
}

// Shared returns the descriptions loaded once per test binary from
// testenv.SpecsDir. A missing folder skips the test locally and fails it in
// CI (testenv.Missing); a folder that does not load fails it.
func Shared(tb testing.TB) *Specs {
	tb.Helper()
	dir := testenv.SpecsDir(tb)
	sharedSpecs.once.Do(func() {
		sharedSpecs.specs, sharedSpecs.err = Load(dir)
	})
	if sharedSpecs.err != nil {
		tb.Fatalf("apispec: %v", sharedSpecs.err)
	}
	return sharedSpecs.specs
}

// sharedLoaded returns the shared descriptions if a test loaded them.
func sharedLoaded() *Specs {
	return sharedSpecs.specs
}
