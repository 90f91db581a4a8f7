package shipstation

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// MaxBulkOrders is the most orders one POST /orders/createorders takes.
const MaxBulkOrders = 100

// CreateOrder creates an order, or replaces the one with the same OrderKey
// (the upsert key: orderNumber is never used for matching). The whole
// order is sent; anything left empty is stored empty. A shipped or
// cancelled order is locked and the call fails with ErrValidation.
func (c *Client) CreateOrder(ctx context.Context, o Order) (Order, error) {
	var out Order
	if err := c.do(ctx, request{method: "POST", path: "/orders/createorder", body: o}, &out); err != nil {
		return Order{}, err
	}
	return out, nil
}

// OrderResult is the outcome of one order of a bulk upsert.
type OrderResult struct {
	// OrderKey and OrderNumber are what ShipStation reported (or, when the
	// call failed, what was sent).
	OrderKey    string
	OrderNumber string
	// OrderID is ShipStation's id for the order; zero on failure.
	OrderID int64
	// Err is nil on success, an *OrderError when ShipStation rejected this
	// order, or the error of the whole call the order was part of.
	Err error
}

// CreateOrders upserts orders in calls of at most MaxBulkOrders and returns
// one result per input order, in input order. Results are matched to
// orders by orderKey (unique keys are the caller's job: they are what makes
// the upsert idempotent); an order without a key, or whose key repeats in
// one call, is matched by its position in the call.
//
// A per-order failure (for example a shipped order, which is locked) is an
// *OrderError in that order's result and does not fail the call. When a
// whole call fails, each of its orders gets that error. A failure that
// cannot be specific to one call (authentication, rate limit, a cancelled
// ctx) stops the run: the remaining orders get the same error and are not
// sent. The returned error is non-nil when any call failed as a whole.
func (c *Client) CreateOrders(ctx context.Context, orders []Order) ([]OrderResult, error) {
	results := make([]OrderResult, len(orders))
	for i, o := range orders {
		results[i] = OrderResult{OrderKey: o.OrderKey, OrderNumber: o.OrderNumber}
	}
	var errs []error
	for start := 0; start < len(orders); start += MaxBulkOrders {
		end := min(start+MaxBulkOrders, len(orders))
		chunk := orders[start:end]
		var br BulkResult
		err := c.do(ctx, request{method: "POST", path: "/orders/createorders", body: chunk}, &br)
		if err != nil {
			for i := start; i < end; i++ {
				results[i].Err = err
			}
			errs = append(errs, fmt.Errorf("orders %d-%d: %w", start, end-1, err))
			if stopsRun(err) {
				for i := end; i < len(orders); i++ {
					results[i].Err = err
				}
				break
			}
			continue
		}
		mapBulkResults(chunk, br.Results, results[start:end])
	}
	if len(errs) > 0 {
		return results, fmt.Errorf("shipstation: create orders: %w", errors.Join(errs...))
	}
	return results, nil
}

