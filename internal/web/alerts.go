package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/orderbridge/orderbridge/internal/store"
)

// alertItem is one thing on the dashboard's "Needs you": a problem or an
// invoice, with what identifies it for "Dealt with".
type alertItem struct {
	// Key names the alert for the account: "problem:<link>|<action>" or
	// "invoice:<id>".
	Key string
	// Fingerprint is what the alert says now; "Dealt with" hides it while
	// the fingerprint stays the same.
	Fingerprint string
	Text        string
	Action      string
	Link        string
	// InvoiceID and InvoiceNumber are set for an invoice's alert.
	InvoiceID     string
	InvoiceNumber string
	// Dealt is true when the item is shown although dealt with (?dealt=1).
	Dealt bool
}

// ID is the element id of the item's text, which its "Dealt with" button
// names as what it is about (the buttons all read alike).
func (a alertItem) ID() string { return "alert-" + fingerprint(a.Key) }

// fingerprint is a short hash of what an alert says.
func fingerprint(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:8])
}

func problemAlert(p Problem) alertItem {
	return alertItem{Key: "problem:" + p.Link + "|" + p.Action, Fingerprint: fingerprint(p.Text),
		Text: p.Text, Action: p.Action, Link: p.Link}
}

// invoiceAlert is an invoice that needs the merchant. Its fingerprint
// changes whenever the worker decides the invoice anew with another
// outcome or reason, or again after a while (UpdatedAt): a failure that
// recurs shows again.
func invoiceAlert(l store.InvoiceLink) alertItem {
	return alertItem{Key: "invoice:" + l.InvoiceID,
		Fingerprint: fingerprint(string(l.Decision), l.ReasonCode, l.Reason, l.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")),
		Text:        l.Reason, InvoiceID: l.InvoiceID, InvoiceNumber: l.InvoiceNumber}
}

// alertsView splits the dashboard's alerts into those shown and how many
// are hidden as dealt with. A problem's acknowledgement is forgotten once
// the problem is gone, so that it shows again when it comes back.
type alertsView struct {
	Problems, Attention, Waiting []alertItem
	Hidden                       int
	ShowingDealt                 bool
}

func (s *Server) alertsOf(ctx context.Context, acc int64, d *dashboardData, showDealt bool) (alertsView, error) {
	acks, err := s.st.AcknowledgedAlerts(ctx, acc)
	if err != nil {
		return alertsView{}, err
	}
	v := alertsView{ShowingDealt: showDealt}
	current := map[string]bool{}
	keep := func(list []alertItem, it alertItem) []alertItem {
		// Two problems with the same link and action (the worker's) are
		// told apart by their order.
		for n := 2; current[it.Key]; n++ {
			it.Key = strings.TrimSuffix(it.Key, "#"+strconv.Itoa(n-1)) + "#" + strconv.Itoa(n)
		}
		current[it.Key] = true
		if acks[it.Key] == it.Fingerprint {
			v.Hidden++
			if !showDealt {
				return list
			}
			it.Dealt = true
		}
		return append(list, it)
	}
	for _, p := range d.Problems {
		v.Problems = keep(v.Problems, problemAlert(p))
	}
	for _, l := range d.Attention {
		v.Attention = keep(v.Attention, invoiceAlert(l))
	}
	for _, l := range d.Waiting {
		v.Waiting = keep(v.Waiting, invoiceAlert(l))
	}
	for k := range acks {
		if strings.HasPrefix(k, "problem:") && !current[k] {
			if err := s.st.ForgetAcknowledgement(ctx, acc, k); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

var (
	alertKeyRE    = regexp.MustCompile(`^(problem:[^\x00-\x1f]{1,300}|invoice:[^\x00-\x1f]{1,200})$`)
	fingerprintRE = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// dealtWith marks an alert of the account dealt with, as it read then.
func (s *Server) dealtWith(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	key, fp := r.PostFormValue("key"), r.PostFormValue("fingerprint")
	if !alertKeyRE.MatchString(key) || !fingerprintRE.MatchString(fp) {
		s.errorPage(w, r, http.StatusBadRequest, "Bad request", "That alert cannot be marked as dealt with.")
		return
	}
	if err := s.st.AcknowledgeAlert(r.Context(), ss.s.AccountID, key, fp, ss.user.ID); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, ss, "Marked as dealt with. It shows again if it changes or comes back.")
	http.Redirect(w, r, "/dashboard#needs", http.StatusSeeOther)
}
