package shipstationemu

import (
	"net/http"
	"slices"
	"strconv"
)

// Stores returns the account's stores.
func (e *Emulator) Stores() []Store {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.stores)
}

// AddStore adds another manual store, as a merchant does in the UI (the API
// cannot create stores).
func (e *Emulator) AddStore(name string) Store {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addStoreLocked(Store{StoreName: name, MarketplaceName: "ShipStation"})
}

// DefaultStoreID is the first manual store, where orders created without
// advancedOptions.storeId land.
func (e *Emulator) DefaultStoreID() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.defaultStoreIDLocked()
}

func (e *Emulator) defaultStoreIDLocked() int64 {
	for _, s := range e.stores {
		if s.MarketplaceID == 0 && s.Active {
			return s.StoreID
		}
	}
	return e.stores[0].StoreID
}

// addStoreLocked fills in a store's defaults and adds it.
func (e *Emulator) addStoreLocked(s Store) Store {
	if s.StoreID == 0 {
		s.StoreID = e.id("store")
	} else if s.StoreID > e.nextID["store"] {
		e.nextID["store"] = s.StoreID
	}
	if s.StoreName == "" {
		s.StoreName = "Manual Store " + strconv.Itoa(len(e.stores)+1)
	}
	if s.MarketplaceName == "" && s.MarketplaceID == 0 {
		s.MarketplaceName = "ShipStation"
	}
	if s.CreateDate.IsZero() {
		s.CreateDate = e.now()
	}
	// A zero Store is active: an inactive store is only ever asked for.
	s.Active = true
	e.stores = append(e.stores, s)
	return s
}

func (e *Emulator) storeLocked(id int64) *Store {
	for i := range e.stores {
		if e.stores[i].StoreID == id {
			return &e.stores[i]
		}
	}
	return nil
}

type statusMappingJSON struct {
	OrderStatus string `json:"orderStatus"`
	StatusKey   string `json:"statusKey"`
}

type storeJSON struct {
	StoreID            int64               `json:"storeId"`
	StoreName          string              `json:"storeName"`
	MarketplaceID      int64               `json:"marketplaceId"`
	MarketplaceName    string              `json:"marketplaceName"`
	AccountName        *string             `json:"accountName"`
	Email              *string             `json:"email"`
	IntegrationURL     string              `json:"integrationUrl"`
	Active             bool                `json:"active"`
	CompanyName        string              `json:"companyName"`
	Phone              string              `json:"phone"`
	PublicEmail        string              `json:"publicEmail"`
	Website            string              `json:"website"`
	RefreshDate        *string             `json:"refreshDate"`
	LastRefreshAttempt *string             `json:"lastRefreshAttempt"`
	CreateDate         *string             `json:"createDate"`
	ModifyDate         *string             `json:"modifyDate"`
	AutoRefresh        bool                `json:"autoRefresh"`
	StatusMappings     []statusMappingJSON `json:"statusMappings,omitempty"`
}

// storeOut renders a store. The documented examples render empty store
// strings as "" rather than null, so the emulator does too.
func (e *Emulator) storeOut(s Store, withMappings bool) storeJSON {
	out := storeJSON{
		StoreID: s.StoreID, StoreName: s.StoreName, MarketplaceID: s.MarketplaceID, MarketplaceName: s.MarketplaceName,
		Active: s.Active, RefreshDate: e.shortTime(s.CreateDate), LastRefreshAttempt: e.shortTime(s.CreateDate),
		CreateDate: e.shortTime(s.CreateDate), ModifyDate: e.shortTime(s.CreateDate),
	}
	if withMappings {
		out.StatusMappings = []statusMappingJSON{
			{StatusAwaitingPayment, "Awaiting Payment"}, {StatusAwaitingShipment, "Awaiting Shipment"},
			{StatusShipped, "Shipped"}, {StatusCancelled, "Cancelled"}, {StatusOnHold, "On Hold"},
		}
	}
	return out
}

func (e *Emulator) listStores(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	fe := filterErrors{}
	showInactive := q.bool("showInactive", fe)
	marketplace, byMarketplace := q.int64("marketplaceId", fe)
	if len(fe) > 0 {
		writeError(w, errFields(fe))
		return
	}
	e.mu.Lock()
	out := []storeJSON{}
	for _, s := range e.stores {
		if (!s.Active && !showInactive) || (byMarketplace && s.MarketplaceID != marketplace) {
			continue
		}
		out = append(out, e.storeOut(s, false))
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) getStore(w http.ResponseWriter, r *http.Request) {
	id, perr := pathID(r, "storeId")
	if perr != nil {
		writeError(w, perr)
		return
	}
	e.mu.Lock()
	s := e.storeLocked(id)
	var out storeJSON
	if s != nil {
		out = e.storeOut(*s, true)
	}
	e.mu.Unlock()
	if s == nil {
		writeError(w, errStatus(http.StatusNotFound, "Store %d was not found.", id))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// defaultCarriers are the carriers connected to every emulated account.
func defaultCarriers() []Carrier {
	return []Carrier{
		{Name: "Stamps.com", Code: "stamps_com", AccountNumber: "SS123", RequiresFundedAccount: true, Balance: 100, ShippingProviderID: 20001, Primary: true},
		{Name: "UPS by ShipStation", Code: "ups_walleted", AccountNumber: "UPS456", RequiresFundedAccount: true, Balance: 100, ShippingProviderID: 20002, Primary: true},
		{Name: "FedEx", Code: "fedex", AccountNumber: "297929999", ShippingProviderID: 20003, Primary: true},
	}
}

// Carriers returns the carriers connected to the account.
func (e *Emulator) Carriers() []Carrier {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.carriers)
}

type carrierJSON struct {
	Name                  string  `json:"name"`
	Code                  string  `json:"code"`
	AccountNumber         string  `json:"accountNumber"`
	RequiresFundedAccount bool    `json:"requiresFundedAccount"`
	Balance               float64 `json:"balance"`
	Nickname              *string `json:"nickname"`
	ShippingProviderID    int64   `json:"shippingProviderId"`
	Primary               bool    `json:"primary"`
}

func (e *Emulator) listCarriers(w http.ResponseWriter, _ *http.Request) {
	e.mu.Lock()
	out := make([]carrierJSON, 0, len(e.carriers))
	for _, c := range e.carriers {
		out = append(out, carrierJSON{
			Name: c.Name, Code: c.Code, AccountNumber: c.AccountNumber, RequiresFundedAccount: c.RequiresFundedAccount,
			Balance: c.Balance, Nickname: nullStr(c.Nickname), ShippingProviderID: c.ShippingProviderID, Primary: c.Primary,
		})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
