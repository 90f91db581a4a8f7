package shipstationemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// webhook is one V1 subscription.
type webhook struct {
	id      int64
	url     string
	event   string
	storeID int64 // 0: every store
	name    string
}

type subscribeIn struct {
	TargetURL    string `json:"target_url"`
	Event        string `json:"event"`
	StoreID      *int64 `json:"store_id"`
	FriendlyName string `json:"friendly_name"`
}

func validEvent(s string) bool {
	switch s {
	case EventOrderNotify, EventItemOrderNotify, EventShipNotify, EventItemShipNotify, EventFulfillmentShipped, EventFulfillmentRejected:
		return true
	}
	return false
}

func (e *Emulator) subscribe(w http.ResponseWriter, r *http.Request) {
	var in subscribeIn
	if !decodeRequest(w, r, &in, "request", "SubscribeRequest") {
		return
	}
	fe := map[string][]string{}
	if u, perr := url.Parse(in.TargetURL); in.TargetURL == "" || perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fe["request.target_url"] = []string{"The target_url field must be an absolute http or https URL."}
	}
	if !validEvent(in.Event) {
		fe["request.event"] = []string{fmt.Sprintf("The value '%s' is not a valid event. Valid values are ORDER_NOTIFY, ITEM_ORDER_NOTIFY, SHIP_NOTIFY, ITEM_SHIP_NOTIFY, FULFILLMENT_SHIPPED and FULFILLMENT_REJECTED.", in.Event)}
	}
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	var storeID int64
	if in.StoreID != nil && *in.StoreID != 0 {
		storeID = *in.StoreID
		if e.storeLocked(storeID) == nil {
			e.mu.Unlock()
			writeError(w, errFields(map[string][]string{"request.store_id": {fmt.Sprintf("Store %d was not found on this account.", storeID)}}))
			return
		}
	}
	h := &webhook{id: e.id("webhook"), url: in.TargetURL, event: in.Event, storeID: storeID, name: in.FriendlyName}
	e.webhooks = append(e.webhooks, h)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"id": h.id})
}

type webhookJSON struct {
	IsLabelAPIHook   bool    `json:"IsLabelAPIHook"`
	WebHookID        int64   `json:"WebHookID"`
	SellerID         int64   `json:"SellerID"`
	StoreID          *int64  `json:"StoreID"`
	HookType         string  `json:"HookType"`
	MessageFormat    string  `json:"MessageFormat"`
	URL              string  `json:"Url"`
	Name             *string `json:"Name"`
	BulkCopyBatchID  *int64  `json:"BulkCopyBatchID"`
	BulkCopyRecordID *int64  `json:"BulkCopyRecordID"`
	Active           bool    `json:"Active"`
	WebhookLogs      []any   `json:"WebhookLogs"`
	Seller           any     `json:"Seller"`
	Store            any     `json:"Store"`
}

