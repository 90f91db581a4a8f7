package apispec

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
)

// UsedOperations lists the operations orderbridge uses: every request its
// clients (internal/xero, internal/shipstation) can send, so that a
// coverage report can say which of them no test exercised. It includes the
// token endpoint the exception table adds, since every Xero session starts
// there. The clients never send PUT or POST /Contacts nor POST /Invoices
// (updateOrCreateInvoices), so those are not listed.
func UsedOperations() []Op {
	x := func(id string) Op { return Op{Xero, id} }
	ss := func(id string) Op { return Op{ShipStation, id} }
	return []Op{
		x("getInvoices"), x("createInvoices"),
		x("getInvoice"), x("updateInvoice"),
		x("getInvoiceHistory"), x("createInvoiceHistory"),
		x("getContacts"), x("getContact"),
		x("getTrackingCategories"), x("getOrganisations"), x("createPayments"),
		x("getConnections"), x("deleteConnection"), x(opToken),
		ss("POST /orders/createorder"), ss("POST /orders/createorders"),
		ss("GET /orders"), ss("GET /orders/{orderId}"), ss("DELETE /orders/{orderId}"),
		ss("POST /orders/markasshipped"), ss("POST /orders/holduntil"), ss("POST /orders/restorefromhold"),
		ss("POST /orders/createlabelfororder"), ss("POST /shipments/voidlabel"),
		ss("GET /shipments"), ss("GET /fulfillments"), ss("GET /stores"), ss("GET /carriers"),
		ss("POST /webhooks/subscribe"), ss("GET /webhooks"), ss("DELETE /webhooks/{webhookId}"),
	}
}

// coverage records, per operation, how many exchanges were checked and how
// many of them had violations.
type coverage struct {
	mu           sync.Mutex
	ops          map[Op]*opStats
	undocumented map[string]int
}

type opStats struct{ calls, failed int }

func newCoverage() *coverage {
	return &coverage{ops: map[Op]*opStats{}, undocumented: map[string]int{}}
}

func (c *coverage) record(op Op, call string, violations int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if op.ID == "" {
		c.undocumented[call]++
		return
	}
	st := c.ops[op]
	if st == nil {
		st = &opStats{}
		c.ops[op] = st
	}
	st.calls++
	if violations > 0 {
		st.failed++
	}
}

// OpCoverage is the record of one operation.
type OpCoverage struct {
	Op Op
	// Endpoint is "METHOD /path" as documented, with the server prefix.
	Endpoint string
	// Used reports whether the operation is in UsedOperations.
	Used bool
	// Calls counts checked exchanges; Failed those with violations.
	Calls, Failed int
}

// Clean reports whether the operation was exercised and every exchange
// passed validation.
func (c OpCoverage) Clean() bool { return c.Calls > 0 && c.Failed == 0 }

// Coverage is a snapshot of what the traffic checked so far exercised.
type Coverage struct {
	// Ops holds every used operation and every other operation that was
	// called, used ones first, each group sorted.
	Ops []OpCoverage
	// Undocumented counts requests no description documents, by
	// "METHOD /path".
	Undocumented map[string]int
}

// Coverage returns the record of the exchanges checked through s.
func (s *Specs) Coverage() Coverage {
	s.cov.mu.Lock()
	defer s.cov.mu.Unlock()
	out := Coverage{Undocumented: map[string]int{}}
	used := map[Op]bool{}
	for _, op := range UsedOperations() {
		used[op] = true
		oc := OpCoverage{Op: op, Endpoint: s.Describe(op), Used: true}
		if st := s.cov.ops[op]; st != nil {
			oc.Calls, oc.Failed = st.calls, st.failed
		}
		out.Ops = append(out.Ops, oc)
	}
	var others []OpCoverage
	for op, st := range s.cov.ops {
		if !used[op] {
			others = append(others, OpCoverage{Op: op, Endpoint: s.Describe(op), Calls: st.calls, Failed: st.failed})
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Op.String() < others[j].Op.String() })
	out.Ops = append(out.Ops, others...)
	for k, n := range s.cov.undocumented {
		out.Undocumented[k] = n
	}
	return out
}

// NotExercised lists the used operations no checked exchange reached.
func (c Coverage) NotExercised() []Op {
	var out []Op
	for _, oc := range c.Ops {
		if oc.Used && oc.Calls == 0 {
			out = append(out, oc.Op)
		}
	}
	return out
}

// String renders the report: one line per operation with its state
// ("ok", "FAILED", "not exercised"), then undocumented requests.
func (c Coverage) String() string {
	var b strings.Builder
	clean, used := 0, 0
	for _, oc := range c.Ops {
		if oc.Used {
			used++
			if oc.Clean() {
				clean++
			}
		}
	}
	fmt.Fprintf(&b, "API conformance coverage: %d of %d used operations exercised without violations\n", clean, used)
	for _, oc := range c.Ops {
		state := "ok"
		switch {
		case oc.Calls == 0:
			state = "not exercised"
		case oc.Failed > 0:
			state = fmt.Sprintf("FAILED %d of", oc.Failed)
		}
		tag := "used "
		if !oc.Used {
			tag = "other"
		}
		fmt.Fprintf(&b, "  %s %-13s %4d calls  %-45s %s\n", tag, state, oc.Calls, oc.Op.String(), oc.Endpoint)
	}
	keys := make([]string, 0, len(c.Undocumented))
	for k := range c.Undocumented {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  undocumented  %4d calls  %s\n", c.Undocumented[k], k)
	}
	return b.String()
}

// Fork returns Specs sharing s's loaded descriptions with a coverage
// record of its own, for a test that must not mix its traffic (for
// instance deliberate violations) into the binary's shared report.
func (s *Specs) Fork() *Specs {
	f := *s
	f.cov = newCoverage()
	return &f
}

// CoverageEnv names the environment variable that, set to a non-empty
// value, makes RunWithCoverage print its report without -v.
const CoverageEnv = "ORDERBRIDGE_API_COVERAGE"

// RunWithCoverage runs the tests and then, if any of them used Shared and
// the run is verbose (-v) or CoverageEnv is set, writes the shared
// coverage report to w, so that normal output stays quiet. Use it from
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(apispec.RunWithCoverage(m, os.Stderr)) }
func RunWithCoverage(m *testing.M, w io.Writer) int {
	code := m.Run()
	if s := sharedLoaded(); s != nil && (testing.Verbose() || os.Getenv(CoverageEnv) != "") {
		fmt.Fprint(w, s.Coverage().String())
	}
	return code
}

// WithCoverage wraps m so that running it is RunWithCoverage(m, w): the
// form testenv.Main takes, for packages that want both reports:
//
//	func TestMain(m *testing.M) { testenv.Main(apispec.WithCoverage(m, os.Stderr)) }
func WithCoverage(m *testing.M, w io.Writer) interface{ Run() int } {
	return coverageRun{m: m, w: w}
}

// coverageRun is WithCoverage's runner.
type coverageRun struct {
	m *testing.M
	w io.Writer
}

// Run runs the tests and writes the coverage report as RunWithCoverage does.
func (c coverageRun) Run() int { return RunWithCoverage(c.m, c.w) }
