package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Settings are an account's choices. They are stored as one JSON document
// and read over DefaultSettings, so a field added later takes its default
// for accounts saved before it existed, with no migration.
type Settings struct {
	// SyncEnabled is "Sync orders from Xero".
	SyncEnabled bool `json:"sync_enabled"`
	// SyncInterval is the period of the scheduled sweep.
	SyncInterval time.Duration `json:"sync_interval"`
	// SafetySweepInterval replaces SyncInterval for a direction whose
	// webhooks are healthy (a delivery in the last day, no failure since):
	// webhooks do the work in seconds, and the sweep only catches what they
	// missed. It is never shorter than SyncInterval.
	SafetySweepInterval time.Duration `json:"safety_sweep_interval"`
	// TrackingRuleEnabled limits export to invoices with a line carrying
	// TrackingOptionName.
	TrackingRuleEnabled bool   `json:"tracking_rule_enabled"`
	TrackingOptionName  string `json:"tracking_option_name"`
	// TrackingCategoryName, when set, requires the option to belong to this
	// tracking category.
	TrackingCategoryName string `json:"tracking_category_name,omitempty"`
	// InvoiceStatuses are the Xero statuses that sync.
	InvoiceStatuses []string `json:"invoice_statuses"`
	// ShippingItemCode marks invoice lines that are shipping charges.
	ShippingItemCode string `json:"shipping_item_code,omitempty"`
	// ShipStationStoreID is the store orders go to (0: ShipStation's default).
	ShipStationStoreID int64 `json:"shipstation_store_id,omitempty"`
	// WriteBackEnabled is "Update tracking and shipping information".
	WriteBackEnabled bool `json:"write_back_enabled"`
	// ShippingLine adds the shipping cost as an invoice line on write-back.
	ShippingLine ShippingLineSettings `json:"shipping_line"`
	// LogRetentionDays is how long transaction log lines are kept.
	LogRetentionDays int `json:"log_retention_days"`
}

// ShippingLineSettings describe the invoice line added for the shipping
// cost, where Xero lets the invoice be edited.
type ShippingLineSettings struct {
	Enabled     bool   `json:"enabled"`
	ItemCode    string `json:"item_code,omitempty"`
	AccountCode string `json:"account_code,omitempty"`
	TaxType     string `json:"tax_type,omitempty"`
	// Description starts the line's description ("Shipping: UPS Ground,
	// tracking 1Z..."); empty means "Shipping".
	Description string `json:"description,omitempty"`
	// Currency is the currency ShipStation charges in (its API does not
	// say); empty assumes the invoices' currency.
	Currency string `json:"currency,omitempty"`
}

// Defaults of Settings.
const (
	DefaultSyncInterval        = 5 * time.Minute
	DefaultSafetySweepInterval = time.Hour
	DefaultTrackingOptionName  = "ShipStation"
	DefaultLogRetentionDays    = 90
)

// DefaultSettings returns the settings of an account that saved none.
func DefaultSettings() Settings {
	return Settings{
		SyncEnabled:         false,
		SyncInterval:        DefaultSyncInterval,
		SafetySweepInterval: DefaultSafetySweepInterval,
		TrackingRuleEnabled: true,
		TrackingOptionName:  DefaultTrackingOptionName,
		InvoiceStatuses:     []string{"AUTHORISED", "PAID"},
		WriteBackEnabled:    false,
		LogRetentionDays:    DefaultLogRetentionDays,
	}
}

// normalize replaces values that cannot work with their defaults.
func (s *Settings) normalize() {
	d := DefaultSettings()
	if s.SyncInterval <= 0 {
		s.SyncInterval = d.SyncInterval
	}
	if s.SafetySweepInterval <= 0 {
		s.SafetySweepInterval = d.SafetySweepInterval
	}
	if s.SafetySweepInterval < s.SyncInterval {
		s.SafetySweepInterval = s.SyncInterval
	}
	if s.TrackingOptionName == "" {
		s.TrackingOptionName = d.TrackingOptionName
	}
	if len(s.InvoiceStatuses) == 0 {
		s.InvoiceStatuses = d.InvoiceStatuses
	}
	if s.LogRetentionDays <= 0 {
		s.LogRetentionDays = d.LogRetentionDays
	}
}

