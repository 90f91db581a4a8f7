package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Webhook receivers. Both only record what arrived and queue the work, in
// one transaction, and answer at once: they never call Xero or
// ShipStation, so a delivery of any size is answered well within Xero's
// 5 seconds. Every answer has an empty body and no cookie (Xero's rules;
// ShipStation needs nothing more).

const (
	// maxXeroWebhookBody bounds a Xero delivery; real ones are a few
	// kilobytes, a batch of 1,000 events about 300 KiB.
	maxXeroWebhookBody = 1 << 20
	// maxShipStationWebhookBody bounds a ShipStation delivery: two short
	// fields (resource_url is at most 200 characters).
	maxShipStationWebhookBody = 64 << 10
	// webhookSaveTimeout bounds the transaction that records a delivery,
	// only against a wedged database: it normally takes milliseconds.
	// The transaction runs on even if the sender hangs up (Xero gives up
	// after 5 seconds): a delivery that was verified is worth keeping, and
	// its retry then finds only repeats and costs little. Cutting it off
	// at 5 seconds instead would throw the work away on every retry of a
	// slow delivery, and it would never get through.
	webhookSaveTimeout = 30 * time.Second
	// defaultShipStationBaseURL is ShipStation's V1 API.
	defaultShipStationBaseURL = "https://ssapi.shipstation.com"
)

// Details of events recorded as ignored, for a person reading them.
const (
	detailOrderNotify = "orders are created by orderbridge itself; nothing to do"
)

// emptyStatus answers code with no body. No header is set beyond what
// net/http adds (Content-Length: 0), and never a cookie.
func emptyStatus(w http.ResponseWriter, code int) {
	w.WriteHeader(code)
}

// readBody reads a request body of at most limit bytes. It reports
// whether the body was too large apart from other read errors.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	return body, errors.As(err, &mbe), err
}

// countWebhook adds one to the deliveries counter of source and outcome.
func (s *Server) countWebhook(source store.WebhookSource, outcome string) {
	s.metrics.WebhookDeliveries.WithLabelValues(string(source), outcome).Inc()
}

// xeroAccountTally is what one delivery did for one account.
type xeroAccountTally struct {
	events, duplicates int
	// export: a new INVOICE or CONTACT event arrived, so an export is due.
	export bool
}

