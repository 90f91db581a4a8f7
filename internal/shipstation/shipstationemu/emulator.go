package shipstationemu

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	// Pacific time must render the same on machines without a zoneinfo
	// database (containers, Windows).
	_ "time/tzdata"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// ratePerMinute is ShipStation's documented V1 budget per API key pair.
const ratePerMinute = 40

// Options configures an Emulator. The zero value is a working account with
// one manual store, generated credentials and the real rate limit.
type Options struct {
	// APIKey and APISecret are the first key pair; generated when empty.
	APIKey, APISecret string
	// Stores are the account's stores; StoreID 0 gets an id assigned. Empty
	// means the single manual store every account starts with.
	Stores []Store
	// RateLimit is the 40 calls/minute per key pair limit; the zero value
	// is real time, emukit.NoRateLimit disables it.
	RateLimit emukit.RateLimit
	// Faults injects server errors, latency and outages.
	Faults emukit.FaultConfig
	// Now is the clock for every date the emulator records; default
	// time.Now. Rate-limit windows always use the wall clock, so a frozen
	// Now does not freeze the rate limit.
	Now func() time.Time
	// Logger receives the emulator's own diagnostics; default discards.
	Logger *slog.Logger
}

// keyPair is one API key and secret with its own rate budget.
type keyPair struct{ key, secret string }

// Emulator is an in-memory ShipStation V1 API. It is an http.Handler.
type Emulator struct {
	now      func() time.Time
	log      *slog.Logger
	loc      *time.Location
	mux      *http.ServeMux
	counters *emukit.Counters
	faults   *emukit.Faults
	userID   string
	sellerID int64

	closeOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	client    *http.Client

	rlMu     sync.Mutex
	rl       emukit.RateLimit
	window   *emukit.Window
	hookDrop float64
	hookWait time.Duration
	hookRNG  *mrand.Rand
	closing  bool

	mu           sync.Mutex
	baseURL      string
	keys         []keyPair
	stores       []Store
	carriers     []Carrier
	orders       []*Order // in orderId order (ids only grow)
	byID         map[int64]*Order
	byKey        map[string]*Order
	held         map[int64]struct{}
	importBatch  map[string][]int64
	shipments    []*Shipment
	shipByID     map[int64]*Shipment
	fulfillments []*Fulfillment
	webhooks     []*webhook
	customers    map[string]int64
	products     map[string]int64
	nextID       map[string]int64
}

// New returns an emulator configured by opts.
func New(opts Options) *Emulator {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		// Cannot happen with time/tzdata embedded; keep serving in PST.
		logger.Warn("shipstationemu: no America/Los_Angeles zone, using fixed PST", slog.Any("error", err))
		loc = time.FixedZone("PST", -8*3600)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Emulator{
		now:         now,
		log:         logger,
		loc:         loc,
		mux:         http.NewServeMux(),
		counters:    emukit.NewCounters(),
		faults:      emukit.NewFaults(opts.Faults),
		userID:      newGUID(),
		sellerID:    100000 + int64(mrand.IntN(900000)),
		ctx:         ctx,
		cancel:      cancel,
		client:      &http.Client{Timeout: 10 * time.Second},
		hookRNG:     mrand.New(mrand.NewPCG(opts.Faults.Seed, 0x5eed)),
		baseURL:     "https://ssapi.shipstation.com",
		byID:        make(map[int64]*Order),
		byKey:       make(map[string]*Order),
		held:        make(map[int64]struct{}),
		importBatch: make(map[string][]int64),
		shipByID:    make(map[int64]*Shipment),
		customers:   make(map[string]int64),
		products:    make(map[string]int64),
		nextID: map[string]int64{
			"store": 310000, "order": 500000000, "item": 700000000, "shipment": 80000000,
			"fulfillment": 90000000, "webhook": 1000, "customer": 60000000, "product": 11000000,
			"batch": 12000000, "customs": 13000000,
		},
	}
	key, secret := opts.APIKey, opts.APISecret
	if key == "" {
		key = randomHex(16)
	}
	if secret == "" {
		secret = randomHex(16)
	}
	e.keys = []keyPair{{key, secret}}
	stores := opts.Stores
	if len(stores) == 0 {
		stores = []Store{{StoreName: "ShipStation Manual Store", MarketplaceName: "ShipStation"}}
	}
	for _, s := range stores {
		e.addStoreLocked(s)
	}
	e.carriers = defaultCarriers()
	e.SetRateLimit(opts.RateLimit)
	e.routes()
	return e
}

