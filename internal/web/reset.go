package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

// Mailer sends one mail (*mailer.Sender): password reset links. It is the
// same path the notifier sends problems through.
type Mailer interface {
	Send(ctx context.Context, msg mailer.Message) error
}

// Defaults of the password reset.
const (
	// DefaultResetTTL is how long a reset link works.
	DefaultResetTTL = time.Hour
	// resetLimit links an hour per user are sent at most; the page says
	// the same whatever happens.
	resetLimit  = 3
	resetWindow = time.Hour
	// resetSendTimeout bounds a reset mail's send, which runs after the
	// answer.
	resetSendTimeout = time.Minute
)

// mailRoutes adds the pages of mail: password reset and the notification
// settings.
func (s *Server) mailRoutes(handle func(string, http.HandlerFunc), authed func(string, func(http.ResponseWriter, *http.Request, *sessionState))) {
	handle("GET /password/forgot", s.forgotForm)
	handle("POST /password/forgot", s.forgot)
	handle("GET /password/reset", s.resetForm)
	handle("POST /password/reset", s.reset)
	authed("GET /notifications", s.notificationsForm)
	authed("POST /notifications", s.saveNotifications)
}

type forgotData struct {
	Email string
	// MailOff is true when this orderbridge sends no mail.
	MailOff bool
	// Sent is true once the form was posted: the page says the same
	// whether or not the email has an account.
	Sent   bool
	Errors map[string]string
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "forgot", page{Title: "Forgot your password?", Data: forgotData{MailOff: s.cfg.Mail == nil}})
}

// forgot mails a reset link to the email's user, if there is one. The
// answer is the same whether there is or not, and whether the hourly limit
// held the mail back.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := forgotData{Email: strings.TrimSpace(r.PostFormValue("email")), MailOff: s.cfg.Mail == nil}
	if d.MailOff {
		s.render(w, r, http.StatusServiceUnavailable, "forgot", page{Title: "Forgot your password?", Data: d})
		return
	}
	if d.Email == "" {
		d.Errors = map[string]string{"email": "Enter the email you sign in with."}
		s.render(w, r, http.StatusUnprocessableEntity, "forgot", page{Title: "Forgot your password?", Data: d})
		return
	}
	d.Sent = true
	user, err := s.st.UserByEmail(ctx, d.Email)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.log.InfoContext(ctx, "web: password reset for an unknown email")
	case err != nil:
		s.serverError(w, r, err)
		return
	default:
		msg, err := s.resetMail(ctx, user)
		switch {
		case errors.Is(err, errResetLimit):
			s.log.WarnContext(ctx, "web: password reset rate limited", "user", user.ID, "limit", resetLimit)
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			// Sent after the answer: how long the SMTP server takes
			// must not tell which emails have accounts.
			go s.sendResetMail(context.WithoutCancel(ctx), user.ID, msg)
		}
	}
	s.render(w, r, http.StatusOK, "forgot", page{Title: "Check your email", Data: d})
}

// errResetLimit is a reset link held back: resetLimit were mailed to the
// address within resetWindow already.
var errResetLimit = errors.New("web: password reset links limited per hour")

// resetMail makes a single-use token (the store keeps its hash) and the
// mail with its link, at most resetLimit an hour per user, so the form
// cannot be used to flood somebody's inbox.
func (s *Server) resetMail(ctx context.Context, user store.User) (mailer.Message, error) {
	now := s.now()
	// Expired links are of no use to anyone; they go as new ones come.
	if _, err := s.st.PurgePasswordResets(ctx, now.Add(-24*time.Hour)); err != nil {
		return mailer.Message{}, err
	}
	n, err := s.st.PasswordResetsSince(ctx, user.ID, now.Add(-resetWindow))
	if err != nil {
		return mailer.Message{}, err
	}
	if n >= resetLimit {
		return mailer.Message{}, errResetLimit
	}
	token := randomToken()
	ttl := s.cfg.ResetTTL
	if ttl <= 0 {
		ttl = DefaultResetTTL
	}
	if err := s.st.CreatePasswordReset(ctx, token, user.ID, now, now.Add(ttl)); err != nil {
		return mailer.Message{}, err
	}
	link := strings.TrimSuffix(s.cfg.BaseURL, "/") + "/password/reset?" + url.Values{"token": {token}}.Encode()
	body := "Hello" + nameSuffix(user.Name) + ",\n\n" +
		"Someone (we hope you) asked to reset the orderbridge password of " + user.Email + ".\n\n" +
		"Choose a new password here (the link works once, for " + durationText(ttl) + "):\n" + link + "\n\n" +
		"Choosing one signs out every browser signed in with the old password.\n" +
		"If you did not ask, ignore this mail: your password stays as it is.\n"
	return mailer.Message{To: user.Email, Subject: "Reset your orderbridge password", Body: body}, nil
}

// sendResetMail sends a reset link's mail, within resetSendTimeout. The
// person already has their answer; a failure is the operator's to see.
func (s *Server) sendResetMail(ctx context.Context, userID int64, msg mailer.Message) {
	ctx, cancel := context.WithTimeout(ctx, resetSendTimeout)
	defer cancel()
	if err := s.cfg.Mail.Send(ctx, msg); err != nil {
		s.log.ErrorContext(ctx, "web: password reset mail not sent", "user", userID, "err", err)
	}
}

func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " " + name
}

type resetData struct {
	Token  string
	Done   bool
	Errors map[string]string
}

// resetForm asks for the new password, if the link still works.
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if _, err := s.st.PasswordResetUser(r.Context(), token, s.now()); err != nil {
		s.resetInvalid(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "reset", page{Title: "Choose a new password", Data: resetData{Token: token}})
}

// reset sets the new password, uses the link up, lifts the user's sign-in
// lockout and ends every session of the user, in one transaction.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	d := resetData{Token: r.PostFormValue("token")}
	pw := r.PostFormValue("password")
	owner, err := s.st.PasswordResetUser(ctx, d.Token, s.now())
	if err != nil {
		s.resetInvalid(w, r, err)
		return
	}
	user, err := s.st.User(ctx, owner)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if msg := password.Problem(pw, user.Email, user.Name); msg != "" {
		d.Errors = map[string]string{"password": msg}
	} else if pw != r.PostFormValue("password_confirm") {
		d.Errors = map[string]string{"password_confirm": "The two passwords differ."}
	}
	if d.Errors != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "reset", page{Title: "Choose a new password", Data: d})
		return
	}
	hash, err := s.hashes.Hash(ctx, pw, s.cfg.Argon2)
	if err != nil {
		s.hashFailed(w, r, err)
		return
	}
	var userID, ended int64
	err = s.st.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if userID, err = tx.UsePasswordReset(ctx, d.Token, s.now()); err != nil {
			return err
		}
		ended, err = tx.ResetPassword(ctx, userID, hash)
		return err
	})
	if err != nil {
		s.resetInvalid(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "web: password reset", "user", userID, "sessions_ended", ended)
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	}
	s.render(w, r, http.StatusOK, "reset", page{Title: "Password changed", Data: resetData{Done: true}})
}

// resetInvalid answers a link that is unknown, used or expired (alike),
// or an error.
func (s *Server) resetInvalid(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, store.ErrResetInvalid) {
		s.serverError(w, r, err)
		return
	}
	s.errorPage(w, r, http.StatusGone, "This link does not work any more",
		"A password reset link works once, for a limited time. Ask for a new one from “Forgot password?” on the sign-in page.")
}
