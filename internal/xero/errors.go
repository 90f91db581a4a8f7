package xero

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Sentinels for errors.Is. Each typed error below matches one or more of
// them, so a worker can decide with errors.Is alone and reach for the type
// (errors.As) only when it needs the details.
var (
	// ErrReconnectNeeded: the grant is gone (invalid_grant, revoked,
	// disconnected). Retrying cannot help; a person must connect again.
	ErrReconnectNeeded = errors.New("xero: reconnect needed")
	// ErrUnauthorized: Xero answered 401 or 403.
	ErrUnauthorized = errors.New("xero: unauthorized")
	// ErrValidation: Xero refused the data (400 ValidationException).
	ErrValidation = errors.New("xero: validation failed")
	// ErrEditLocked: the document has a payment or credit allocated and
	// cannot be edited through the API. Always also ErrValidation.
	ErrEditLocked = errors.New("xero: document cannot be edited (payment or credit allocated)")
	// ErrNotFound: Xero answered 404.
	ErrNotFound = errors.New("xero: not found")
	// ErrRateLimited: Xero answered 429, or the client knows a limit is
	// exhausted until a known time.
	ErrRateLimited = errors.New("xero: rate limited")
	// ErrUnavailable: 503, Xero or the organisation is offline.
	ErrUnavailable = errors.New("xero: unavailable")
	// ErrServer: any 5xx, ErrUnavailable included.
	ErrServer = errors.New("xero: server error")
	// ErrBadResponse: the response could not be understood (malformed JSON,
	// a wrong content type).
	ErrBadResponse = errors.New("xero: bad response")
	// ErrBadSignature: a webhook's x-xero-signature does not match.
	ErrBadSignature = errors.New("xero: webhook signature mismatch")
	// ErrMissingScope: the grant lacks a scope the call needs (401
	// AuthorizationUnsuccessful, or a token response granting too little).
	// Always also ErrReconnectNeeded: only new consent adds a scope.
	ErrMissingScope = errors.New("xero: grant lacks a scope")
)

// ValidationError is Xero's 400: a ValidationException with the messages
// of every failing element, or another 400 (a malformed where, a reused
// idempotency key) with its message.
type ValidationError struct {
	Op       string
	Status   int
	Type     string   // "ValidationException" for element errors
	Message  string   // top-level message
	Messages []string // every ValidationErrors[].Message, in order
	// EditLocked is true when one message is the edit lock ("cannot be
	// edited as it has a payment or credit note allocated").
	EditLocked bool
}

// Error describes the failure without any secret.
func (e *ValidationError) Error() string {
	msg := e.Message
	if len(e.Messages) > 0 {
		msg = strings.Join(e.Messages, "; ")
	}
	return fmt.Sprintf("xero: %s: %d %s: %s", e.Op, e.Status, e.Type, msg)
}

// Is matches ErrValidation, and ErrEditLocked for the edit lock.
func (e *ValidationError) Is(target error) bool {
	return target == ErrValidation || (target == ErrEditLocked && e.EditLocked)
}

// isEditLock recognises Xero's edit-lock message, worded a few ways over
// the years ("This document cannot be edited as it has a payment or credit
// note allocated to it.").
func isEditLock(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "cannot be edited") &&
		(strings.Contains(m, "payment") || strings.Contains(m, "credit"))
}

// AuthError is a 401 or 403 with Xero's Title and Detail ("TokenExpired:
// ...", "AuthenticationUnsuccessful", "AuthorizationUnsuccessful").
type AuthError struct {
	Op     string
	Status int
	Title  string
	Detail string
	// MissingScope is set on a 401 AuthorizationUnsuccessful: the scope the
	// called endpoint needs (as the app requests it), which the grant
	// lacks. Needs says what it allows ("read invoices").
	MissingScope string
	Needs        string
}

// Error describes the failure without any secret.
func (e *AuthError) Error() string {
	s := fmt.Sprintf("xero: %s: %d %s: %s", e.Op, e.Status, e.Title, e.Detail)
	if e.MissingScope != "" {
		s += " (the grant lacks scope " + e.MissingScope + ")"
	}
	return s
}

// Is matches ErrUnauthorized always, ErrReconnectNeeded unless the access
// token merely expired (which the client handles by refreshing), and
// ErrMissingScope when a scope is missing.
func (e *AuthError) Is(target error) bool {
	return target == ErrUnauthorized || (target == ErrReconnectNeeded && !e.TokenExpired()) ||
		(target == ErrMissingScope && e.MissingScope != "")
}

// scopeMissing reports whether Xero said the token may not call this
// endpoint: "AuthorizationUnsuccessful" (permission), as opposed to
// "AuthenticationUnsuccessful" (an unknown or revoked token).
func (e *AuthError) scopeMissing() bool {
	return e.Status == 401 && strings.EqualFold(strings.TrimSpace(e.Detail), "AuthorizationUnsuccessful")
}

// TokenExpired reports whether Xero said the access token expired.
func (e *AuthError) TokenExpired() bool {
	return e.Status == 401 && strings.HasPrefix(strings.ToLower(e.Detail), "tokenexpired")
}