// Close stops webhook deliveries, waiting for those in flight. The server
// the emulator is served by is the caller's to close. It is safe to call
// twice.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() {
		e.rlMu.Lock()
		e.closing = true
		e.rlMu.Unlock()
		e.cancel()
		e.wg.Wait()
	})
}

// URL is the base URL the emulator is reached at, without a trailing slash.
func (e *Emulator) URL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.baseURL
}

// SetURL sets the base URL used in webhook resource_urls, for an emulator
// served by a caller's own http.Server.
func (e *Emulator) SetURL(u string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.baseURL = strings.TrimRight(u, "/")
}

// APIKey is the first key pair's API key.
func (e *Emulator) APIKey() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.keys[0].key
}

// APISecret is the first key pair's API secret.
func (e *Emulator) APISecret() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.keys[0].secret
}

// AddKeyPair adds another valid key pair; it has its own rate budget, as
// ShipStation's two V1 key pairs do.
func (e *Emulator) AddKeyPair() (key, secret string) {
	key, secret = randomHex(16), randomHex(16)
	e.mu.Lock()
	e.keys = append(e.keys, keyPair{key, secret})
	e.mu.Unlock()
	return key, secret
}

// Counters are the per-endpoint request counters, keyed "METHOD /route"
// such as "POST /orders/createorders" or "GET /orders/{id}".
func (e *Emulator) Counters() *emukit.Counters { return e.counters }

// SetFaults replaces the fault configuration.
func (e *Emulator) SetFaults(c emukit.FaultConfig) { e.faults.Set(c) }

// SetRateLimit replaces the rate limit; every key pair starts a fresh window.
func (e *Emulator) SetRateLimit(r emukit.RateLimit) {
	e.rlMu.Lock()
	defer e.rlMu.Unlock()
	e.rl = r
	e.window = emukit.NewWindow(ratePerMinute, r.Window(time.Minute), time.Now)
}

// SetWebhookDelivery makes a share drop (0 to 1) of webhook deliveries
// vanish and delays every delivery by delay (ShipStation documents "within
// a few minutes").
func (e *Emulator) SetWebhookDelivery(drop float64, delay time.Duration) {
	e.rlMu.Lock()
	defer e.rlMu.Unlock()
	e.hookDrop, e.hookWait = drop, delay
}

// ServeHTTP serves the ShipStation V1 API. Paths are matched
// case-insensitively, as ASP.NET routes are.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if lower := strings.ToLower(r.URL.Path); lower != r.URL.Path {
		r2 := r.Clone(r.Context())
		r2.URL.Path = lower
		r2.URL.RawPath = ""
		r = r2
	}
	e.mux.ServeHTTP(w, r)
}

// handler is an API handler after authentication, rate limiting and faults.
type handler func(w http.ResponseWriter, r *http.Request)

