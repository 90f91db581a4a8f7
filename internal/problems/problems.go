// Package problems decides what about an account needs a person: Xero or
// ShipStation disconnected or refusing, a contact with no address, the
// Xero day quota spent, exports stuck, an invoice voided after shipping,
// Xero's webhooks switched off. It is the one place that decision is made:
// the dashboard lists what Decide returns and the notifier mails it, so a
// merchant is never told one thing on the page and another by email.
package problems

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/orderbridge/orderbridge/internal/bridge"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// Kind names one sort of problem. It is stable: notifications are
// deduplicated and users opt out by kind, in the database.
type Kind string

// The kinds of problem.
const (
	XeroNotConnected        Kind = "xero_not_connected"
	XeroOrganisation        Kind = "xero_organisation"
	XeroReconnect           Kind = "xero_reconnect"
	XeroGrantLapse          Kind = "xero_grant_lapse"
	ShipStationNotConnected Kind = "shipstation_not_connected"
	ShipStationKey          Kind = "shipstation_key"
	ShipStationStore        Kind = "shipstation_store"
	SyncOff                 Kind = "sync_off"
	XeroQuota               Kind = "xero_quota"
	InvoicesFailed          Kind = "invoices_failed"
	InvoicesAttention       Kind = "invoices_attention"
	ContactsWaiting         Kind = "contacts_waiting"
	ExportsStuck            Kind = "exports_stuck"
	XeroWebhooksOff         Kind = "xero_webhooks_off"
)

// KindInfo describes a kind of problem for the notification settings.
type KindInfo struct {
	Kind Kind
	// Label names the kind on the settings page.
	Label string
}

// Mailed are the kinds the notifier sends, in the order the settings page
// lists them. The others are setup steps a merchant takes (connect,
// choose, switch sync on) or has chosen: the dashboard shows them, a mail
// would only nag.
func Mailed() []KindInfo {
	return []KindInfo{
		{XeroReconnect, "Xero needs reconnecting"},
		{XeroGrantLapse, "Xero's permission is about to lapse"},
		{ShipStationKey, "ShipStation refuses the API key"},
		{XeroQuota, "Xero's day quota is spent"},
		{ExportsStuck, "Exports keep failing"},
		{InvoicesFailed, "Invoices failed to sync"},
		{InvoicesAttention, "Invoices need attention (voided after shipping)"},
		{ContactsWaiting, "A contact has no address or country"},
		{XeroWebhooksOff, "Xero's webhooks are switched off"},
	}
}

// IsMailed reports whether the notifier sends problems of kind k.
func IsMailed(k Kind) bool {
	for _, m := range Mailed() {
		if m.Kind == k {
			return true
		}
	}
	return false
}

// Problem is one thing that needs a person, with what to do about it.
type Problem struct {
	Kind Kind
	// Text says what is wrong, in a merchant's words.
	Text string
	// Action and Link name and lead to the fix (Link is a path of the web
	// app, or an anchor of the dashboard such as "#webhooks").
	Action, Link string
}

// Facts are what the problems are decided from.
type Facts struct {
	// Now is when the facts were read.
	Now time.Time
	// Xero and ShipStation are the account's connections (nil: none).
	Xero, ShipStation *store.Connection
	Settings          store.Settings
	// Plan is the export sweep's plan (worker.ExportSweepPlan), with the
	// Xero day quota it was made from.
	Plan worker.SweepPlan
	// Counts is how many invoices are in each state, the waiting ones
	// counted with WaitingCodes.
	Counts map[store.InvoiceState]int
	// GrantLapse is when the Xero grant lapses unless renewed (zero: not
	// known).
	GrantLapse time.Time
	// StuckAttempts is the attempts of an export stuck in retries (0:
	// none, or not known).
	StuckAttempts int
	// XeroWebhooks is true when this orderbridge receives Xero webhooks;
	// Webhooks is each direction's health.
	XeroWebhooks bool
	Webhooks     map[store.WebhookSource]store.WebhookHealth
}

// WaitingCodes are the reason codes of the invoices that wait for the
// merchant to fix a contact: bridge decides which causes a merchant fixes.
func WaitingCodes() []string {
	var out []string
	for _, c := range bridge.ContactToFix() {
		out = append(out, string(c))
	}
	return out
}

// Source reads Facts for an account.
type Source struct {
	Store *store.Store
	// Quota is how the worker spends each organisation's Xero day quota.
	Quota worker.QuotaPolicy
	// XeroWebhooks is true when Xero's webhooks are received here.
	XeroWebhooks bool
	// Stuck, when set, reports the attempts of an export of the account
	// stuck in retries (only the job queue knows); nil leaves it 0.
	Stuck func(ctx context.Context, accountID int64, now time.Time) (int, error)
}

