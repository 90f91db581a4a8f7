package shipstation

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Error categories. Every *APIError matches exactly one of them with
// errors.Is, so callers (the job workers) decide between retry, snooze and
// give up without looking at status codes.
var (
	// ErrValidation is a 400: ShipStation rejected the request as written.
	// Retrying the same request cannot succeed.
	ErrValidation = errors.New("shipstation: request rejected")
	// ErrAuth is a 401 or 403: the key pair is wrong, expired or lacks
	// permission (V1 needs a Gold plan or higher).
	ErrAuth = errors.New("shipstation: authentication failed")
	// ErrNotFound is a 404.
	ErrNotFound = errors.New("shipstation: not found")
	// ErrRateLimited is a 429, whose *APIError carries RetryAfter, or a
	// Budget's *RateWaitError; RetryAfter reads the wait from either.
	ErrRateLimited = errors.New("shipstation: rate limited")
	// ErrServer is a 5xx.
	ErrServer = errors.New("shipstation: server error")
	// ErrUnexpectedStatus is any other non-2xx status.
	ErrUnexpectedStatus = errors.New("shipstation: unexpected status")
	// ErrMalformedResponse wraps a response body that is not the JSON the
	// call expects.
	ErrMalformedResponse = errors.New("shipstation: malformed response")
	// ErrForeignResourceURL is returned, before any request is made, for a
	// webhook resource_url that does not point at the configured API host:
	// fetching it would send the API credentials to someone else.
	ErrForeignResourceURL = errors.New("shipstation: webhook resource_url is not on the configured API host")
)

// APIError is a non-2xx answer from ShipStation. Its text never contains
// the credentials: only the method, the path and what ShipStation said.
type APIError struct {
	// Method and Path name the call ("POST", "/orders/createorder").
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is ShipStation's Message (or message) field.
	Message string
	// ModelState holds field-level validation messages of a 400, keyed as
	// ShipStation keys them ("apiOrder.orderNumber").
	ModelState map[string][]string
	// ExceptionMessage is the .NET exception text of a 500, when present.
	ExceptionMessage string
	// RetryAfter is how long until the rate-limit window resets (429 only),
	// from X-Rate-Limit-Reset.
	RetryAfter time.Duration
}

// Error describes the failure in one line.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "shipstation: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if msgs := e.ValidationMessages(); len(msgs) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(msgs, "; "))
	}
	if e.ExceptionMessage != "" {
		b.WriteString(": ")
		b.WriteString(e.ExceptionMessage)
	}
	if e.StatusCode == http.StatusTooManyRequests {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// ValidationMessages returns the ModelState messages as "key: message",
// sorted by key so that error text is stable.
func (e *APIError) ValidationMessages() []string {
	keys := make([]string, 0, len(e.ModelState))
	for k := range e.ModelState {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		for _, m := range e.ModelState[k] {
			if k == "" {
				out = append(out, m)
			} else {
				out = append(out, k+": "+m)
			}
		}
	}
	return out
}

// Is matches the category sentinel of the status.
func (e *APIError) Is(target error) bool {
	return target == e.category()
}

func (e *APIError) category() error {
	switch {
	case e.StatusCode == http.StatusBadRequest:
		return ErrValidation
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return ErrAuth
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.StatusCode >= 500:
		return ErrServer
	default:
		return ErrUnexpectedStatus
	}
}

// errorBody is the union of the error bodies ShipStation sends: ASP.NET's
// {Message, ModelState, ExceptionMessage} and the 429's {message}.
type errorBody struct {
	Message          string              `json:"Message"`
	LowerMessage     string              `json:"message"`
	ModelState       map[string][]string `json:"ModelState"`
	ExceptionMessage string              `json:"ExceptionMessage"`
}

// newAPIError builds the error for a non-2xx response; body may be empty or
// not JSON at all (a proxy's HTML page), in which case a short excerpt of
// it becomes the message.
func newAPIError(method, path string, status int, body []byte, retryAfter time.Duration) *APIError {
	if status != http.StatusTooManyRequests {
		// ShipStation sends the window's reset on every answer; only a
		// 429 means "wait for it". Kept on a 5xx it made the worker snooze
		// a job until the window reset (up to a minute) instead of
		// retrying in a second or two.
		retryAfter = 0
	}
	e := &APIError{Method: method, Path: path, StatusCode: status, RetryAfter: retryAfter}
	var eb errorBody
	if len(body) > 0 {
		if err := json.Unmarshal(body, &eb); err == nil {
			e.Message = eb.Message
			if e.Message == "" {
				e.Message = eb.LowerMessage
			}
			e.ModelState = eb.ModelState
			e.ExceptionMessage = eb.ExceptionMessage
		} else {
			e.Message = truncate(strings.TrimSpace(string(body)), 200)
		}
	}
	return e
}

// OrderError is a per-order failure inside a successful bulk upsert, such
// as an update to a shipped (locked) order. It is permanent for that order.
type OrderError struct {
	OrderKey    string
	OrderNumber string
	// Message is ShipStation's errorMessage.
	Message string
}

// Error names the order and ShipStation's reason.
func (e *OrderError) Error() string {
	return fmt.Sprintf("shipstation: order %q (key %q) rejected: %s", e.OrderNumber, e.OrderKey, e.Message)
}

// RateWaitError is a Budget's refusal to sleep into its caller's deadline:
// the next call may be made only after Wait, which is longer than the
// context has left. Nothing was sent. It matches ErrRateLimited, so a
// caller treats it as it treats a 429: wait that long and try again.
type RateWaitError struct {
	// Wait is how long until the budget admits a call, as far as it knows.
	Wait time.Duration
}

// Error describes the refusal.
func (e *RateWaitError) Error() string {
	return fmt.Sprintf("shipstation: rate budget spent: next call in %s, after the deadline", e.Wait)
}

// Is matches ErrRateLimited.
func (e *RateWaitError) Is(target error) bool { return target == ErrRateLimited }

// RetryAfter returns how long err says to wait before calling again: a
// 429's reset, or a budget's wait that would have passed the caller's
// deadline. ok is false when err says nothing about it.
func RetryAfter(err error) (wait time.Duration, ok bool) {
	var we *RateWaitError
	if errors.As(err, &we) {
		return we.Wait, true
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return ae.RetryAfter, true
	}
	return 0, false
}
