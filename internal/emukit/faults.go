package emukit

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"
)

// FaultConfig describes the trouble an emulator makes on purpose.
type FaultConfig struct {
	// ErrorRate is the share (0 to 1) of API calls answered with a server
	// error instead of being processed. The call has no effect on state.
	ErrorRate float64
	// ErrorStatuses are the statuses drawn from for injected errors; empty
	// means 500 and 503 alike.
	ErrorStatuses []int
	// Latency is added before every API call is handled.
	Latency time.Duration
	// Offline makes every API call fail as the vendor does when an account
	// is unreachable (Xero's "Organisation offline" 503).
	Offline bool
	// Seed makes the choice of failing calls repeatable; 0 picks a random one.
	Seed uint64
}

// String returns the form ParseFaults reads.
func (c FaultConfig) String() string {
	var parts []string
	if c.ErrorRate > 0 {
		parts = append(parts, "errors="+strconv.FormatFloat(c.ErrorRate, 'g', -1, 64))
	}
	if len(c.ErrorStatuses) > 0 {
		s := make([]string, len(c.ErrorStatuses))
		for i, st := range c.ErrorStatuses {
			s[i] = strconv.Itoa(st)
		}
		parts = append(parts, "statuses="+strings.Join(s, "/"))
	}
	if c.Latency > 0 {
		parts = append(parts, "latency="+c.Latency.String())
	}
	if c.Offline {
		parts = append(parts, "offline")
	}
	if c.Seed != 0 {
		parts = append(parts, "seed="+strconv.FormatUint(c.Seed, 10))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads the command-line form, a comma-separated list such as
// "errors=0.1,statuses=500/503,latency=200ms,offline,seed=7", or "none".
func ParseFaults(s string) (FaultConfig, error) {
	var c FaultConfig
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return c, nil
	}
	for _, part := range strings.Split(s, ",") {
		key, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch key {
		case "errors":
			f, err := strconv.ParseFloat(val, 64)
			if err != nil || f < 0 || f > 1 {
				return c, fmt.Errorf("faults: errors=%q: want a share between 0 and 1", val)
			}
			c.ErrorRate = f
		case "statuses":
			for _, v := range strings.Split(val, "/") {
				st, err := strconv.Atoi(v)
				if err != nil || st < 500 || st > 599 {
					return c, fmt.Errorf("faults: statuses=%q: want 5xx codes separated by /", val)
				}
				c.ErrorStatuses = append(c.ErrorStatuses, st)
			}
		case "latency":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return c, fmt.Errorf("faults: latency=%q: want a duration such as 200ms", val)
			}
			c.Latency = d
		case "offline":
			c.Offline = true
		case "seed":
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return c, fmt.Errorf("faults: seed=%q: want a whole number", val)
			}
			c.Seed = n
		default:
			return c, fmt.Errorf("faults: unknown setting %q (want errors, statuses, latency, offline or seed)", key)
		}
	}
	return c, nil
}

// Faults decides, call by call, whether to inject a fault. It is safe for
// concurrent use and can be reconfigured while the emulator serves.
type Faults struct {
	mu  sync.Mutex
	cfg FaultConfig
	rng *rand.Rand
}

// NewFaults returns an injector with the given configuration.
func NewFaults(cfg FaultConfig) *Faults {
	f := &Faults{}
	f.Set(cfg)
	return f
}

// Set replaces the configuration.
func (f *Faults) Set(cfg FaultConfig) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	f.cfg = cfg
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Config returns the current configuration.
func (f *Faults) Config() FaultConfig {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// Decision is what to do with one call.
type Decision struct {
	Latency time.Duration
	Offline bool
	// Status is non-zero when the call must fail with this server error.
	Status int
}

// Decide draws the fate of one call.
func (f *Faults) Decide() Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := Decision{Latency: f.cfg.Latency, Offline: f.cfg.Offline}
	if f.cfg.ErrorRate > 0 && f.rng.Float64() < f.cfg.ErrorRate {
		statuses := f.cfg.ErrorStatuses
		if len(statuses) == 0 {
			statuses = []int{500, 503}
		}
		d.Status = statuses[f.rng.IntN(len(statuses))]
	}
	return d
}
