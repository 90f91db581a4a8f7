package xeroemu

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
)

// limiter holds Xero's four limits: per organisation 5 in flight, 60 a
// minute and 5,000 a day; per app 10,000 a minute.
type limiter struct {
	minute, day, app *emukit.Window
	conc             *emukit.Concurrency
}

const appKey = "app"

// takeRate records one call against the limits and writes the remaining
// headers. orgKey is empty for tenantless calls, which only the app limit
// covers (and which carry only X-AppMinLimit-Remaining). On refusal it
// writes the 429 and reports false. With limits off it writes no headers.
func (e *Emulator) takeRate(w http.ResponseWriter, orgKey string) (release func(), ok bool) {
	e.limMu.Lock()
	l := e.limits
	if l == nil {
		e.limMu.Unlock()
		return func() {}, true
	}
	h := w.Header()
	// Peek every window first so a refusal by one records nothing in the
	// others; limMu makes peek-then-take atomic.
	appLeft, appReset := l.app.Peek(appKey)
	if appLeft <= 0 {
		e.limMu.Unlock()
		h.Set("X-AppMinLimit-Remaining", "0")
		tooMany(w, "appminute", appReset)
		return nil, false
	}
	if orgKey != "" {
		dayLeft, dayReset := l.day.Peek(orgKey)
		minLeft, minReset := l.minute.Peek(orgKey)
		switch {
		case dayLeft <= 0:
			e.limMu.Unlock()
			h.Set("X-DayLimit-Remaining", "0")
			h.Set("X-MinLimit-Remaining", strconv.Itoa(minLeft))
			h.Set("X-AppMinLimit-Remaining", strconv.Itoa(appLeft))
			tooMany(w, "day", dayReset)
			return nil, false
		case minLeft <= 0:
			e.limMu.Unlock()
			h.Set("X-DayLimit-Remaining", strconv.Itoa(dayLeft))
			h.Set("X-MinLimit-Remaining", "0")
			h.Set("X-AppMinLimit-Remaining", strconv.Itoa(appLeft))
			tooMany(w, "minute", minReset)
			return nil, false
		}
	}
	release = func() {}
	if orgKey != "" {
		r, got := l.conc.Acquire(orgKey)
		if !got {
			e.limMu.Unlock()
			dayLeft, _ := l.day.Peek(orgKey)
			minLeft, _ := l.minute.Peek(orgKey)
			h.Set("X-DayLimit-Remaining", strconv.Itoa(dayLeft))
			h.Set("X-MinLimit-Remaining", strconv.Itoa(minLeft))
			h.Set("X-AppMinLimit-Remaining", strconv.Itoa(appLeft))
			// Xero documents no Retry-After for the concurrent limit; we
			// send the minimum so clients have something to wait for.
			tooMany(w, "concurrent", time.Second)
			return nil, false
		}
		e.inFlight[orgKey]++
		release = func() {
			r()
			e.limMu.Lock()
			e.inFlight[orgKey]--
			e.limMu.Unlock()
		}
		dayLeft, _, _ := l.day.Take(orgKey)
		minLeft, _, _ := l.minute.Take(orgKey)
		h.Set("X-DayLimit-Remaining", strconv.Itoa(dayLeft))
		h.Set("X-MinLimit-Remaining", strconv.Itoa(minLeft))
	}
	appLeft, _, _ = l.app.Take(appKey)
	h.Set("X-AppMinLimit-Remaining", strconv.Itoa(appLeft))
	e.limMu.Unlock()
	return release, true
}

// InFlight reports the organisation's calls holding one of its five
// concurrency slots right now (always 0 with rate limits off), so tests
// can tell when a client runs too many calls at once.
func (e *Emulator) InFlight(tenantID string) int {
	e.limMu.Lock()
	defer e.limMu.Unlock()
	return e.inFlight[tenantID]
}

// minuteReset is the time left in the organisation's (or, tenantless, the
// app's) minute window, for the Retry-After of an injected 429; one second
// with limits off.
func (e *Emulator) minuteReset(orgKey string) time.Duration {
	e.limMu.Lock()
	defer e.limMu.Unlock()
	if e.limits == nil {
		return time.Second
	}
	if orgKey == "" {
		_, reset := e.limits.app.Peek(appKey)
		return reset
	}
	_, reset := e.limits.minute.Peek(orgKey)
	return reset
}

// tooMany writes Xero's 429. Retry-After is whole seconds, at least one,
// rounded up from the (scaled) time left in the window.
func tooMany(w http.ResponseWriter, problem string, reset time.Duration) {
	secs := int(math.Ceil(reset.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("X-Rate-Limit-Problem", problem)
	writeProblem(w, http.StatusTooManyRequests, "Too Many Requests", "rate limit exceeded: "+problem)
}

func writeJSONBody(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
