// Package notify mails an account's users about the problems that need a
// person, as problems.Decide sees them (the dashboard's own list): one
// mail when a problem starts, a daily digest while problems last, nothing
// more. Every mail is claimed in the database before it is sent (a unique
// key per account, user and problem episode, or digest day), so any number
// of processes may run the notifier without a mail going out twice, and a
// mail whose send failed is tried again on a later tick. Per-user,
// per-account and global limits per hour keep a flapping problem or a bad
// day from turning into a storm.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/mailer"
	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
)

// Sender sends one mail (*mailer.Sender).
type Sender interface {
	Send(ctx context.Context, msg mailer.Message) error
}

// Defaults of Options.
const (
	DefaultPerUserPerHour    = 6
	DefaultPerAccountPerHour = 20
	DefaultGlobalPerHour     = 1000
	DefaultDigestAfter       = 24 * time.Hour
	// DigestHourUTC is when the daily digest goes out: every digest at
	// the same hour, so they come a day apart, whenever their problems
	// opened.
	DigestHourUTC = 8
	// DefaultEvery is how often the notifier ticks: a tick reads every
	// account's problems (some ten queries each), so it runs less often
	// than the sweeps; a problem is mailed within this long of being seen.
	DefaultEvery = 5 * time.Minute
	// claimStaleAfter is how long a claim whose mail was never marked sent
	// (its process died mid-send) holds the mail back before another
	// process may send it.
	claimStaleAfter = 10 * time.Minute
)

// Options configure a Notifier.
type Options struct {
	Store *store.Store
	// Problems reads and decides each account's problems.
	Problems problems.Source
	// Sender sends the mail. Required.
	Sender Sender
	// BaseURL is where users reach the web app, for the links in the mail.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// PerUserPerHour, PerAccountPerHour and GlobalPerHour cap the mails
	// claimed in the last hour; a mail over a cap waits for a later tick
	// (and is dropped if its problem clears meanwhile). Zero: the defaults.
	PerUserPerHour, PerAccountPerHour, GlobalPerHour int
	// DigestAfter is how long before a day's digest time
	// (DigestHourUTC) a problem must have opened for that digest to list
	// it (zero: a day): its first digest comes one to two days after the
	// mail that said it began.
	DigestAfter time.Duration
}

// Notifier sends the problem mails.
type Notifier struct {
	o   Options
	log *slog.Logger
}

