package web

import (
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

// inviteTTL is how long an invitation link works.
const inviteTTL = 7 * 24 * time.Hour

// accountData is the Account page: the user, the password form, the team
// and the invitation form (with the link just made, once).
type accountData struct {
	Team       []store.User
	Errors     fieldErrors
	InviteTo   string
	InviteLink string
	InviteTTL  string
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, ss *sessionState, code int, d *accountData) {
	team, err := s.st.ListUsers(r.Context(), ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Team, d.InviteTTL = team, strconv.Itoa(int(inviteTTL/(24*time.Hour)))+" days"
	s.render(w, r, code, "account", page{Title: "Account", Nav: "account", Data: d})
}

// accountPage shows the account's people, the password change and the
// invitation form.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	s.renderAccount(w, r, ss, http.StatusOK, &accountData{})
}

// changePassword needs the current password and a new one that passes
// the one policy (password.Problem). It ends every other session of the
// user: whoever knew the old password is signed out.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	d := &accountData{}
	current, pw := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	user, err := s.st.User(ctx, ss.user.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ok, _, err := s.hashes.Check(ctx, current, user.PasswordHash, s.cfg.Argon2)
	if errors.Is(err, password.ErrBusy) {
		s.hashFailed(w, r, err)
		return
	}
	if err != nil || !ok {
		d.Errors.set("current_password", "That is not your current password.")
	}
	if msg := password.Problem(pw, user.Email); msg != "" {
		d.Errors.set("new_password", msg)
	} else if pw == current {
		d.Errors.set("new_password", "Choose a password other than the current one.")
	}
	if pw != r.PostFormValue("new_password_confirm") {
		d.Errors.set("new_password_confirm", "The two passwords differ.")
	}
	if d.Errors != nil {
		s.renderAccount(w, r, ss, http.StatusUnprocessableEntity, d)
		return
	}
	hash, err := s.hashes.Hash(r.Context(), pw, s.cfg.Argon2)
	if err != nil {
		s.hashFailed(w, r, err)
		return
	}
	var ended int64
	err = s.st.WithTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPasswordHash(ctx, user.ID, hash); err != nil {
			return err
		}
		ended, err = tx.DeleteOtherSessions(ctx, user.ID, ss.token)
		return err
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "web: password changed", "account", ss.s.AccountID, "user", user.ID, "sessions_ended", ended)
	s.flash(r, ss, "Your password is changed. Any other place you were signed in is signed out.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// invite makes an invitation link for a teammate. The page shows the link
// once; the store keeps only its hash. Email delivery comes with the
// notifications work; until then the merchant sends the link.
func (s *Server) invite(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	d := &accountData{InviteTo: strings.TrimSpace(r.PostFormValue("email"))}
	if addr, err := mail.ParseAddress(d.InviteTo); err != nil || addr.Address != d.InviteTo || utf8.RuneCountInString(d.InviteTo) > 254 {
		d.Errors.set("email", "Enter an email address like name@example.com.")
	} else if _, err := s.st.UserByEmail(ctx, d.InviteTo); err == nil {
		d.Errors.set("email", "Someone with this email has an orderbridge sign-in already.")
	} else if !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return
	}
	if d.Errors != nil {
		s.renderAccount(w, r, ss, http.StatusUnprocessableEntity, d)
		return
	}
	token := randomToken()
	if err := s.st.CreateInvite(ctx, token, store.Invite{AccountID: ss.s.AccountID, Email: d.InviteTo, InvitedBy: ss.user.ID,
		ExpiresAt: s.now().Add(inviteTTL)}); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "web: invitation made", "account", ss.s.AccountID, "user", ss.user.ID)
	d.InviteLink = strings.TrimSuffix(s.cfg.BaseURL, "/") + "/invite/" + url.PathEscape(token)
	s.renderAccount(w, r, ss, http.StatusOK, d)
}

// inviteData is the page an invited teammate opens.
type inviteData struct {
	// Action is the page's own path, which carries the token.
	Action  string
	Account string
	Email   string
	Name    string
	Errors  fieldErrors
}

// openInvite finds a live invitation; it answers 410 Gone for one unknown,
// used or expired (the same page for all three: a guessed token learns
// nothing).
func (s *Server) openInvite(w http.ResponseWriter, r *http.Request) (store.Invite, string, bool) {
	token := r.PathValue("token")
	inv, err := s.st.InviteByToken(r.Context(), token)
	if err == nil && inv.UsedAt.IsZero() && s.now().Before(inv.ExpiresAt) {
		return inv, token, true
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.serverError(w, r, err)
		return inv, "", false
	}
	s.errorPage(w, r, http.StatusGone, "This invitation cannot be used",
		"It was used already, it expired, or the link is incomplete. Ask whoever invited you for a new link.")
	return inv, "", false
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) {
	inv, _, ok := s.openInvite(w, r)
	if !ok {
		return
	}
	s.renderInvite(w, r, http.StatusOK, inv, &inviteData{})
}

func (s *Server) renderInvite(w http.ResponseWriter, r *http.Request, code int, inv store.Invite, d *inviteData) {
	acc, err := s.st.Account(r.Context(), inv.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Account, d.Email, d.Action = acc.Name, inv.Email, r.URL.Path
	s.render(w, r, code, "invite", page{Title: "Join " + acc.Name, Data: d})
}

// acceptInvite makes the teammate's user in the inviting account, spending
// the invitation in the same transaction, and signs them in.
func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request) {
	inv, token, ok := s.openInvite(w, r)
	if !ok {
		return
	}
	d := &inviteData{Name: strings.TrimSpace(r.PostFormValue("name"))}
	pw := r.PostFormValue("password")
	if d.Name == "" {
		d.Errors.set("name", "Enter your name, so your teammates know who did what.")
	} else if utf8.RuneCountInString(d.Name) > 200 {
		d.Errors.set("name", "Use at most 200 characters.")
	}
	if msg := password.Problem(pw, inv.Email, d.Name); msg != "" {
		d.Errors.set("password", msg)
	}
	if pw != r.PostFormValue("password_confirm") {
		d.Errors.set("password_confirm", "The two passwords differ.")
	}
	if d.Errors != nil {
		s.renderInvite(w, r, http.StatusUnprocessableEntity, inv, d)
		return
	}
	hash, err := s.hashes.Hash(r.Context(), pw, s.cfg.Argon2)
	if err != nil {
		s.hashFailed(w, r, err)
		return
	}
	var user store.User
	err = s.st.WithTx(r.Context(), func(tx *store.Tx) error {
		used, err := tx.UseInvite(r.Context(), token)
		if err != nil {
			return err
		}
		user, err = tx.CreateUser(r.Context(), used.AccountID, used.Email, d.Name, hash)
		return err
	})
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		d.Errors.set("name", "Someone with this email ("+inv.Email+") has an orderbridge sign-in already: sign in instead.")
		s.renderInvite(w, r, http.StatusConflict, inv, d)
		return
	case errors.Is(err, store.ErrNotFound):
		s.errorPage(w, r, http.StatusGone, "This invitation cannot be used",
			"It was used already, it expired, or the link is incomplete. Ask whoever invited you for a new link.")
		return
	case err != nil:
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "web: invitation accepted", "account", user.AccountID, "user", user.ID)
	if err := s.startSession(w, r, user); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}
