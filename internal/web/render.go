package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// parsePages parses the templates under templates/, each with layout.html
// around it.
func parsePages() (map[string]*template.Template, error) {
	pageNames := []string{
		"signin", "signup", "dashboard", "status", "connections", "xero_org", "configure", "export", "run", "log", "invoice", "invoices", "disconnect", "account", "invite", "error",
		"forgot", "reset", "notifications",
	}
	// The time functions are bound per page to the account's zone
	// (render); these UTC ones let the templates parse.
	funcs := timeFuncs(zone{Loc: time.UTC}, time.Time{})
	for k, v := range (template.FuncMap{
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"lower":   strings.ToLower,
		// invoiceURL builds an invoice's link from its id, escaped (urls.go).
		"invoiceURL": invoiceURL,
		// invoicesURL is the invoices page filtered to a state (the
		// dashboard's counts link there).
		"invoicesURL": func(state string) string { return invoicesURL(store.InvoiceState(state)) },
		"add":         func(a, b int) int { return a + b },
		// alertArgs hands the "alert" template its item and the page's
		// CSRF token.
		"alertArgs": func(p page, it alertItem) map[string]any { return map[string]any{"Item": it, "CSRF": p.CSRF} },
		"contains": func(list []string, s string) bool {
			for _, v := range list {
				if v == s {
					return true
				}
			}
			return false
		},
	}) {
		funcs[k] = v
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string // the active nav item
	User    *store.User
	Account *store.Account
	CSRF    string
	Flash   string
	Banners []banner
	// TimeNote says why times are in UTC rather than the organisation's
	// zone; empty when they are in its zone.
	TimeNote string
	Data     any
}

// banner is a problem shown on every page until it is fixed.
type banner struct {
	Text   string
	Action string
	Link   string
}

// render writes a page with status code.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.serverError(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	z := zone{Loc: time.UTC}
	st := stateOf(r.Context())
	if st != nil {
		if st.sess != nil {
			z = s.zoneOf(r.Context(), st.sess.s.AccountID)
			p.TimeNote = z.Note
			p.User, p.Account, p.CSRF = &st.sess.user, &st.sess.account, st.sess.s.CSRFToken
			if p.Flash == "" {
				p.Flash = s.takeFlash(r, st.sess)
			}
			p.Banners = append(p.Banners, s.banners(r, st.sess)...)
		} else {
			p.CSRF = st.anonCSRF
		}
	}
	// A clone of the never-executed page, so that its time functions are
	// this account's zone and this moment.
	t, err := t.Clone()
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	t.Funcs(timeFuncs(z, s.now()))
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.ErrorContext(r.Context(), "web: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// banners lists the problems with the Xero connection, which block
// syncing, on every page: problems.Xero's, as the dashboard says them, but
// "not connected" (the dashboard and Connections say that).
func (s *Server) banners(r *http.Request, ss *sessionState) []banner {
	ctx := r.Context()
	c, err := s.st.Connection(ctx, ss.s.AccountID, store.KindXero)
	if err != nil {
		return nil
	}
	var lapse time.Time
	if c.Status == store.StatusConnected {
		// Only a working grant can lapse; reading it unseals the token.
		if tok, err := s.st.XeroGrant(ctx, ss.s.AccountID); err == nil {
			lapse = worker.GrantLapsesAt(tok)
		}
	}
	var out []banner
	for _, p := range problems.Xero(&c, lapse, s.now()) {
		if p.Kind != problems.XeroNotConnected {
			out = append(out, banner{Text: p.Text, Action: p.Action, Link: p.Link})
		}
	}
	return out
}

type errorData struct {
	Code    int
	Heading string
	Message string
}

// errorPage renders a page a person can read for an error.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, code int, heading, message string) {
	s.render(w, r, code, "error", page{Title: heading, Data: errorData{Code: code, Heading: heading, Message: message}})
}

// serverError logs err and shows a 500 page without its text (which may
// name internals).
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "web: internal error", "path", loggedPath(r.URL.Path), "err", err)
	s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"The error has been logged. Please try again in a moment.")
}

// notFoundOr renders 404 for store.ErrNotFound (another account's row
// looks exactly like a missing one) and 500 otherwise.
func (s *Server) notFoundOr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "Not found", "There is nothing here, or it belongs to another account.")
		return
	}
	s.serverError(w, r, err)
}
