package xeroemu

import (
	"net/http"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// egressWriter counts the response body bytes of one call, so benchmarks
// can weigh a sync by the data it pulls: Xero meters egress per app from
// 2026 (Core 10 GB a month, then charged per GB).
type egressWriter struct {
	http.ResponseWriter
	n      int64
	tenant string // the organisation the call was served for, once known
}

func (w *egressWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (w *egressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// attribute wraps an API handler so that, once the checks have named the
// call's organisation, its bytes are booked to it. Calls refused before
// that (bad token, tenant, limits) count in the total only.
func (w *egressWriter) attribute(h apiHandler) apiHandler {
	return func(rw http.ResponseWriter, r *http.Request, c *callInfo) {
		if c != nil && c.org != nil {
			w.tenant = c.org.id
		}
		h(rw, r, c)
	}
}

func (e *Emulator) countEgress(w *egressWriter) {
	if w.n > 0 {
		e.egress.Add(w.tenant, w.n)
	}
}

// Egress counts the response body bytes served, keyed by tenant id; the
// key "" holds calls not served for an organisation (OAuth, /connections,
// refusals before the tenant was known). Reset it between benchmark runs.
func (e *Emulator) Egress() *emukit.Counters { return e.egress }

// EgressBytes is the response body bytes served for one organisation.
func (e *Emulator) EgressBytes(tenantID string) int64 { return e.egress.Get(tenantID) }

// EgressTotal is the response body bytes served for every call.
func (e *Emulator) EgressTotal() int64 { return e.egress.Total() }