// Settings returns an account's settings: DefaultSettings overlaid with
// what was saved.
func (q *Queries) Settings(ctx context.Context, accountID int64) (Settings, error) {
	var doc string
	err := q.r.queryRow(ctx, "SELECT settings FROM account_settings WHERE account_id = $1", accountID).Scan(textCol{&doc})
	s := DefaultSettings()
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("store: settings of account %d: %w", accountID, err)
	}
	// Decoding over the defaults keeps them for keys the document lacks;
	// the statuses list must start empty, or json would merge into it.
	s.InvoiceStatuses = nil
	if err := json.Unmarshal([]byte(doc), &s); err != nil {
		return Settings{}, fmt.Errorf("store: settings of account %d: %w", accountID, err)
	}
	s.normalize()
	return s, nil
}

// ChangeSettings saves an account's new settings in the caller's
// transaction, and is the one place that knows which changes need the
// account's invoices decided again (rereadsInvoices): after such a change
// it deletes the invoice cursor, so the next export reads the backfill
// window again and decides every invoice anew. An invoice skipped under
// the old settings (the tracking rule, say) then becomes an order without
// a "Sync past invoices"; one whose order is unchanged costs no ShipStation
// call. It reports whether the invoices will be decided again. Every change
// of settings (the web app's pages, the demo, the app, tests) goes through
// it; SaveSettings only writes the document.
func (t *Tx) ChangeSettings(ctx context.Context, accountID int64, s Settings) (reread bool, err error) {
	old, err := t.Settings(ctx, accountID)
	if err != nil {
		return false, fmt.Errorf("store: change settings: %w", err)
	}
	if err := t.SaveSettings(ctx, accountID, s); err != nil {
		return false, fmt.Errorf("store: change settings: %w", err)
	}
	s.normalize() // compare what was saved
	if !rereadsInvoices(old, s) {
		return false, nil
	}
	if err := t.ResetCursor(ctx, accountID, CursorXeroInvoices, time.Time{}); err != nil {
		return false, fmt.Errorf("store: change settings: %w", err)
	}
	return true, nil
}

// ChangeSettings is Tx.ChangeSettings in a transaction of its own.
func (s *Store) ChangeSettings(ctx context.Context, accountID int64, set Settings) (reread bool, err error) {
	err = s.WithTx(ctx, func(tx *Tx) error {
		var err error
		reread, err = tx.ChangeSettings(ctx, accountID, set)
		return err
	})
	return reread, err
}

// rereadsInvoices reports whether going from old to new settings can
// change the decision on an invoice already read: which invoices are
// eligible (the tracking rule, its option and category, the statuses),
// what their order holds (the shipping item code) or where it goes (the
// store). Intervals, write-back and retention decide nothing about an
// invoice.
func rereadsInvoices(old, new Settings) bool {
	sorted := func(xs []string) []string {
		out := slices.Clone(xs)
		slices.Sort(out)
		return out
	}
	return old.TrackingRuleEnabled != new.TrackingRuleEnabled || old.TrackingOptionName != new.TrackingOptionName ||
		old.TrackingCategoryName != new.TrackingCategoryName ||
		!slices.Equal(sorted(old.InvoiceStatuses), sorted(new.InvoiceStatuses)) ||
		old.ShippingItemCode != new.ShippingItemCode || old.ShipStationStoreID != new.ShipStationStoreID
}

// SaveSettings writes an account's settings document as given, deciding
// nothing: a change goes through Tx.ChangeSettings, which knows what else
// a change needs. Tests seed an account's first settings with it.
func (q *Queries) SaveSettings(ctx context.Context, accountID int64, s Settings) error {
	s.normalize()
	doc, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: save settings: %w", err)
	}
	_, err = q.w.exec(ctx, `INSERT INTO account_settings (account_id, settings, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
		accountID, string(doc), q.t(q.now()))
	if err != nil {
		return fmt.Errorf("store: save settings of account %d: %w", accountID, err)
	}
	return nil
}