func (e *Emulator) routes() {
	e.handle("POST /orders/createorder", e.createOrder)
	e.handle("POST /orders/createorders", e.createOrders)
	e.handle("GET /orders", e.listOrders)
	e.handle("GET /orders/{id}", e.getOrder)
	e.handle("DELETE /orders/{id}", e.deleteOrder)
	e.handle("POST /orders/markasshipped", e.markAsShipped)
	e.handle("POST /orders/holduntil", e.holdUntil)
	e.handle("POST /orders/restorefromhold", e.restoreFromHold)
	e.handle("POST /orders/createlabelfororder", e.createLabelForOrder)
	e.handle("POST /shipments/voidlabel", e.voidLabel)
	e.handle("GET /shipments", e.listShipments)
	e.handle("GET /fulfillments", e.listFulfillments)
	e.handle("GET /stores", e.listStores)
	e.handle("GET /stores/{id}", e.getStore)
	e.handle("GET /carriers", e.listCarriers)
	e.handle("GET /carriers/getcarrier", e.getCarrier)
	e.handle("GET /carriers/listservices", e.listCarrierOptions(carrierServices()))
	e.handle("GET /carriers/listpackages", e.listCarrierOptions(carrierPackages()))
	e.handle("POST /webhooks/subscribe", e.subscribe)
	e.handle("GET /webhooks", e.listWebhooks)
	e.handle("DELETE /webhooks/{id}", e.unsubscribe)
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeMessage(w, http.StatusNotFound, fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", r.URL.Path))
	})
}

// handle registers h behind the checks every API call goes through, in the
// order ShipStation applies them as far as observable: authentication, the
// rate limit, then the call itself (which may fail by injection).
func (e *Emulator) handle(route string, h handler) {
	e.mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		e.counters.Inc(route)
		d := e.faults.Decide()
		if d.Latency > 0 {
			t := time.NewTimer(d.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		key, ok := e.authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="ShipStation"`)
			writeMessage(w, http.StatusUnauthorized, "Authorization has been denied for this request.")
			return
		}
		if !e.takeRate(w, key) {
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"message": "Too Many Requests"})
			return
		}
		if d.Offline {
			writeMessage(w, http.StatusServiceUnavailable, "The service is unavailable.")
			return
		}
		if d.Status != 0 {
			writeJSON(w, d.Status, map[string]any{
				"Message":          "An error has occurred.",
				"ExceptionMessage": "Injected fault (shipstationemu).",
				"ExceptionType":    "System.Exception",
				"StackTrace":       nil,
			})
			return
		}
		h(w, r)
	})
}

// authenticate checks HTTP Basic credentials against every key pair and
// returns the key that names the rate budget.
func (e *Emulator) authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, k := range e.keys {
		ku := subtle.ConstantTimeCompare([]byte(user), []byte(k.key))
		kp := subtle.ConstantTimeCompare([]byte(pass), []byte(k.secret))
		if ku&kp == 1 {
			return k.key, true
		}
	}
	return "", false
}

// takeRate counts the call against key's window, sets the X-Rate-Limit
// headers and reports whether the call may proceed. X-Rate-Limit-Reset is
// whole seconds (rounded up) of the emulated window, so a client that
// sleeps for it at a time scale waits the scaled time.
func (e *Emulator) takeRate(w http.ResponseWriter, key string) bool {
	e.rlMu.Lock()
	off, win := e.rl.Off, e.window
	e.rlMu.Unlock()
	if off {
		return true
	}
	remaining, reset, ok := win.Take(key)
	secs := int64((reset + time.Second - 1) / time.Second)
	if secs < 0 {
		secs = 0
	}
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(win.Limit()))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(secs, 10))
	return ok
}

// id hands out the next id of a kind; callers hold e.mu.
func (e *Emulator) id(kind string) int64 {
	e.nextID[kind]++
	return e.nextID[kind]
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeMessage writes ASP.NET Web API's error shape {"Message": ...}.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"Message": msg})
}

// writeModelState writes a 400 validation failure in ASP.NET's shape.
func writeModelState(w http.ResponseWriter, state map[string][]string) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"Message":    "The request is invalid.",
		"ModelState": state,
	})
}

// readBody reads a request body of reasonable size.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("shipstationemu: read body: %w", err)
	}
	return b, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newGUID returns a random version 4 UUID, as ShipStation generates for
// order keys and import batches.
func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