// xeroWebhook receives POST /webhooks/xero. The signature is checked on
// the raw body before anything else (Xero's intent-to-receive check sends
// wrong ones on purpose and wants 401). Each event goes to every account
// connected to its organisation, recorded once whatever Xero repeats; each
// account with a new invoice or contact event gets one export queued, in
// the same transaction, however many events the delivery held.
func (s *Server) xeroWebhook(w http.ResponseWriter, r *http.Request) {
	if s.cfg.XeroWebhookKey == "" || s.cfg.Webhooks == nil {
		emptyStatus(w, http.StatusNotFound)
		return
	}
	ctx := r.Context()
	body, tooLarge, err := readBody(w, r, maxXeroWebhookBody)
	if err != nil {
		s.countWebhook(store.SourceXero, outcomeBadPayload)
		s.log.WarnContext(ctx, "web: xero webhook: reading the body failed", "err", err)
		if tooLarge {
			emptyStatus(w, http.StatusRequestEntityTooLarge)
		} else {
			emptyStatus(w, http.StatusBadRequest)
		}
		return
	}
	if err := xero.VerifySignature(s.cfg.XeroWebhookKey, body, r.Header.Get(xero.SignatureHeader)); err != nil {
		// Expected during every intent-to-receive check, so not an
		// error; many in a row mean a wrong key (or someone probing).
		s.countWebhook(store.SourceXero, outcomeBadSignature)
		s.log.WarnContext(ctx, "web: xero webhook: signature refused", "err", err)
		emptyStatus(w, http.StatusUnauthorized)
		return
	}
	p, err := xero.ParseWebhook(body)
	if err != nil {
		s.countWebhook(store.SourceXero, outcomeBadPayload)
		s.log.WarnContext(ctx, "web: xero webhook: signed but unreadable", "err", err, "bytes", len(body))
		emptyStatus(w, http.StatusBadRequest)
		return
	}
	if p.IntentToReceive() {
		s.countWebhook(store.SourceXero, outcomeHandshake)
		s.log.InfoContext(ctx, "web: xero webhook: intent to receive answered")
		emptyStatus(w, http.StatusOK)
		return
	}

	now := s.now()
	tenants := map[string][]int64{} // accounts of each tenant, looked up once per delivery
	unknown := map[string]int{}     // events per tenant no account is connected to
	tally := map[int64]*xeroAccountTally{}
	var order []int64         // accounts in order of first event, for a stable enqueue order
	seen := map[string]bool{} // keys already recorded (or found) in this delivery
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookSaveTimeout)
	defer cancel()
	err = s.st.WithTx(ctx, func(tx *store.Tx) error {
		var recs []store.WebhookEvent // to record, one per event and account
		var wants []bool              // recs[i] is an INVOICE or CONTACT event
		for _, ev := range p.Events {
			accts, looked := tenants[ev.TenantID]
			if !looked {
				var err error
				if accts, err = tx.XeroTenantAccounts(ctx, ev.TenantID); err != nil {
					return err
				}
				tenants[ev.TenantID] = accts
			}
			if len(accts) == 0 {
				unknown[ev.TenantID]++
				continue
			}
			rec := store.WebhookEvent{
				Source: store.SourceXero,
				Key: store.EventKey(ev.TenantID, ev.EventCategory, ev.EventType, ev.ResourceID,
					ev.EventDate.Format(time.RFC3339Nano)),
				Kind:       ev.EventCategory,
				Resource:   ev.ResourceID,
				ReceivedAt: now,
				// Pending until an export has read what it names: a run a
				// webhook asked for reads exactly those invoices and
				// contacts, by ID (worker.Exporter).
				State: store.EventPending,
			}
			wanted := ev.EventCategory == xero.EventCategoryInvoice || ev.EventCategory == xero.EventCategoryContact
			if !wanted {
				rec.State = store.EventIgnored
				rec.Detail = fmt.Sprintf("orderbridge does not use %s events; nothing to do", clip(ev.EventCategory, 40))
			}
			// An event repeated within the delivery is a repeat for every
			// account, without asking the database again.
			repeat := seen[rec.Key]
			seen[rec.Key] = true
			for _, acct := range accts {
				t := tally[acct]
				if t == nil {
					t = &xeroAccountTally{}
					tally[acct] = t
					order = append(order, acct)
				}
				t.events++
				if repeat {
					t.duplicates++
					continue
				}
				rec.AccountID = acct
				recs = append(recs, rec)
				wants = append(wants, wanted)
			}
		}
		// One statement per few hundred events, not one per event.
		fresh, err := tx.RecordWebhookEvents(ctx, recs)
		if err != nil {
			return err
		}
		for i, rec := range recs {
			t := tally[rec.AccountID]
			switch {
			case !fresh[i]:
				t.duplicates++
			case wants[i]:
				t.export = true
			}
		}
		for _, acct := range order {
			t := tally[acct]
			if t.export {
				if err := s.cfg.Webhooks.EnqueueExport(ctx, tx, acct); err != nil {
					return fmt.Errorf("web: xero webhook: queue export of account %d: %w", acct, err)
				}
			}
			if err := tx.NoteWebhookDelivery(ctx, acct, store.SourceXero, now, t.events, t.duplicates); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.countWebhook(store.SourceXero, outcomeError)
		s.log.WarnContext(ctx, "web: xero webhook: delivery not saved; Xero will send it again",
			"err", err, "events", len(p.Events))
		s.noteWebhookFailures(ctx, store.SourceXero, order, now,
			"A Xero webhook delivery could not be saved; Xero sends it again.")
		emptyStatus(w, http.StatusInternalServerError)
		return
	}

	var fresh, dups int
	for _, t := range tally {
		fresh += t.events - t.duplicates
		dups += t.duplicates
	}
	if fresh > 0 {
		s.countWebhook(store.SourceXero, outcomeAccepted)
	}
	if dups > 0 {
		s.countWebhook(store.SourceXero, outcomeDuplicate)
	}
	if len(unknown) > 0 {
		s.countWebhook(store.SourceXero, outcomeUnknownTenant)
	}
	for tenant, n := range unknown {
		// A tenant that disconnected from orderbridge but not from the
		// Xero app, or an organisation connected to the app elsewhere.
		s.log.WarnContext(ctx, "web: xero webhook: no account is connected to the organisation; events dropped",
			"tenant", tenant, "events", n)
	}
	s.log.DebugContext(ctx, "web: xero webhook: delivery recorded", "events", len(p.Events),
		"accounts", len(order), "new", fresh, "duplicates", dups)
	emptyStatus(w, http.StatusOK)
}

// noteWebhookFailures records, outside the failed transaction and as far
// as the database allows, that a delivery for accounts failed.
func (s *Server) noteWebhookFailures(ctx context.Context, source store.WebhookSource, accounts []int64, at time.Time, reason string) {
	ctx = context.WithoutCancel(ctx)
	for _, acct := range accounts {
		if err := s.st.NoteWebhookFailure(ctx, acct, source, at, reason); err != nil {
			s.log.WarnContext(ctx, "web: webhook failure not noted", "account", acct, "err", err)
			return
		}
	}
}

// shipStationWebhook returns the handler of POST
// /webhooks/shipstation/{secret}. ShipStation V1 signs nothing: the
// secret in the URL (only its hash is stored) names and authenticates the
// account. The payload only names a URL to fetch with the account's key;
// that URL must be on the configured ShipStation host, or the key would
// go wherever a payload says. A shipment event is recorded pending and a
// write-back queued; the write-back job fetches it.
func (s *Server) shipStationWebhook() http.HandlerFunc {
	raw := s.cfg.ShipStationBaseURL
	if raw == "" {
		raw = defaultShipStationBaseURL
	}
	base, baseErr := url.Parse(raw)
	if baseErr == nil && (base.Scheme == "" || base.Host == "") {
		baseErr = errors.New("not an absolute URL")
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Webhooks == nil {
			emptyStatus(w, http.StatusNotFound)
			return
		}
		ctx := r.Context()
		if baseErr != nil {
			s.countWebhook(store.SourceShipStation, outcomeError)
			s.log.ErrorContext(ctx, "web: shipstation webhook: ShipStationBaseURL is unusable", "url", raw, "err", baseErr)
			emptyStatus(w, http.StatusInternalServerError)
			return
		}
		// The secret is never logged, nor anything derived from it.
		hook, err := s.st.ShipStationHookBySecret(ctx, r.PathValue("secret"))
		if errors.Is(err, store.ErrNotFound) {
			s.countWebhook(store.SourceShipStation, outcomeUnknownSecret)
			s.log.WarnContext(ctx, "web: shipstation webhook: unknown URL secret (an old subscription, or a guess)",
				"remote", r.RemoteAddr)
			emptyStatus(w, http.StatusNotFound)
			return
		}
		if err != nil {
			s.countWebhook(store.SourceShipStation, outcomeError)
			s.log.WarnContext(ctx, "web: shipstation webhook: looking up the subscription failed", "err", err)
			emptyStatus(w, http.StatusInternalServerError)
			return
		}
		acct := hook.AccountID
		now := s.now()

		body, tooLarge, err := readBody(w, r, maxShipStationWebhookBody)
		var p shipstation.WebhookPayload
		if err == nil {
			p, err = shipstation.ParseWebhookPayload(body)
		}
		if err != nil {
			s.countWebhook(store.SourceShipStation, outcomeBadPayload)
			s.log.WarnContext(ctx, "web: shipstation webhook: unreadable payload", "account", acct, "err", err)
			s.noteWebhookFailures(ctx, store.SourceShipStation, []int64{acct}, now,
				"ShipStation sent a webhook orderbridge could not read; nothing was recorded.")
			if tooLarge {
				emptyStatus(w, http.StatusRequestEntityTooLarge)
			} else {
				emptyStatus(w, http.StatusBadRequest)
			}
			return
		}
		if where, ok := sameShipStationHost(base, p.ResourceURL); !ok {
			s.countWebhook(store.SourceShipStation, outcomeForeignResource)
			// Scheme and host only: the query may name stores and batches.
			want := base.Scheme + "://" + base.Host
			s.log.WarnContext(ctx, "web: shipstation webhook: resource_url on a foreign host refused; nothing fetched",
				"account", acct, "host", where, "want", want)
			s.noteWebhookFailures(ctx, store.SourceShipStation, []int64{acct}, now, fmt.Sprintf(
				"A ShipStation webhook pointed at %s instead of %s and was refused; nothing was fetched.", where, want))
			emptyStatus(w, http.StatusBadRequest)
			return
		}

		kind := strings.ToUpper(strings.TrimSpace(p.ResourceType))
		rec := store.WebhookEvent{
			AccountID:  acct,
			Source:     store.SourceShipStation,
			Key:        store.EventKey(p.ResourceURL),
			Kind:       clip(kind, 40),
			Resource:   p.ResourceURL,
			ReceivedAt: now,
			State:      store.EventPending,
		}
		shipment := kind == shipstation.EventShipNotify || kind == shipstation.EventItemShipNotify
		switch {
		case shipment:
		case kind == shipstation.EventOrderNotify || kind == shipstation.EventItemOrderNotify:
			rec.State, rec.Detail = store.EventIgnored, detailOrderNotify
		default:
			rec.State = store.EventIgnored
			rec.Detail = fmt.Sprintf("orderbridge does not use %s events; nothing to do", rec.Kind)
		}
		var isNew bool
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookSaveTimeout)
		defer cancel()
		err = s.st.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			if isNew, err = tx.RecordWebhookEvent(ctx, rec); err != nil {
				return err
			}
			if isNew && shipment {
				if err := s.cfg.Webhooks.EnqueueWriteBack(ctx, tx, acct); err != nil {
					return fmt.Errorf("web: shipstation webhook: queue write-back of account %d: %w", acct, err)
				}
			}
			dups := 0
			if !isNew {
				dups = 1
			}
			return tx.NoteWebhookDelivery(ctx, acct, store.SourceShipStation, now, 1, dups)
		})
		if err != nil {
			s.countWebhook(store.SourceShipStation, outcomeError)
			s.log.WarnContext(ctx, "web: shipstation webhook: delivery not saved", "account", acct, "err", err)
			s.noteWebhookFailures(ctx, store.SourceShipStation, []int64{acct}, now,
				"A ShipStation webhook delivery could not be saved; the scheduled sync picks its shipments up.")
			emptyStatus(w, http.StatusInternalServerError)
			return
		}
		if isNew {
			s.countWebhook(store.SourceShipStation, outcomeAccepted)
		} else {
			s.countWebhook(store.SourceShipStation, outcomeDuplicate)
		}
		s.log.DebugContext(ctx, "web: shipstation webhook: delivery recorded", "account", acct,
			"type", rec.Kind, "new", isNew)
		emptyStatus(w, http.StatusOK)
	}
}

// sameShipStationHost reports whether resourceURL passes
// shipstation.ResourceURLOnHost against base (base's scheme and host, port
// included, no user info; a numbered ssapiN host when base is the real
// API), the rule shipstation.Client.FetchWebhookResource applies again
// before fetching. It also returns where the URL points, for messages:
// scheme and host, never user info, path or query.
func sameShipStationHost(base *url.URL, resourceURL string) (where string, ok bool) {
	u, err := url.Parse(resourceURL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "(not an absolute URL)", false
	}
	where = clip(u.Scheme+"://"+u.Host, 120)
	if u.User != nil {
		return where + " (with a user name)", false
	}
	_, err = shipstation.ResourceURLOnHost(base.String(), resourceURL)
	return where, err == nil
}

// clip shortens s to at most n bytes, on a rune boundary, for
// sender-chosen text that ends up in the database or a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
