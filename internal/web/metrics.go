package web

import (
	"maps"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orderbridge/orderbridge/internal/buildinfo"
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
	// XeroAppMinuteRemaining is the calls left in the Xero app's own
	// minute window (X-AppMinLimit-Remaining), shared by every
	// organisation: the one rate-limit figure that is a single series.
	// The per-organisation day and minute figures are per merchant, so one
	// gauge for them all said nothing; Accounts{state="quota_low"} and
	// XeroDayQuota tell how the merchants' quotas stand instead.
	XeroAppMinuteRemaining prometheus.Gauge
	// Accounts counts the accounts by state (AccountStates): "ok" for one
	// with no problem, else under each problem it has. No label per
	// account: the dashboard and `orderbridge accounts` say which.
	Accounts *prometheus.GaugeVec
	// DatabaseUp is 1 while the last account health read (every
	// HealthEvery) reached the database, 0 when it failed.
	DatabaseUp prometheus.Gauge
	// BuildInfo is 1, labelled with the running build (buildinfo.Read):
	// what an upgrade changed, and which processes still run the old one.
	BuildInfo *prometheus.GaugeVec
	// xeroDayQuota is the histogram of the fraction of their Xero day
	// quota the accounts have left (SetAccountHealth).
	xeroDayQuota *ratioHistogram
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
		XeroAppMinuteRemaining: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderbridge_xero_app_minute_remaining", Help: "Calls left in the Xero app's minute window (all organisations), as last reported.",
		}),
		Accounts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderbridge_accounts",
			Help: "Accounts by state: ok, or each problem an account has (reconnect_needed, quota_low, webhooks_off, stuck).",
		}, []string{"state"}),
		DatabaseUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderbridge_database_up", Help: "1 when the last periodic read of the database succeeded, 0 when it failed.",
		}),
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "orderbridge_build_info", Help: "1, labelled with the version, commit and Go version of the running build.",
		}, []string{"version", "commit", "go_version"}),
		xeroDayQuota: newRatioHistogram("orderbridge_xero_day_quota_remaining_ratio",
			"Accounts by the fraction of their Xero day quota left (accounts with a figure from the last day).",
			[]float64{0.05, 0.1, 0.2, 0.5, 0.8}),
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
	for _, state := range AccountStates {
		m.Accounts.WithLabelValues(state)
	}
	bi := buildinfo.Read()
	m.BuildInfo.WithLabelValues(bi.Version, bi.Commit, bi.GoVersion).Set(1)
	m.Registry.MustRegister(m.Jobs, m.APICalls, m.XeroAppMinuteRemaining, m.OrdersExported, m.WriteBacks,
		m.HTTPRequests, m.SignInFailures, m.WebhookDeliveries, m.XeroBytes,
		m.Accounts, m.DatabaseUp, m.BuildInfo, m.xeroDayQuota,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// AccountStates are the values of orderbridge_accounts' state label.
var AccountStates = []string{"ok", "reconnect_needed", "quota_low", "webhooks_off", "stuck"}

// SetAccountHealth publishes a reading of every account's health:
// states counts the accounts by AccountStates value, and quotaLeft is
// each account's fraction of its Xero day quota left (0 to 1; accounts
// without a recent figure left out).
func (m *Metrics) SetAccountHealth(states map[string]int, quotaLeft []float64) {
	for _, state := range AccountStates {
		m.Accounts.WithLabelValues(state).Set(float64(states[state]))
	}
	m.xeroDayQuota.set(quotaLeft)
}

// ratioHistogram is a histogram of a snapshot (each account's value now),
// replaced at every reading rather than added to, as a Prometheus
// histogram of observations would be.
type ratioHistogram struct {
	desc    *prometheus.Desc
	bounds  []float64
	mu      sync.Mutex
	buckets map[float64]uint64
	count   uint64
	sum     float64
}

func newRatioHistogram(name, help string, bounds []float64) *ratioHistogram {
	h := &ratioHistogram{desc: prometheus.NewDesc(name, help, nil, nil), bounds: bounds}
	h.set(nil)
	return h
}

func (h *ratioHistogram) set(values []float64) {
	buckets := make(map[float64]uint64, len(h.bounds))
	var sum float64
	for _, b := range h.bounds {
		buckets[b] = 0
	}
	for _, v := range values {
		sum += v
		for _, b := range h.bounds {
			if v <= b {
				buckets[b]++
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buckets, h.count, h.sum = buckets, uint64(len(values)), sum
}

// Describe sends the histogram's description.
func (h *ratioHistogram) Describe(ch chan<- *prometheus.Desc) { ch <- h.desc }

// Collect sends the last snapshot.
func (h *ratioHistogram) Collect(ch chan<- prometheus.Metric) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch <- prometheus.MustNewConstHistogram(h.desc, h.count, h.sum, maps.Clone(h.buckets))
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