// NotFoundError is a 404.
type NotFoundError struct {
	Op      string
	Message string
}

// Error describes the failure without any secret.
func (e *NotFoundError) Error() string {
	if e.Message == "" {
		return "xero: " + e.Op + ": not found"
	}
	return "xero: " + e.Op + ": not found: " + e.Message
}

// Is matches ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// RateLimitError is a 429, or a limit the client knows is exhausted.
type RateLimitError struct {
	Op string
	// RetryAfter is how long to wait before calling this tenant again:
	// Retry-After, or when Xero did not send one, a second for the
	// concurrent limit and otherwise the rest of the client's minute
	// window (a whole minute when it knows none). Never zero for a 429.
	RetryAfter time.Duration
	// Problem is X-Rate-Limit-Problem in lower case: "minute", "day",
	// "appminute", "concurrent", or "" when absent; for a local refusal
	// also "shared" (the budget shared with other processes said wait).
	Problem string
	// Local is true when the client refused the call itself, and nothing
	// was sent: an earlier 429 told it to wait, or the pacing wait is
	// longer than the caller's context has left before its deadline.
	Local bool
}

// Error describes the failure without any secret.
func (e *RateLimitError) Error() string {
	p := e.Problem
	if p == "" {
		p = "unknown"
	}
	return fmt.Sprintf("xero: %s: rate limited (%s limit), retry after %s", e.Op, p, e.RetryAfter)
}

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// ServerError is a 5xx. A 503 is Xero's "Not Available" (maintenance) or
// "Organisation offline"; OrgOffline tells the second.
type ServerError struct {
	Op         string
	Status     int
	Message    string
	OrgOffline bool
	// RetryAfter is Retry-After when the server sent one.
	RetryAfter time.Duration
}

// Error describes the failure without any secret.
func (e *ServerError) Error() string {
	return fmt.Sprintf("xero: %s: %d: %s", e.Op, e.Status, e.Message)
}

// Is matches ErrServer, and ErrUnavailable for a 503.
func (e *ServerError) Is(target error) bool {
	return target == ErrServer || (target == ErrUnavailable && e.Status == 503)
}

// StatusError is any other unexpected status (412, 501, 3xx...).
type StatusError struct {
	Op      string
	Status  int
	Message string
}

// Error describes the failure without any secret.
func (e *StatusError) Error() string {
	return fmt.Sprintf("xero: %s: unexpected status %d: %s", e.Op, e.Status, e.Message)
}

// ResponseError is a response the client could not understand.
type ResponseError struct {
	Op     string
	Status int
	Err    error
}

// Error describes the failure without any secret.
func (e *ResponseError) Error() string {
	return fmt.Sprintf("xero: %s: cannot read response (status %d): %v", e.Op, e.Status, e.Err)
}

// Unwrap returns the decoding error.
func (e *ResponseError) Unwrap() error { return e.Err }

// Is matches ErrBadResponse.
func (e *ResponseError) Is(target error) bool { return target == ErrBadResponse }

// ReconnectError says the grant can no longer be refreshed (Xero's token
// endpoint answered invalid_grant): the refresh token expired, was revoked
// or was rotated more than 30 minutes ago. A person must connect again.
type ReconnectError struct {
	Code        string // "invalid_grant"
	Description string
}

// Error describes the failure without any secret.
func (e *ReconnectError) Error() string {
	s := "xero: reconnect needed: token endpoint said " + e.Code
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is matches ErrReconnectNeeded and ErrUnauthorized.
func (e *ReconnectError) Is(target error) bool {
	return target == ErrReconnectNeeded || target == ErrUnauthorized
}

// TokenError is any other failure to get a token: a 5xx or network error
// from the token endpoint (Temporary) or a configuration problem such as
// invalid_client (permanent, but not a reason to reconnect).
type TokenError struct {
	Status    int    // 0 for network errors
	Code      string // OAuth error code, if any
	Temporary bool
	Err       error
}

// Error describes the failure without any secret.
func (e *TokenError) Error() string {
	switch {
	case e.Code != "":
		return fmt.Sprintf("xero: token endpoint: %d %s", e.Status, e.Code)
	case e.Status != 0:
		return fmt.Sprintf("xero: token endpoint: status %d", e.Status)
	default:
		return fmt.Sprintf("xero: token endpoint: %v", e.Err)
	}
}

// Unwrap returns the underlying error.
func (e *TokenError) Unwrap() error { return e.Err }

// Retryable reports whether err is worth retrying later: rate limits,
// server errors and outages, temporary token endpoint failures and network
// errors. Validation, auth and reconnect errors are not.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var te *TokenError
	if errors.As(err, &te) {
		return te.Temporary
	}
	if errors.Is(err, ErrRateLimited) || errors.Is(err, ErrServer) {
		return true
	}
	if errors.Is(err, ErrValidation) || errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrNotFound) ||
		errors.Is(err, ErrBadResponse) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// RetryAfter returns the wait a rate limit or outage asked for, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	var se *ServerError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return se.RetryAfter, true
	}
	return 0, false
}