// stopsRun reports whether a failed call means later calls would fail too.
func stopsRun(err error) bool {
	return errors.Is(err, ErrAuth) || errors.Is(err, ErrRateLimited) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// mapBulkResults fills out (one per sent order) from ShipStation's results.
func mapBulkResults(sent []Order, got []BulkOrderResult, out []OrderResult) {
	keyCount := make(map[string]int, len(sent))
	for _, o := range sent {
		if o.OrderKey != "" {
			keyCount[o.OrderKey]++
		}
	}
	byKey := make(map[string]BulkOrderResult, len(got))
	for _, r := range got {
		if r.OrderKey != "" {
			byKey[r.OrderKey] = r
		}
	}
	for i, o := range sent {
		var r BulkOrderResult
		found := false
		if o.OrderKey != "" && keyCount[o.OrderKey] == 1 {
			r, found = byKey[o.OrderKey]
		} else if i < len(got) {
			r, found = got[i], true
		}
		if !found {
			out[i].Err = &OrderError{OrderKey: o.OrderKey, OrderNumber: o.OrderNumber, Message: "no result returned for this order"}
			continue
		}
		if r.OrderKey != "" {
			out[i].OrderKey = r.OrderKey
		}
		if r.OrderNumber != "" {
			out[i].OrderNumber = r.OrderNumber
		}
		out[i].OrderID = r.OrderID
		if !r.Success {
			msg := r.ErrorMessage
			if msg == "" {
				msg = "rejected without a message"
			}
			out[i].Err = &OrderError{OrderKey: out[i].OrderKey, OrderNumber: out[i].OrderNumber, Message: msg}
		}
	}
}

// GetOrder fetches one order by id. A missing order is ErrNotFound.
func (c *Client) GetOrder(ctx context.Context, orderID int64) (Order, error) {
	var out Order
	if err := c.do(ctx, request{method: "GET", path: "/orders/" + strconv.FormatInt(orderID, 10)}, &out); err != nil {
		return Order{}, err
	}
	return out, nil
}

// DeleteOrder soft-deletes an order: it leaves the UI but stays in
// ShipStation (its orderKey may stay taken). To cancel an order, upsert it
// with OrderStatus StatusCancelled instead.
func (c *Client) DeleteOrder(ctx context.Context, orderID int64) error {
	var out successResponse
	if err := c.do(ctx, request{method: "DELETE", path: "/orders/" + strconv.FormatInt(orderID, 10)}, &out); err != nil {
		return err
	}
	return out.check("DELETE", "/orders/{id}")
}

// successResponse is the {success, message} answer of several calls.
type successResponse struct {
	Success *bool  `json:"success"`
	Message string `json:"message"`
}

func (s successResponse) check(method, path string) error {
	if s.Success != nil && !*s.Success {
		return fmt.Errorf("shipstation: %s %s: %s", method, path, s.Message)
	}
	return nil
}

// MarkShipped is the body of POST /orders/markasshipped.
type MarkShipped struct {
	OrderID     int64  `json:"orderId"`
	CarrierCode string `json:"carrierCode"`
	// ShipDate is optional; the zero Date is sent as null.
	ShipDate           Date   `json:"shipDate,omitzero"`
	TrackingNumber     string `json:"trackingNumber,omitempty"`
	NotifyCustomer     bool   `json:"notifyCustomer"`
	NotifySalesChannel bool   `json:"notifySalesChannel"`
}

// MarkAsShipped marks an order shipped without a label. The result shows
// up in Fulfillments, not Shipments.
func (c *Client) MarkAsShipped(ctx context.Context, m MarkShipped) error {
	var out struct {
		OrderID     int64  `json:"orderId"`
		OrderNumber string `json:"orderNumber"`
	}
	return c.do(ctx, request{method: "POST", path: "/orders/markasshipped", body: m}, &out)
}

// HoldUntil puts an order on hold until the given Pacific date, when it
// returns to awaiting_shipment by itself.
func (c *Client) HoldUntil(ctx context.Context, orderID int64, until Date) error {
	body := struct {
		OrderID       int64 `json:"orderId"`
		HoldUntilDate Date  `json:"holdUntilDate"`
	}{orderID, until}
	var out successResponse
	if err := c.do(ctx, request{method: "POST", path: "/orders/holduntil", body: body}, &out); err != nil {
		return err
	}
	return out.check("POST", "/orders/holduntil")
}

// RestoreFromHold moves an on_hold order back to awaiting_shipment.
func (c *Client) RestoreFromHold(ctx context.Context, orderID int64) error {
	body := struct {
		OrderID int64 `json:"orderId"`
	}{orderID}
	var out successResponse
	if err := c.do(ctx, request{method: "POST", path: "/orders/restorefromhold", body: body}, &out); err != nil {
		return err
	}
	return out.check("POST", "/orders/restorefromhold")
}

// LabelRequest is the body of POST /orders/createlabelfororder.
type LabelRequest struct {
	OrderID              int64                 `json:"orderId"`
	CarrierCode          string                `json:"carrierCode"`
	ServiceCode          string                `json:"serviceCode"`
	PackageCode          string                `json:"packageCode,omitempty"`
	Confirmation         NullString            `json:"confirmation"`
	ShipDate             Date                  `json:"shipDate"`
	Weight               *Weight               `json:"weight,omitempty"`
	Dimensions           *Dimensions           `json:"dimensions,omitempty"`
	InsuranceOptions     *InsuranceOptions     `json:"insuranceOptions,omitempty"`
	InternationalOptions *InternationalOptions `json:"internationalOptions,omitempty"`
	AdvancedOptions      *AdvancedOptions      `json:"advancedOptions,omitempty"`
	TestLabel            bool                  `json:"testLabel"`
}

// CreateLabelForOrder buys a label for an order (tests and the demo use
// it to play the warehouse).
func (c *Client) CreateLabelForOrder(ctx context.Context, l LabelRequest) (Label, error) {
	var out Label
	if err := c.do(ctx, request{method: "POST", path: "/orders/createlabelfororder", body: l}, &out); err != nil {
		return Label{}, err
	}
	return out, nil
}

// Sort keys for ListOrders.
const (
	SortOrderDate  = "OrderDate"
	SortModifyDate = "ModifyDate"
	SortCreateDate = "CreateDate"
	SortShipDate   = "ShipDate"
)

// Sort directions.
const (
	SortAsc  = "ASC"
	SortDesc = "DESC"
)

// MaxPageSize is the largest pageSize ShipStation accepts.
const MaxPageSize = 500

// OrderFilter narrows GET /orders. Zero fields are left out. Time bounds
// are instants; they are sent as Pacific wall-clock text, widened rather
// than narrowed where the DST fall-back hour makes the text ambiguous.
type OrderFilter struct {
	// OrderNumber is a STARTS-WITH match ("INV-1" also finds "INV-10"); see
	// FindOrderByNumber for an exact match.
	OrderNumber  string
	OrderStatus  string
	StoreID      int64
	CustomerName string
	ItemKeyword  string

	CreateDateStart, CreateDateEnd   time.Time
	ModifyDateStart, ModifyDateEnd   time.Time
	OrderDateStart, OrderDateEnd     time.Time
	PaymentDateStart, PaymentDateEnd time.Time

	SortBy  string // SortOrderDate, SortModifyDate or SortCreateDate
	SortDir string // SortAsc or SortDesc
	// PageSize is the page size asked for, up to MaxPageSize; zero means
	// MaxPageSize, which spends the fewest calls.
	PageSize int
}

func (c *Client) orderQuery(f OrderFilter) url.Values {
	q := url.Values{}
	setStr(q, "orderNumber", f.OrderNumber)
	setStr(q, "orderStatus", f.OrderStatus)
	setID(q, "storeId", f.StoreID)
	setStr(q, "customerName", f.CustomerName)
	setStr(q, "itemKeyword", f.ItemKeyword)
	c.setWindow(q, "createDate", f.CreateDateStart, f.CreateDateEnd)
	c.setWindow(q, "modifyDate", f.ModifyDateStart, f.ModifyDateEnd)
	c.setWindow(q, "orderDate", f.OrderDateStart, f.OrderDateEnd)
	c.setWindow(q, "paymentDate", f.PaymentDateStart, f.PaymentDateEnd)
	setStr(q, "sortBy", f.SortBy)
	setStr(q, "sortDir", f.SortDir)
	return q
}

func setStr(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setID(q url.Values, k string, v int64) {
	if v != 0 {
		q.Set(k, strconv.FormatInt(v, 10))
	}
}

// setWindow adds name+"Start" and name+"End" as Pacific filter text.
func (c *Client) setWindow(q url.Values, name string, start, end time.Time) {
	if !start.IsZero() {
		q.Set(name+"Start", windowStart(start, c.pacific))
	}
	if !end.IsZero() {
		q.Set(name+"End", windowEnd(end, c.pacific))
	}
}

// Page is one page of a list call.
type Page[T any] struct {
	Items []T
	// Total, Page and Pages are ShipStation's counts as sent; Pages may be
	// 0 even when there are results (a documented quirk).
	Total, Page, Pages int
}

// OrderPages lists orders matching f, one page per iteration. Stop early
// by breaking out of the loop. An error ends the iteration.
func (c *Client) OrderPages(ctx context.Context, f OrderFilter) iter.Seq2[Page[Order], error] {
	return pages(ctx, c, "/orders", c.orderQuery(f), f.PageSize, func(e *listEnvelope) []Order { return e.Orders })
}

// Orders lists orders matching f, one order per iteration.
func (c *Client) Orders(ctx context.Context, f OrderFilter) iter.Seq2[Order, error] {
	return items(c.OrderPages(ctx, f))
}

// FindOrderByNumber returns the orders whose orderNumber is exactly number
// (orderNumber is not unique, so there may be several). ShipStation's
// filter is a prefix match, so the exact match is made here.
func (c *Client) FindOrderByNumber(ctx context.Context, number string, f OrderFilter) ([]Order, error) {
	if number == "" {
		return nil, errors.New("shipstation: find order by number: empty number")
	}
	f.OrderNumber = number
	var out []Order
	for o, err := range c.Orders(ctx, f) {
		if err != nil {
			return nil, err
		}
		if o.OrderNumber == number {
			out = append(out, o)
		}
	}
	return out, nil
}

// listEnvelope is the union of the list envelopes.
type listEnvelope struct {
	Orders       []Order       `json:"orders"`
	Shipments    []Shipment    `json:"shipments"`
	Fulfillments []Fulfillment `json:"fulfillments"`
	Total        int           `json:"total"`
	Page         int           `json:"page"`
	Pages        int           `json:"pages"`
}

// pages walks a paged list. It does not trust pages alone: it stops on an
// empty page, on a short page, or when page >= pages with pages > 0. When
// pages is 0 (the documented "pages: 0, total: 2" quirk) it stops once
// total items have been seen, and otherwise asks for the next page until
// one comes back short or empty.
func pages[T any](ctx context.Context, c *Client, path string, q url.Values, pageSize int, pick func(*listEnvelope) []T) iter.Seq2[Page[T], error] {
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	return func(yield func(Page[T], error) bool) {
		seen := 0
		for page := 1; ; page++ {
			pq := url.Values{}
			for k, v := range q {
				pq[k] = v
			}
			pq.Set("page", strconv.Itoa(page))
			pq.Set("pageSize", strconv.Itoa(pageSize))
			var env listEnvelope
			if err := c.do(ctx, request{method: "GET", path: path, query: pq}, &env); err != nil {
				yield(Page[T]{}, err)
				return
			}
			got := pick(&env)
			if len(got) == 0 {
				return
			}
			seen += len(got)
			if !yield(Page[T]{Items: got, Total: env.Total, Page: page, Pages: env.Pages}, nil) {
				return
			}
			switch {
			case len(got) < pageSize:
				return // a short page is the last one
			case env.Pages > 0:
				if page >= env.Pages {
					return
				}
			case env.Total > 0 && seen >= env.Total:
				return // pages 0: fall back on total
			}
		}
	}
}

// items flattens a page iterator.
func items[T any](ps iter.Seq2[Page[T], error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p, err := range ps {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}
