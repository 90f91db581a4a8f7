package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
	"github.com/orderbridge/orderbridge/internal/xero"
)

type connectionsData struct {
	XeroEnabled        bool
	Xero               *store.Connection
	ShipStationEnabled bool
	ShipStation        *store.Connection
	Stores             []shipstation.Store
	StoresError        string
	Errors             map[string]string
}

func (s *Server) connection(ctx context.Context, accountID int64, kind store.ConnectionKind) (*store.Connection, error) {
	c, err := s.st.Connection(ctx, accountID, kind)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Server) connections(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	s.renderConnections(w, r, ss, http.StatusOK, nil)
}

func (s *Server) renderConnections(w http.ResponseWriter, r *http.Request, ss *sessionState, code int, errs map[string]string) {
	ctx := r.Context()
	d := connectionsData{XeroEnabled: s.cfg.Xero != nil, ShipStationEnabled: s.cfg.NewShipStation != nil, Errors: errs}
	var err error
	if d.Xero, err = s.connection(ctx, ss.s.AccountID, store.KindXero); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.ShipStation, err = s.connection(ctx, ss.s.AccountID, store.KindShipStation); err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.ShipStation != nil && d.ShipStation.Status == store.StatusConnected && d.ShipStationEnabled {
		stores, err := s.shipStationStores(ctx, ss.s.AccountID)
		if err != nil {
			s.log.WarnContext(ctx, "web: list shipstation stores", "account", ss.s.AccountID, "err", err)
			d.StoresError = "ShipStation did not answer with your stores: " + shipStationProblem(err)
		}
		d.Stores = stores
	}
	s.render(w, r, code, "connections", page{Title: "Connections", Nav: "connections", Data: d})
}

// shipStationProblem says what a ShipStation error means for a person,
// without the error's own text (which could echo a request).
func shipStationProblem(err error) string {
	var ae *shipstation.APIError
	switch {
	case errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden:
		// The key was recognised but the account may not use the API:
		// V1 needs a plan that includes it (shipstation-api.md §0).
		return "ShipStation does not let this account use its API. The API needs a ShipStation plan that includes API access (Gold, Accelerate or higher): check the plan in ShipStation (Settings › Account › Plan & Billing), then connect again."
	case errors.Is(err, shipstation.ErrAuth):
		// ShipStation's 401 means a bad key or "no permission", which
		// includes a plan without API access.
		return "the API key or secret is wrong, the key expired or was deleted, or the ShipStation plan does not include API access (Gold, Accelerate or higher). Copy them again from ShipStation (Settings › Account › API Settings) and check the plan."
	case errors.Is(err, shipstation.ErrRateLimited):
		return "too many calls right now. Wait a minute and try again."
	default:
		return "ShipStation could not be reached. Try again in a few minutes."
	}
}

func (s *Server) shipStationStores(ctx context.Context, accountID int64) ([]shipstation.Store, error) {
	sec, err := s.st.ShipStationCredentials(ctx, accountID)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.NewShipStation(sec.APIKey, sec.APISecret)
	if err != nil {
		return nil, err
	}
	return c.Stores(ctx, false)
}