// Facts reads the account's facts as of now.
func (s Source) Facts(ctx context.Context, accountID int64, now time.Time) (Facts, error) {
	f := Facts{Now: now, XeroWebhooks: s.XeroWebhooks}
	var err error
	if f.Xero, err = s.connection(ctx, accountID, store.KindXero); err != nil {
		return f, err
	}
	if f.ShipStation, err = s.connection(ctx, accountID, store.KindShipStation); err != nil {
		return f, err
	}
	if f.Settings, err = s.Store.Settings(ctx, accountID); err != nil {
		return f, fmt.Errorf("problems: settings: %w", err)
	}
	if f.Counts, err = s.Store.CountInvoiceStates(ctx, accountID, WaitingCodes()); err != nil {
		return f, fmt.Errorf("problems: invoice states: %w", err)
	}
	if f.Plan, err = worker.ExportSweepPlan(ctx, s.Store, s.Quota, accountID, now); err != nil {
		return f, fmt.Errorf("problems: %w", err)
	}
	if f.Webhooks, err = s.Store.WebhookHealthOf(ctx, accountID); err != nil {
		return f, fmt.Errorf("problems: webhook health: %w", err)
	}
	if f.Xero != nil && f.Xero.Status == store.StatusConnected {
		// An unreadable grant is the worker's to report (reconnect
		// needed), not a reason to show no dashboard.
		if tok, err := s.Store.XeroGrant(ctx, accountID); err == nil {
			f.GrantLapse = worker.GrantLapsesAt(tok)
		}
	}
	if s.Stuck != nil {
		if f.StuckAttempts, err = s.Stuck(ctx, accountID, now); err != nil {
			return f, fmt.Errorf("problems: stuck exports: %w", err)
		}
	}
	return f, nil
}

// Of reads the account's facts and decides its problems.
func (s Source) Of(ctx context.Context, accountID int64, now time.Time) ([]Problem, error) {
	f, err := s.Facts(ctx, accountID, now)
	if err != nil {
		return nil, err
	}
	return Decide(f), nil
}

func (s Source) connection(ctx context.Context, accountID int64, kind store.ConnectionKind) (*store.Connection, error) {
	c, err := s.Store.Connection(ctx, accountID, kind)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("problems: %s connection: %w", kind, err)
	}
	return &c, nil
}

// UnreadableText is what a merchant reads of a connection whose stored
// credentials the server cannot open (store.ReasonSecretUnreadable): the
// server's fault, mended by connecting again, not the service's refusal.
func UnreadableText(service string) string {
	return service + ": reconnect needed: " + store.ReasonSecretUnreadable + "."
}

// Xero says what is wrong with the Xero connection c (nil: never
// connected), and whether its grant, which lapses at grantLapse, is about
// to: at most one connection problem, then the grant's. Decide lists them
// on the dashboard and in mail; the banner on every page shows those but
// "not connected", from this one function.
func Xero(c *store.Connection, grantLapse, now time.Time) []Problem {
	var out []Problem
	switch {
	case c == nil || c.Status == store.StatusDisconnected:
		out = append(out, Problem{XeroNotConnected, "Xero is not connected: no invoices can be read.", "Connect Xero", "/connections"})
	case c.Status == store.StatusReconnectNeeded && c.StatusReason == store.ReasonSecretUnreadable:
		out = append(out, Problem{XeroReconnect, UnreadableText("Xero"), "Reconnect Xero", "/connections"})
	case c.Status == store.StatusReconnectNeeded && c.Metadata.TenantID == "" && c.HasSecret:
		out = append(out, Problem{XeroOrganisation, "Choose which Xero organisation to sync with.", "Choose organisation", "/connections/xero/organisation"})
	case c.Status == store.StatusReconnectNeeded && c.StatusReason == "":
		out = append(out, Problem{XeroReconnect, "Xero needs reconnecting: nothing syncs until it is.", "Reconnect Xero", "/connections"})
	case c.Status == store.StatusReconnectNeeded:
		out = append(out, Problem{XeroReconnect, "Xero needs reconnecting: " + c.StatusReason, "Reconnect Xero", "/connections"})
	}
	// The worker keeps an idle grant alive, so one this close to lapsing
	// means renewing it kept failing: only reconnecting saves it.
	if c != nil && c.Status == store.StatusConnected && GrantLapsing(grantLapse, now) {
		out = append(out, Problem{XeroGrantLapse, GrantLapseText(grantLapse, ZoneOf(c).Loc), "Reconnect Xero", "/connections"})
	}
	return out
}

