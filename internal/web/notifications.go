package web

import (
	"net/http"

	"github.com/orderbridge/orderbridge/internal/problems"
)

type notificationsData struct {
	// MailOff is true when this orderbridge sends no mail (no SMTP URL).
	MailOff bool
	Email   string
	Kinds   []notificationKind
}

type notificationKind struct {
	Kind  string
	Label string
	On    bool
}

// notificationsForm lists the kinds of problem the notifier mails, each
// on or off for the signed-in user.
func (s *Server) notificationsForm(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	off, err := s.st.NotificationOptOuts(r.Context(), ss.user.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := notificationsData{MailOff: s.cfg.Mail == nil, Email: ss.user.Email}
	for _, k := range problems.Mailed() {
		d.Kinds = append(d.Kinds, notificationKind{Kind: string(k.Kind), Label: k.Label, On: !off[string(k.Kind)]})
	}
	s.render(w, r, http.StatusOK, "notifications", page{Title: "Email notifications", Nav: "notifications", Data: d})
}

// saveNotifications keeps the user's choice: a kind left unticked is
// not mailed to them.
func (s *Server) saveNotifications(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	if err := r.ParseForm(); err != nil {
		s.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	on := map[string]bool{}
	for _, k := range r.PostForm["on"] {
		on[k] = true
	}
	var off []string
	for _, k := range problems.Mailed() {
		if !on[string(k.Kind)] {
			off = append(off, string(k.Kind))
		}
	}
	if err := s.st.SetNotificationOptOuts(r.Context(), ss.user.ID, off); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, ss, "Your email notification choices are saved.")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