// listWebhooks answers in PascalCase: this endpoint serialises the
// database entity directly, unlike the rest of the API.
func (e *Emulator) listWebhooks(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := make([]webhookJSON, 0, len(e.webhooks))
	for _, h := range e.webhooks {
		out = append(out, webhookJSON{
			WebHookID: h.id, SellerID: e.sellerID, StoreID: nullInt(h.storeID), HookType: h.event,
			MessageFormat: "Json", URL: h.url, Name: nullStr(h.name), Active: true, WebhookLogs: []any{},
		})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": out})
}

func (e *Emulator) unsubscribe(w http.ResponseWriter, r *http.Request) {
	id, perr := pathID(r, "webhookId")
	if perr != nil {
		writeError(w, perr)
		return
	}
	e.mu.Lock()
	i := slices.IndexFunc(e.webhooks, func(h *webhook) bool { return h.id == id })
	if i >= 0 {
		e.webhooks = slices.Delete(e.webhooks, i, i+1)
	}
	e.mu.Unlock()
	if i < 0 {
		writeError(w, errStatus(http.StatusNotFound, "Webhook %d was not found.", id))
		return
	}
	w.WriteHeader(http.StatusOK)
}

// delivery is one POST to a subscriber.
type delivery struct {
	url         string
	resourceURL string
	event       string
}

// hooksLocked returns the subscriptions for events that apply to storeID.
func (e *Emulator) hooksLocked(storeID int64, events ...string) []*webhook {
	var out []*webhook
	for _, h := range e.webhooks {
		if slices.Contains(events, h.event) && (h.storeID == 0 || h.storeID == storeID) {
			out = append(out, h)
		}
	}
	return out
}

// notifyOrders sends ORDER_NOTIFY and ITEM_ORDER_NOTIFY for one import
// batch: one payload per subscription and store, whose resource_url lists
// exactly that store's orders of the batch.
func (e *Emulator) notifyOrders(b *orderBatch) {
	if b == nil || len(b.orders) == 0 {
		return
	}
	e.mu.Lock()
	var ds []delivery
	var stores []int64
	for _, o := range b.orders {
		if !slices.Contains(stores, o.AdvancedOptions.StoreID) {
			stores = append(stores, o.AdvancedOptions.StoreID)
		}
	}
	for _, storeID := range stores {
		res := fmt.Sprintf("%s/orders?storeID=%d&importBatch=%s", e.baseURL, storeID, url.QueryEscape(b.guid))
		for _, h := range e.hooksLocked(storeID, EventOrderNotify, EventItemOrderNotify) {
			ds = append(ds, delivery{url: h.url, resourceURL: res, event: h.event})
		}
	}
	e.mu.Unlock()
	e.deliver(ds)
}

// notifyShipments sends SHIP_NOTIFY and ITEM_SHIP_NOTIFY for one batch of
// new labels.
func (e *Emulator) notifyShipments(b shipBatch) {
	if b.shipments == 0 {
		return
	}
	e.mu.Lock()
	var ds []delivery
	for _, h := range e.hooksLocked(b.storeID, EventShipNotify, EventItemShipNotify) {
		items := "False"
		if h.event == EventItemShipNotify {
			items = "True"
		}
		res := fmt.Sprintf("%s/shipments?storeID=%d&batchId=%d&includeShipmentItems=%s", e.baseURL, b.storeID, b.id, items)
		ds = append(ds, delivery{url: h.url, resourceURL: res, event: h.event})
	}
	e.mu.Unlock()
	e.deliver(ds)
}

// deliver posts each payload from its own goroutine after the configured
// delay, dropping the configured share. Close stops them.
func (e *Emulator) deliver(ds []delivery) {
	if len(ds) == 0 {
		return
	}
	e.rlMu.Lock()
	drop, delay := e.hookDrop, e.hookWait
	keep := make([]bool, len(ds))
	for i := range ds {
		keep[i] = drop <= 0 || e.hookRNG.Float64() >= drop
	}
	e.rlMu.Unlock()
	for i, d := range ds {
		if !keep[i] {
			e.log.Info("shipstationemu: webhook dropped on purpose", slog.String("event", d.event), slog.String("resource_url", d.resourceURL))
			continue
		}
		if !e.startDelivery() {
			return
		}
		go func() {
			defer e.wg.Done()
			e.post(d, delay)
		}()
	}
}

// startDelivery registers a delivery goroutine unless Close has begun, so
// Close's Wait never races an Add.
func (e *Emulator) startDelivery() bool {
	e.rlMu.Lock()
	defer e.rlMu.Unlock()
	if e.closing {
		return false
	}
	e.wg.Add(1)
	return true
}

func (e *Emulator) post(d delivery, delay time.Duration) {
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-e.ctx.Done():
			t.Stop()
			return
		}
	}
	body, _ := json.Marshal(map[string]string{"resource_url": d.resourceURL, "resource_type": d.event})
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		e.log.Warn("shipstationemu: webhook request", slog.Any("error", err))
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shipstationemu")
	resp, err := e.client.Do(req)
	if err != nil {
		e.log.Info("shipstationemu: webhook delivery failed", slog.String("event", d.event), slog.Any("error", err))
		return
	}
	_ = resp.Body.Close()
	e.log.Debug("shipstationemu: webhook delivered", slog.String("event", d.event), slog.Int("status", resp.StatusCode))
}
