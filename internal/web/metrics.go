package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus metric families orderbridge exports on
// /metrics. They live on a registry owned by one Metrics value (never the
// global default registry), so tests and several servers in one process
// never collide. The app makes one with NewMetrics, gives it to the worker
// (which updates the job, API and export families) and to web.Config.
type Metrics struct {
	// Registry holds every family below; /metrics serves it.
	Registry *prometheus.Registry

	// Jobs counts finished jobs by kind ("export_invoices", ...) and
	// outcome ("completed", "failed", "snoozed", "cancelled").
	Jobs *prometheus.CounterVec
	// APICalls counts calls to Xero and ShipStation by service ("xero",
	// "shipstation") and HTTP status code ("200", "429", "error" when no
	// answer came).
	APICalls *prometheus.CounterVec
	// RateLimitRemaining is the calls left in the current window, by service
	// and window ("minute", "day"), as the last answer's headers said. It
	// is not labelled by account or tenant, to keep cardinality bounded:
	// it shows the tightest recent figure.
	RateLimitRemaining *prometheus.GaugeVec
	// OrdersExported counts orders sent to ShipStation, by result
	// ("created", "updated", "cancelled", "failed").
	OrdersExported *prometheus.CounterVec
	// WriteBacks counts write-backs to Xero by kind ("note", "line") and
	// result ("written", "failed").
	WriteBacks *prometheus.CounterVec
	// HTTPRequests counts web requests by route pattern and status code.
	HTTPRequests *prometheus.CounterVec
	// SignInFailures counts failed sign-ins, rate-limited ones included.
	SignInFailures prometheus.Counter
	// WebhookDeliveries counts webhook deliveries by source ("xero",
	// "shipstation") and outcome (see the webhookOutcome constants). A
	// refused delivery or a handshake counts once under its outcome; a
	// taken one counts once under each of accepted (it brought a new
	// event), duplicate (it repeated one) and unknown_tenant (it named a
	// Xero organisation no account is connected to) that applies. No
	// account or tenant labels, to keep cardinality bounded: the logs and
	// the dashboard's webhook health say which.
	WebhookDeliveries *prometheus.CounterVec
	// XeroBytes counts the response body bytes Xero sent, by endpoint
	// family (xero.Endpoint: "invoices", "contacts", "history", ...). Xero
	// bills an app's egress per month; the store keeps the same per
	// account and day (store.XeroEgress), which a label here would make
	// unbounded.
	XeroBytes *prometheus.CounterVec
}

// NewMetrics makes the metric families on a new registry, with the Go
// runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_jobs_total", Help: "Jobs finished, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		APICalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_api_calls_total", Help: "Calls to Xero and ShipStation, by service and HTTP status.",
		}, []string{"service", "status"}),
		RateLimitRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderbridge_rate_limit_remaining", Help: "Calls left in the current rate-limit window, as last reported.",
		}, []string{"service", "window"}),
		OrdersExported: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_orders_exported_total", Help: "Orders sent to ShipStation, by result.",
		}, []string{"result"}),
		WriteBacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_write_backs_total", Help: "Shipping write-backs to Xero, by kind and result.",
		}, []string{"kind", "result"}),
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_http_requests_total", Help: "Web requests, by route and status code.",
		}, []string{"route", "code"}),
		SignInFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderbridge_sign_in_failures_total", Help: "Failed or refused sign-ins.",
		}),
		WebhookDeliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_webhook_deliveries_total",
			Help: "Webhook deliveries, by source and outcome (a taken delivery counts under each of accepted, duplicate and unknown_tenant that applies).",
		}, []string{"source", "outcome"}),
		XeroBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderbridge_xero_response_bytes_total", Help: "Response body bytes Xero sent (its metered egress), by endpoint family.",
		}, []string{"endpoint"}),
	}
	// Every series a receiver can produce starts at zero, so an alert on
	// a rate sees the first one.
	for source, outcomes := range webhookOutcomes {
		for _, o := range outcomes {
			m.WebhookDeliveries.WithLabelValues(source, o)
		}
	}
	m.Registry.MustRegister(m.Jobs, m.APICalls, m.RateLimitRemaining, m.OrdersExported, m.WriteBacks,
		m.HTTPRequests, m.SignInFailures, m.WebhookDeliveries, m.XeroBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Outcomes of a webhook delivery, the outcome label of
// orderbridge_webhook_deliveries_total.
const (
	outcomeAccepted        = "accepted"         // brought at least one new event
	outcomeDuplicate       = "duplicate"        // repeated at least one event already recorded
	outcomeBadSignature    = "bad_signature"    // Xero signature missing or wrong: 401
	outcomeUnknownTenant   = "unknown_tenant"   // named a Xero organisation no account is connected to
	outcomeUnknownSecret   = "unknown_secret"   // ShipStation URL secret of no subscription: 404
	outcomeForeignResource = "foreign_resource" // ShipStation resource_url on another host: 400
	outcomeBadPayload      = "bad_payload"      // unreadable, too large or malformed body: 400 or 413
	outcomeError           = "error"            // database or queue error: 500, the sender retries
	outcomeHandshake       = "handshake"        // Xero's intent-to-receive check, correctly signed
)

// webhookOutcomes lists the outcomes each receiver can report.
var webhookOutcomes = map[string][]string{
	"xero": {outcomeAccepted, outcomeDuplicate, outcomeBadSignature, outcomeUnknownTenant,
		outcomeBadPayload, outcomeError, outcomeHandshake},
	"shipstation": {outcomeAccepted, outcomeDuplicate, outcomeUnknownSecret, outcomeForeignResource,
		outcomeBadPayload, outcomeError},
}