// New returns a Notifier.
func New(o Options) (*Notifier, error) {
	if o.Store == nil || o.Sender == nil {
		return nil, errors.New("notify: Store and Sender are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PerUserPerHour <= 0 {
		o.PerUserPerHour = DefaultPerUserPerHour
	}
	if o.PerAccountPerHour <= 0 {
		o.PerAccountPerHour = DefaultPerAccountPerHour
	}
	if o.GlobalPerHour <= 0 {
		o.GlobalPerHour = DefaultGlobalPerHour
	}
	if o.DigestAfter <= 0 {
		o.DigestAfter = DefaultDigestAfter
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	return &Notifier{o: o, log: o.Logger}, nil
}

// errGlobalLimit stops a tick: no more mail this hour for anyone.
var errGlobalLimit = errors.New("notify: global mail limit reached")

// Tick looks at every account once: it records which problems are open,
// and sends the mails due. A failed send is logged and left for the next
// tick; the error returned is only for what stops the tick itself.
func (n *Notifier) Tick(ctx context.Context) error {
	accounts, err := n.o.Store.ListAccounts(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	for _, a := range accounts {
		err := n.account(ctx, a)
		if errors.Is(err, errGlobalLimit) {
			n.log.WarnContext(ctx, "notify: the global limit of mails an hour is reached; the rest wait", "limit", n.o.GlobalPerHour)
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.log.ErrorContext(ctx, "notify: account", "account", a.ID, "err", err)
		}
	}
	return nil
}

// account syncs one account's open problems and mails its users.
func (n *Notifier) account(ctx context.Context, a store.Account) error {
	now := n.o.Now().UTC()
	facts, err := n.o.Problems.Facts(ctx, a.ID, now)
	if err != nil {
		return err
	}
	found := problems.Decide(facts)
	// The mails write times as the merchant's pages do, in the
	// organisation's zone (the problems' texts already are).
	loc := problems.ZoneOf(facts.Xero).Loc
	var current []store.AccountProblem
	for _, p := range found {
		if problems.IsMailed(p.Kind) {
			current = append(current, store.AccountProblem{Kind: string(p.Kind), Text: p.Text, Action: p.Action, Link: p.Link})
		}
	}
	open, err := n.o.Store.SyncProblems(ctx, a.ID, current, now)
	if err != nil || len(open) == 0 {
		return err
	}
	users, err := n.o.Store.ListUsers(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("notify: users: %w", err)
	}
	for _, u := range users {
		if u.Disabled() {
			continue // cannot sign in to act on it
		}
		if err := n.user(ctx, a, u, open, now, loc); err != nil {
			return err
		}
	}
	return nil
}

// user sends one user the mails due: a mail per problem new to them, then
// the day's digest of the problems open since DigestAfter before today's
// digest time, once that time has come. Times in the mails are in loc.
func (n *Notifier) user(ctx context.Context, a store.Account, u store.User, open []store.AccountProblem, now time.Time, loc *time.Location) error {
	off, err := n.o.Store.NotificationOptOuts(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("notify: opt-outs: %w", err)
	}
	digestAt := time.Date(now.Year(), now.Month(), now.Day(), DigestHourUTC, 0, 0, 0, time.UTC)
	var wanted, lasting []store.AccountProblem
	for _, p := range open {
		if off[p.Kind] {
			continue
		}
		wanted = append(wanted, p)
		if !now.Before(digestAt) && !p.OpenedAt.After(digestAt.Add(-n.o.DigestAfter)) {
			lasting = append(lasting, p)
		}
	}
	for _, p := range wanted {
		key := fmt.Sprintf("new:%d:%d:%s:%d", a.ID, u.ID, p.Kind, p.Episode)
		if err := n.send(ctx, key, a, u, p.Kind, now, n.problemMail(a, u, p)); err != nil {
			return err
		}
	}
	if len(lasting) > 0 {
		day := now.Format("2006-01-02")
		key := fmt.Sprintf("digest:%d:%d:%s", a.ID, u.ID, day)
		if err := n.send(ctx, key, a, u, "digest", now, n.digestMail(a, u, lasting, now, loc)); err != nil {
			return err
		}
	}
	return nil
}

// send claims the mail of key and sends it, within the limits. Only the
// global limit and the database stop the caller; a refused send is
// released for the next tick.
func (n *Notifier) send(ctx context.Context, key string, a store.Account, u store.User, kind string, now time.Time, msg mailer.Message) error {
	// Most ticks find every mail sent already: one lookup, no counting.
	if sent, err := n.o.Store.NotificationSent(ctx, key); err != nil || sent {
		return err
	}
	hourAgo := now.Add(-time.Hour)
	global, err := n.o.Store.NotificationsSince(ctx, hourAgo, 0, 0)
	if err != nil {
		return err
	}
	if global >= n.o.GlobalPerHour {
		return errGlobalLimit
	}
	perAccount, err := n.o.Store.NotificationsSince(ctx, hourAgo, a.ID, 0)
	if err != nil {
		return err
	}
	perUser, err := n.o.Store.NotificationsSince(ctx, hourAgo, 0, u.ID)
	if err != nil {
		return err
	}
	if perAccount >= n.o.PerAccountPerHour || perUser >= n.o.PerUserPerHour {
		n.log.InfoContext(ctx, "notify: mail held back by the hourly limit", "account", a.ID, "user", u.ID, "kind", kind)
		return nil
	}
	ok, err := n.o.Store.ClaimNotification(ctx, key, a.ID, u.ID, kind, now, claimStaleAfter)
	if err != nil || !ok {
		return err // !ok: sent already, or another process is sending it
	}
	msg.To, msg.ID = u.Email, strings.ReplaceAll(key, ":", ".")
	if err := n.o.Sender.Send(ctx, msg); err != nil {
		n.log.WarnContext(ctx, "notify: send failed; the next tick tries again", "account", a.ID, "user", u.ID, "kind", kind, "err", err)
		if rerr := n.o.Store.ReleaseNotification(context.WithoutCancel(ctx), key); rerr != nil {
			return rerr
		}
		return nil
	}
	n.log.InfoContext(ctx, "notify: mail sent", "account", a.ID, "user", u.ID, "kind", kind)
	return n.o.Store.MarkNotificationSent(context.WithoutCancel(ctx), key, now)
}

// link makes a problem's link absolute: a path of the web app, or an
// anchor of the dashboard.
func (n *Notifier) link(l string) string {
	switch {
	case l == "":
		return n.o.BaseURL + "/dashboard"
	case strings.HasPrefix(l, "#"):
		return n.o.BaseURL + "/dashboard" + l
	}
	return n.o.BaseURL + l
}

// label is the short name of a problem kind.
func label(kind string) string {
	for _, m := range problems.Mailed() {
		if string(m.Kind) == kind {
			return m.Label
		}
	}
	return "A problem needs you"
}

func greeting(u store.User) string {
	if u.Name != "" {
		return "Hello " + u.Name + ",\n\n"
	}
	return "Hello,\n\n"
}

func (n *Notifier) footer() string {
	return "\n--\nYou get one email when a problem starts and a daily summary while problems last.\n" +
		"Choose which problems you are emailed about: " + n.o.BaseURL + "/notifications\n"
}

// problemMail says what happened, what to do and where.
func (n *Notifier) problemMail(a store.Account, u store.User, p store.AccountProblem) mailer.Message {
	var b strings.Builder
	b.WriteString(greeting(u))
	fmt.Fprintf(&b, "orderbridge found a problem with %s that needs you.\n\n", a.Name)
	fmt.Fprintf(&b, "What happened: %s\n\n", p.Text)
	fmt.Fprintf(&b, "What to do: %s: %s\n", p.Action, n.link(p.Link))
	fmt.Fprintf(&b, "\nThe dashboard lists everything that needs you: %s/dashboard\n", n.o.BaseURL)
	b.WriteString(n.footer())
	return mailer.Message{Subject: label(p.Kind) + " — " + a.Name, Body: b.String()}
}

// digestMail lists the problems open for a day or more, with when each
// opened in loc. Its subject's day is the digest's, a UTC day
// (DigestHourUTC), as the digest is sent once per UTC day.
func (n *Notifier) digestMail(a store.Account, u store.User, lasting []store.AccountProblem, now time.Time, loc *time.Location) mailer.Message {
	var b strings.Builder
	b.WriteString(greeting(u))
	fmt.Fprintf(&b, "%s still need you at %s:\n", problems.Plural(len(lasting), "problem"), a.Name)
	for _, p := range lasting {
		fmt.Fprintf(&b, "\n* %s (since %s)\n  What happened: %s\n  What to do: %s: %s\n",
			label(p.Kind), problems.WhenText(p.OpenedAt, loc), p.Text, p.Action, n.link(p.Link))
	}
	fmt.Fprintf(&b, "\nThe dashboard: %s/dashboard\n", n.o.BaseURL)
	b.WriteString(n.footer())
	return mailer.Message{Subject: "Daily summary: " + problems.Plural(len(lasting), "problem") + " still open — " + a.Name + " (" + now.Format("2 Jan 2006") + ")",
		Body: b.String()}
}
