package xero

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// TrackingCategories returns the tracking categories with their options;
// archived ones too when includeArchived.
func (c *Client) TrackingCategories(ctx context.Context, tenantID string, includeArchived bool) ([]TrackingCategory, error) {
	var env struct {
		TrackingCategories []TrackingCategory `json:"TrackingCategories"`
	}
	q := url.Values{}
	if includeArchived {
		q.Set("includeArchived", "true")
	}
	if err := c.do(ctx, &request{op: "list tracking categories", method: http.MethodGet, path: apiPath + "/TrackingCategories",
		query: q, tenantID: tenantID, tenanted: true}, &env); err != nil {
		return nil, err
	}
	return env.TrackingCategories, nil
}

// Organisation returns the tenant's organisation settings.
func (c *Client) Organisation(ctx context.Context, tenantID string) (*Organisation, error) {
	var env struct {
		Organisations []Organisation `json:"Organisations"`
	}
	op := "get organisation"
	if err := c.do(ctx, &request{op: op, method: http.MethodGet, path: apiPath + "/Organisation",
		tenantID: tenantID, tenanted: true}, &env); err != nil {
		return nil, err
	}
	if len(env.Organisations) == 0 {
		return nil, &ResponseError{Op: op, Status: http.StatusOK, Err: errors.New("no organisation in response")}
	}
	return &env.Organisations[0], nil
}

// CreatePayment records a payment against an invoice (PUT /Payments):
// p.Invoice needs InvoiceID (or InvoiceNumber), p.Account an AccountID or
// Code, plus Date and Amount.
func (c *Client) CreatePayment(ctx context.Context, tenantID string, p Payment, idempotencyKey string) (*Payment, error) {
	var env struct {
		Payments []Payment `json:"Payments"`
	}
	op := "create payment"
	if err := c.do(ctx, &request{op: op, method: http.MethodPut, path: apiPath + "/Payments", tenantID: tenantID,
		tenanted: true, body: map[string][]Payment{"Payments": {p}}, header: withIdempotency(idempotencyKey)}, &env); err != nil {
		return nil, err
	}
	if len(env.Payments) == 0 {
		return nil, &ResponseError{Op: op, Status: http.StatusOK, Err: errors.New("no payment in response")}
	}
	if out := &env.Payments[0]; len(out.ValidationErrors) > 0 {
		ve := &ValidationError{Op: op, Status: http.StatusOK}
		for _, m := range out.ValidationErrors {
			ve.Messages = append(ve.Messages, m.Message)
		}
		return nil, ve
	}
	return &env.Payments[0], nil
}

// Connections lists the tenants the grant reaches (GET /connections). A
// non-empty authEventID limits the list to the organisations chosen in that
// consent (the authentication_event_id claim of the access token).
func (c *Client) Connections(ctx context.Context, authEventID string) ([]Connection, error) {
	q := url.Values{}
	setNonEmpty(q, "authEventId", authEventID)
	var out []Connection
	if err := c.do(ctx, &request{op: "list connections", method: http.MethodGet, path: "/connections", query: q}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteConnection disconnects a tenant (DELETE /connections/{id}; id is
// Connection.ID, not the tenant ID).
func (c *Client) DeleteConnection(ctx context.Context, connectionID string) error {
	if connectionID == "" {
		return errors.New("xero: delete connection: empty id")
	}
	return c.do(ctx, &request{op: "delete connection", method: http.MethodDelete, path: "/connections/" + url.PathEscape(connectionID),
		ok: []int{http.StatusNoContent, http.StatusOK}}, nil)
}
