package xeroemu

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// AdminToken is the token the admin API under /_emulator asks for in the
// X-Emulator-Token header.
func (e *Emulator) AdminToken() string { return e.admin.Token() }

// RequestLog is the ring of recent requests the admin API serves.
func (e *Emulator) RequestLog() *emukit.RequestLog { return e.reqLog }

// record books one finished call: egress, the per-tenant tally and the
// request log. It runs after the handler, when the tenant is known.
func (e *Emulator) record(r *http.Request, route string, start time.Time, sw *emukit.StatusWriter, ew *egressWriter) {
	e.countEgress(ew)
	if ew.tenant != "" {
		e.tally.Inc(ew.tenant, route)
	}
	e.reqLog.Add(emukit.RequestRecord{
		Time: start.UTC(), Method: r.Method, Path: r.URL.Path, Route: route, Principal: ew.tenant,
		Status: sw.Code(), DurationMS: float64(time.Since(start).Microseconds()) / 1000, Bytes: sw.Bytes,
	})
}

// adminRoutes builds the admin API: counters, the request log, the
// organisations and invoice seeding (doc/emulators.md, "Admin API").
func (e *Emulator) adminRoutes(token string) {
	a := emukit.NewAdmin(token)
	a.HandleRequestLog(e.reqLog)
	a.HandleFunc("GET /counters", func(w http.ResponseWriter, _ *http.Request) {
		emukit.WriteAdminJSON(w, http.StatusOK, map[string]any{
			"calls":       e.counters.Snapshot(),
			"tenants":     e.tally.Snapshot(),
			"egressBytes": e.egress.Snapshot(),
		})
	})
	a.HandleFunc("DELETE /counters", func(w http.ResponseWriter, _ *http.Request) {
		e.counters.Reset()
		e.egress.Reset()
		e.tally.Reset()
		w.WriteHeader(http.StatusNoContent)
	})
	a.HandleFunc("GET /tenants", func(w http.ResponseWriter, _ *http.Request) {
		type tenant struct {
			TenantID string `json:"tenantId"`
			Name     string `json:"name"`
		}
		out := []tenant{}
		for _, id := range e.TenantIDs() {
			out = append(out, tenant{id, e.OrgName(id)})
		}
		emukit.WriteAdminJSON(w, http.StatusOK, map[string]any{"tenants": out})
	})
	a.HandleFunc("POST /seed/invoices", e.adminSeedInvoices)
	e.admin = a
}

func (e *Emulator) adminSeedInvoices(w http.ResponseWriter, r *http.Request) {
	var req SeedInvoicesRequest
	if err := emukit.ReadAdminJSON(r, &req); err != nil {
		emukit.WriteAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	ids, err := e.SeedInvoices(req)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errUnknownTenant) {
			status = http.StatusNotFound
		}
		emukit.WriteAdminError(w, status, err.Error())
		return
	}
	emukit.WriteAdminJSON(w, http.StatusOK, map[string]any{"tenant": e.orResolve(req.Tenant), "invoiceIds": ids})
}

// orResolve names the tenant a request without one was served for.
func (e *Emulator) orResolve(tenant string) string {
	if tenant == "" {
		return e.DefaultTenantID()
	}
	return tenant
}

var errUnknownTenant = errors.New("unknown tenant")

func unknownTenant(id string) error { return fmt.Errorf("xeroemu: %w %q", errUnknownTenant, id) }
