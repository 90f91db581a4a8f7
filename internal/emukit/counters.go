package emukit

import (
	"maps"
	"slices"
	"sync"
)

// Counters counts requests per endpoint, named as "METHOD /route/pattern"
// (for example "GET /api.xro/2.0/Invoices"), so benchmarks can report the
// calls a run made and tests can assert that nothing was called twice.
type Counters struct {
	mu sync.Mutex
	m  map[string]int64
}

// NewCounters returns an empty set of counters.
func NewCounters() *Counters { return &Counters{m: make(map[string]int64)} }

// Inc adds one call to endpoint.
func (c *Counters) Inc(endpoint string) {
	c.mu.Lock()
	c.m[endpoint]++
	c.mu.Unlock()
}

// Add adds n to key, for counters that measure amounts rather than calls
// (the response bytes an emulator served, per organisation).
func (c *Counters) Add(key string, n int64) {
	c.mu.Lock()
	c.m[key] += n
	c.mu.Unlock()
}

// Get returns the calls made to endpoint.
func (c *Counters) Get(endpoint string) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[endpoint]
}

// Total returns the calls made to all endpoints.
func (c *Counters) Total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, v := range c.m {
		n += v
	}
	return n
}

// Snapshot returns a copy of every counter.
func (c *Counters) Snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

// Endpoints returns the endpoints called so far, sorted.
func (c *Counters) Endpoints() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.m))
}

// Reset sets every counter back to zero.
func (c *Counters) Reset() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