// Decide lists what stops or endangers syncing, each with what to do, at
// most one problem of each kind.
func Decide(f Facts) []Problem {
	// Times are in the organisation's zone, as on the pages.
	loc := ZoneOf(f.Xero).Loc
	var out []Problem
	add := func(k Kind, text, action, link string) {
		out = append(out, Problem{Kind: k, Text: text, Action: action, Link: link})
	}
	xero := Xero(f.Xero, f.GrantLapse, f.Now)
	if len(xero) > 0 && xero[0].Kind != XeroGrantLapse {
		out = append(out, xero[0])
	}
	switch {
	case f.ShipStation == nil || f.ShipStation.Status == store.StatusDisconnected:
		add(ShipStationNotConnected, "ShipStation is not connected: no orders can be sent.", "Connect ShipStation", "/connections")
	case f.ShipStation.Status == store.StatusReconnectNeeded && f.ShipStation.StatusReason == store.ReasonSecretUnreadable:
		add(ShipStationKey, UnreadableText("ShipStation"), "Enter the API key again", "/connections")
	case f.ShipStation.Status == store.StatusReconnectNeeded:
		add(ShipStationKey, "ShipStation refuses the API key: "+f.ShipStation.StatusReason, "Enter a new key", "/connections")
	case f.ShipStation.Metadata.StoreID == 0:
		add(ShipStationStore, "No ShipStation store is chosen; orders go to the account's default store.", "Choose a store", "/connections")
	}
	if !f.Settings.SyncEnabled {
		add(SyncOff, "“Sync orders from Xero” is off: nothing syncs on its own.", "Configure", "/configure")
	}
	switch q := f.Plan.Quota; {
	case !q.BlockedUntil.IsZero():
		add(XeroQuota, "Xero's day limit is spent: no Xero call (orders or write-back) until "+WhenText(q.BlockedUntil, loc)+".",
			"Sync less often", "/configure")
	case f.Plan.Deferred && f.Settings.SyncEnabled:
		add(XeroQuota, "Xero's day quota is down to the part kept for write-back: orders sync only when Xero's webhooks announce a change, until "+
			WhenText(f.Plan.Until, loc)+".", "Sync less often", "/configure")
	}
	if n := f.Counts[store.StateFailed]; n > 0 {
		add(InvoicesFailed, Plural(n, "invoice")+" failed to sync; each says what to fix.", "See failures", InvoicesLink(store.StateFailed))
	}
	if n := f.Counts[store.StateAttention]; n > 0 {
		add(InvoicesAttention, Plural(n, "invoice")+" need attention (for example voided after shipping).", "See below", InvoicesLink(store.StateAttention))
	}
	if n := f.Counts[store.StateWaiting]; n > 0 {
		add(ContactsWaiting, strconv.Itoa(n)+" invoice(s) wait for a contact's address or country in Xero; fix the contact and they sync on the next run.",
			"See which", InvoicesLink(store.StateWaiting))
	}
	if len(xero) > 0 && xero[len(xero)-1].Kind == XeroGrantLapse {
		out = append(out, xero[len(xero)-1])
	}
	if f.StuckAttempts > 0 {
		add(ExportsStuck, fmt.Sprintf("Exports keep failing (%d tries so far); orders are waiting. It will try again on its own.", f.StuckAttempts),
			"See the log", "/log?outcome=failed")
	}
	// Xero disables a webhook after a day of failed deliveries and tells
	// nobody: changes then arrive only through the sweep.
	if f.XeroWebhooks {
		if missed := f.Webhooks[store.SourceXero].MissedChanges(f.Now); missed > 0 {
			add(XeroWebhooksOff, SwitchedOffText(missed), "See webhooks", "#webhooks")
		}
	}
	return out
}

// InvoicesLink is the invoices page filtered to the invoices in state:
// where a problem about some invoices leads, so the merchant sees all of
// them (the dashboard lists only the most recent), and where the
// dashboard's counts link.
func InvoicesLink(state store.InvoiceState) string {
	return "/invoices?" + url.Values{"state": {string(state)}}.Encode()
}

// GrantLapsing reports whether a Xero grant that lapses at lapse (zero:
// not known) is close enough to it to warn: within worker.GrantWarnWithin.
func GrantLapsing(lapse, now time.Time) bool {
	return !lapse.IsZero() && lapse.Sub(now) < worker.GrantWarnWithin
}

// GrantLapseText warns that the Xero grant lapses at lapse, written in
// loc.
func GrantLapseText(lapse time.Time, loc *time.Location) string {
	return "Xero's permission lapses on " + WhenText(lapse, loc) + " unless it is renewed, and renewing it has failed so far: reconnect Xero before then."
}

// SwitchedOffText is the Xero webhook's state when changes came only
// through the sweep (store.WebhookHealth.MissedChanges): Xero disables a
// webhook after a day of failed deliveries and says nothing to the app, so
// orderbridge must, or it would go on reporting webhooks that work.
func SwitchedOffText(missed int) string {
	changes := strconv.Itoa(missed) + " changes"
	if missed == 1 {
		changes = "1 change"
	}
	return "Xero webhooks seem switched off: " + changes + " in the last day arrived only through the sweep — re-enable the webhook in Xero's developer portal."
}

// Plural is "1 invoice", "3 invoices".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