// connectShipStation verifies a key pair with a live Stores call before
// saving it, so a typo is caught now and not at the first export.
func (s *Server) connectShipStation(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	if s.cfg.NewShipStation == nil {
		s.errorPage(w, r, http.StatusNotFound, "ShipStation is not configured", "This orderbridge cannot connect to ShipStation.")
		return
	}
	ctx := r.Context()
	key, secret := strings.TrimSpace(r.PostFormValue("api_key")), strings.TrimSpace(r.PostFormValue("api_secret"))
	errs := map[string]string{}
	if key == "" {
		errs["api_key"] = "Enter the API key from ShipStation (Settings › Account › API Settings)."
	}
	if secret == "" {
		errs["api_secret"] = "Enter the API secret shown next to the key."
	}
	if len(errs) > 0 {
		s.renderConnections(w, r, ss, http.StatusUnprocessableEntity, errs)
		return
	}
	c, err := s.cfg.NewShipStation(key, secret)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	stores, err := c.Stores(ctx, false)
	if err != nil {
		s.log.InfoContext(ctx, "web: shipstation key check failed", "account", ss.s.AccountID, "err", err)
		errs["api_key"] = "ShipStation refused these: " + shipStationProblem(err)
		s.renderConnections(w, r, ss, http.StatusUnprocessableEntity, errs)
		return
	}
	meta := store.ConnectionMetadata{}
	if prev, err := s.connection(ctx, ss.s.AccountID, store.KindShipStation); err == nil && prev != nil {
		meta = prev.Metadata // keep the chosen store if it still exists
	}
	if !hasStore(stores, meta.StoreID) {
		meta.StoreID, meta.StoreName = 0, ""
		if len(stores) == 1 {
			meta.StoreID, meta.StoreName = stores[0].StoreID, stores[0].StoreName
		}
	}
	err = s.st.SaveShipStationConnection(ctx, ss.s.AccountID, meta, store.ShipStationCredentials{APIKey: key, APISecret: secret})
	if taken, ok := errors.AsType[*store.ConnectedElsewhereError](err); ok {
		s.log.InfoContext(ctx, "web: shipstation store connected to another account", "account", ss.s.AccountID, "store", meta.StoreID)
		s.renderConnections(w, r, ss, http.StatusConflict, map[string]string{"api_key": taken.Message()})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	subscribing, err := s.setStoreSetting(ctx, ss.s.AccountID, meta.StoreID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "ShipStation is connected."
	if meta.StoreID == 0 {
		msg += " Choose the store your orders go to."
	}
	if subscribing {
		msg += subscribingText
	}
	s.flash(r, ss, msg)
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}

func hasStore(stores []shipstation.Store, id int64) bool {
	for _, st := range stores {
		if st.StoreID == id && id != 0 {
			return true
		}
	}
	return false
}

// subscribingText ends the flash when a ShipStation webhook subscription
// was queued.
const subscribingText = " Instant shipment updates from ShipStation are being set up."

// setStoreSetting records the chosen store and, once a store is known,
// queues the SHIP_NOTIFY subscription for it in the same transaction: the
// choice is never saved without the subscription that follows it. It
// reports whether a subscription was queued.
func (s *Server) setStoreSetting(ctx context.Context, accountID, storeID int64) (bool, error) {
	subscribe := storeID != 0 && s.cfg.Webhooks != nil
	err := s.st.WithTx(ctx, func(tx *store.Tx) error {
		set, err := tx.Settings(ctx, accountID)
		if err != nil {
			return err
		}
		set.ShipStationStoreID = storeID
		if _, err := tx.ChangeSettings(ctx, accountID, set); err != nil {
			return err
		}
		if subscribe {
			if err := s.cfg.Webhooks.EnqueueSubscribe(ctx, tx, accountID); err != nil {
				return fmt.Errorf("web: queue shipstation webhook subscription: %w", err)
			}
		}
		return nil
	})
	return subscribe && err == nil, err
}

// chooseShipStationStore records the store orders go to: one the key can
// see, checked with a live call.
func (s *Server) chooseShipStationStore(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PostFormValue("store_id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderConnections(w, r, ss, http.StatusUnprocessableEntity, map[string]string{"store_id": "Choose a store."})
		return
	}
	conn, err := s.connection(ctx, ss.s.AccountID, store.KindShipStation)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if conn == nil || !conn.HasSecret || s.cfg.NewShipStation == nil {
		s.renderConnections(w, r, ss, http.StatusUnprocessableEntity, map[string]string{"store_id": "Connect ShipStation first."})
		return
	}
	stores, err := s.shipStationStores(ctx, ss.s.AccountID)
	if err != nil {
		s.renderConnections(w, r, ss, http.StatusBadGateway, map[string]string{"store_id": "ShipStation did not answer: " + shipStationProblem(err)})
		return
	}
	var chosen *shipstation.Store
	for i := range stores {
		if stores[i].StoreID == id {
			chosen = &stores[i]
		}
	}
	if chosen == nil {
		s.renderConnections(w, r, ss, http.StatusUnprocessableEntity, map[string]string{"store_id": "That store is not in your ShipStation account."})
		return
	}
	secret, err := s.st.ShipStationCredentials(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	meta := conn.Metadata
	meta.StoreID, meta.StoreName = chosen.StoreID, chosen.StoreName
	err = s.st.SaveShipStationConnection(ctx, ss.s.AccountID, meta, secret)
	if taken, ok := errors.AsType[*store.ConnectedElsewhereError](err); ok {
		s.renderConnections(w, r, ss, http.StatusConflict, map[string]string{"store_id": taken.Message()})
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	subscribing, err := s.setStoreSetting(ctx, ss.s.AccountID, chosen.StoreID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Orders will go to the ShipStation store “" + chosen.StoreName + "”."
	if subscribing {
		msg += subscribingText
	}
	s.flash(r, ss, msg)
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}

// disconnectData is the confirmation page of a disconnect: what the
// merchant loses, with the button that does it. Disconnecting asks first
// because it acts on one click otherwise, and it works without script.
type disconnectData struct {
	Service, Name, Action string
	Consequences          []string
}

// confirmDisconnect reports whether the form confirms the disconnect d
// describes; when it does not, it shows d's confirmation page instead.
func (s *Server) confirmDisconnect(w http.ResponseWriter, r *http.Request, d disconnectData) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	s.render(w, r, http.StatusOK, "disconnect", page{Title: "Disconnect " + d.Service + "?", Nav: "connections", Data: d})
	return false
}

// disconnectShipStation removes the webhook at ShipStation first (that
// needs the key, which Disconnect erases), then erases the key. A webhook
// that could not be removed does not keep the key: the merchant asked for
// it to go, so the page says how to remove the webhook by hand instead.
func (s *Server) disconnectShipStation(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	conn, err := s.connection(ctx, ss.s.AccountID, store.KindShipStation)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := disconnectData{Service: "ShipStation", Action: "/connections/shipstation/disconnect", Consequences: []string{
		"No new or changed invoice is sent to ShipStation; orders already there stay as they are.",
		"Tracking numbers and shipping costs are no longer written back to Xero.",
		"The API key is erased from orderbridge, and ShipStation's shipment webhook is removed.",
		"To connect again, you enter the key and secret again.",
	}}
	if conn != nil {
		d.Name = conn.Metadata.StoreName
	}
	if !s.confirmDisconnect(w, r, d) {
		return
	}
	msg := "ShipStation is disconnected. Its key is erased from orderbridge."
	if conn != nil && conn.HasSecret && s.cfg.Webhooks != nil {
		if err := s.cfg.Webhooks.Unsubscribe(ctx, ss.s.AccountID); err != nil {
			s.log.WarnContext(ctx, "web: remove shipstation webhook before disconnecting", "account", ss.s.AccountID, "err", err)
			msg += " The webhook that sends orderbridge your shipments could not be removed from ShipStation, so it may keep calling:" +
				" remove it by hand in ShipStation under Settings › Account › API Settings (or Integrations) › Webhooks."
		}
	}
	// Whatever ShipStation still sends to the old URL is refused (404)
	// from now on: the key to fetch it with is gone.
	if err := s.st.DeleteShipStationHook(ctx, ss.s.AccountID); err != nil {
		s.serverError(w, r, err)
		return
	}
	err = s.st.Disconnect(ctx, ss.s.AccountID, store.KindShipStation)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, ss, msg)
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}

// xeroStart begins the authorization-code flow: a fresh state and PKCE
// verifier kept in the session (server side), then off to Xero's consent.
// It is a link, not a form, because a form's redirect to another origin
// would break the Content Security Policy's form-action.
func (s *Server) xeroStart(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	if s.cfg.Xero == nil {
		s.errorPage(w, r, http.StatusNotFound, "Xero is not configured", "This orderbridge has no Xero app registration.")
		return
	}
	ss.data.XeroState, ss.data.XeroVerifier = randomToken(), oauth2.GenerateVerifier()
	if err := s.saveSessionData(r, ss); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, s.cfg.Xero.AuthCodeURL(ss.data.XeroState, ss.data.XeroVerifier), http.StatusSeeOther)
}

// xeroCallback finishes the flow: the state must be the session's (one
// use), the code is exchanged with the verifier, and the token is saved
// sealed at once (it holds the only copy of the refresh token).
func (s *Server) xeroCallback(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	if s.cfg.Xero == nil {
		s.errorPage(w, r, http.StatusNotFound, "Xero is not configured", "This orderbridge has no Xero app registration.")
		return
	}
	q := r.URL.Query()
	state, verifier := ss.data.XeroState, ss.data.XeroVerifier
	ss.data.XeroState, ss.data.XeroVerifier = "", ""
	if err := s.saveSessionData(r, ss); err != nil {
		s.serverError(w, r, err)
		return
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		s.log.WarnContext(ctx, "web: xero callback with a wrong state", "account", ss.s.AccountID)
		s.errorPage(w, r, http.StatusBadRequest, "Xero connection not completed",
			"This answer from Xero does not match a connection you started here. Start again from Connections.")
		return
	}
	if e := q.Get("error"); e != "" {
		s.flash(r, ss, "Xero was not connected: access was not granted.")
		http.Redirect(w, r, "/connections", http.StatusSeeOther)
		return
	}
	tok, err := s.cfg.Xero.Exchange(ctx, q.Get("code"), verifier)
	if err != nil {
		s.log.WarnContext(ctx, "web: xero exchange failed", "account", ss.s.AccountID, "err", err)
		s.errorPage(w, r, http.StatusBadGateway, "Xero connection not completed",
			"Xero did not accept the authorization. Start again from Connections.")
		return
	}
	// A grant without a scope the export needs would only fail at the
	// first export; refuse it now and say what to allow.
	if err := s.cfg.Xero.CheckGrant(tok); err != nil {
		s.log.WarnContext(ctx, "web: xero grant lacks a scope", "account", ss.s.AccountID, "err", err)
		s.errorPage(w, r, http.StatusForbidden, "Xero connection not completed",
			"Xero did not grant everything orderbridge needs: "+xero.ReconnectReason(err)+".")
		return
	}
	conns, err := s.cfg.Xero.Client(xero.StaticTokens{Tok: tok}).Connections(ctx, "")
	if err != nil {
		s.log.WarnContext(ctx, "web: xero connections failed", "account", ss.s.AccountID, "err", err)
		s.errorPage(w, r, http.StatusBadGateway, "Xero connection not completed",
			"Xero did not list the organisations you authorised. Start again from Connections.")
		return
	}
	prev, err := s.connection(ctx, ss.s.AccountID, store.KindXero)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	// The tenant makes every orderKey: an account that synced one
	// organisation must keep it, or every order would be sent again.
	if prev != nil && prev.Metadata.TenantID != "" {
		for _, c := range conns {
			if strings.EqualFold(c.TenantID, prev.Metadata.TenantID) {
				s.saveXero(w, r, ss, c, tok)
				return
			}
		}
		s.errorPage(w, r, http.StatusConflict, "Wrong Xero organisation",
			"This account syncs the organisation “"+prev.Metadata.TenantName+"”. Connect again and tick that organisation in Xero.")
		return
	}
	switch len(conns) {
	case 0:
		s.errorPage(w, r, http.StatusBadRequest, "No Xero organisation",
			"No organisation was authorised. Connect again and tick an organisation in Xero.")
	case 1:
		s.saveXero(w, r, ss, conns[0], tok)
	default:
		// Keep the token (sealed) and ask which organisation: until then
		// the connection is not usable, and every page says so.
		if err := s.st.SaveXeroConnection(ctx, ss.s.AccountID, store.ConnectionMetadata{}, tok); err != nil {
			s.serverError(w, r, err)
			return
		}
		if err := s.st.SetConnectionStatus(ctx, ss.s.AccountID, store.KindXero, store.StatusReconnectNeeded,
			"Choose which Xero organisation to sync with."); err != nil {
			s.serverError(w, r, err)
			return
		}
		http.Redirect(w, r, "/connections/xero/organisation", http.StatusSeeOther)
	}
}

// saveXero connects the account to organisation c. One that another
// account syncs is refused, and the grant just obtained is dropped without
// deleting its connection at Xero: that connection is the other account's
// too (Xero has one per app and organisation).
func (s *Server) saveXero(w http.ResponseWriter, r *http.Request, ss *sessionState, c xero.Connection, tok *oauth2.Token) {
	meta := store.ConnectionMetadata{TenantID: c.TenantID, TenantName: c.TenantName}
	// The organisation's time zone and short code, for the pages' times
	// and links into Xero; without them times show UTC and say so, and the
	// first run reads them, so a failure here does not stop the connection.
	if err := worker.ReadOrganisation(r.Context(), s.cfg.Xero.Client(xero.StaticTokens{Tok: tok}), c.TenantID, &meta); err != nil {
		s.log.WarnContext(r.Context(), "web: xero organisation not read; the first run reads it", "account", ss.s.AccountID, "err", err)
	}
	err := s.st.SaveXeroConnection(r.Context(), ss.s.AccountID, meta, tok)
	if taken, ok := errors.AsType[*store.ConnectedElsewhereError](err); ok {
		s.log.InfoContext(r.Context(), "web: xero organisation connected to another account", "account", ss.s.AccountID, "tenant", c.TenantID)
		s.errorPage(w, r, http.StatusConflict, "Xero organisation already connected", taken.Message())
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "web: xero connected", "account", ss.s.AccountID, "tenant", c.TenantID)
	s.flash(r, ss, "Xero is connected to “"+c.TenantName+"”.")
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}

type xeroOrgData struct {
	Orgs  []xero.Connection
	Error string
}

// pendingXero returns the organisations a stored grant reaches when the
// account still has to choose one.
func (s *Server) pendingXero(ctx context.Context, accountID int64) ([]xero.Connection, *oauth2.Token, error) {
	conn, err := s.connection(ctx, accountID, store.KindXero)
	if err != nil {
		return nil, nil, err
	}
	if conn == nil || conn.Metadata.TenantID != "" || !conn.HasSecret {
		return nil, nil, store.ErrNotFound
	}
	tok, err := s.st.XeroGrant(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	conns, err := s.cfg.Xero.Client(xero.StaticTokens{Tok: tok}).Connections(ctx, "")
	return conns, tok, err
}

func (s *Server) xeroChooseForm(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	if s.cfg.Xero == nil {
		s.errorPage(w, r, http.StatusNotFound, "Xero is not configured", "This orderbridge has no Xero app registration.")
		return
	}
	conns, _, err := s.pendingXero(r.Context(), ss.s.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		http.Redirect(w, r, "/connections", http.StatusSeeOther)
		return
	}
	d := xeroOrgData{Orgs: conns}
	if err != nil {
		s.log.WarnContext(r.Context(), "web: list xero organisations", "err", err)
		d.Error = "Xero did not list your organisations. Connect Xero again."
	}
	s.render(w, r, http.StatusOK, "xero_org", page{Title: "Choose your Xero organisation", Nav: "connections", Data: d})
}

func (s *Server) xeroChoose(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	if s.cfg.Xero == nil {
		s.errorPage(w, r, http.StatusNotFound, "Xero is not configured", "This orderbridge has no Xero app registration.")
		return
	}
	conns, tok, err := s.pendingXero(r.Context(), ss.s.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		http.Redirect(w, r, "/connections", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.render(w, r, http.StatusBadGateway, "xero_org", page{Title: "Choose your Xero organisation", Nav: "connections",
			Data: xeroOrgData{Error: "Xero did not list your organisations. Connect Xero again."}})
		return
	}
	want := r.PostFormValue("tenant_id")
	for _, c := range conns {
		if c.TenantID == want && want != "" {
			s.saveXero(w, r, ss, c, tok)
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "xero_org", page{Title: "Choose your Xero organisation", Nav: "connections",
		Data: xeroOrgData{Orgs: conns, Error: "Choose one of the organisations listed."}})
}

// disconnectXero erases the token here and, when the token still works,
// removes the connection at Xero too (best effort: a dead token is the
// usual reason to disconnect).
func (s *Server) disconnectXero(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	conn, err := s.connection(ctx, ss.s.AccountID, store.KindXero)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := disconnectData{Service: "Xero", Action: "/connections/xero/disconnect", Consequences: []string{
		"No invoice is read from Xero: nothing new reaches ShipStation.",
		"Tracking numbers and shipping costs are no longer written back to Xero.",
		"orderbridge's permission is removed at Xero and its token erased here.",
		"To connect again, you sign in to Xero and choose the same organisation.",
	}}
	if conn != nil {
		d.Name = conn.Metadata.TenantName
	}
	if !s.confirmDisconnect(w, r, d) {
		return
	}
	if conn != nil && conn.HasSecret && s.cfg.Xero != nil {
		if tok, err := s.st.XeroGrant(ctx, ss.s.AccountID); err == nil {
			c := s.cfg.Xero.Client(xero.StaticTokens{Tok: tok})
			if conns, err := c.Connections(ctx, ""); err == nil {
				for _, xc := range conns {
					if xc.TenantID == conn.Metadata.TenantID {
						if err := c.DeleteConnection(ctx, xc.ID); err != nil {
							s.log.InfoContext(ctx, "web: xero delete connection", "err", err)
						}
					}
				}
			}
		}
	}
	if conn != nil {
		if err := s.st.Disconnect(ctx, ss.s.AccountID, store.KindXero); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.flash(r, ss, "Xero is disconnected. Nothing syncs until you connect it again.")
	http.Redirect(w, r, "/connections", http.StatusSeeOther)
}
