package worker

import (
	"context"
	"errors"
	"time"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Xero drops a refresh token unused for 60 days (xero-api.md §1.4). An
// account whose sync is on refreshes its grant every half hour of use; one
// whose sync is off, or that is otherwise idle, would lose its grant and
// need the merchant to connect again. So the export sweep keeps idle grants
// alive (KeepXeroGrantsAlive) and the web app warns before one lapses.
const (
	// XeroGrantLifetime is how long Xero keeps an unused refresh token.
	XeroGrantLifetime = 60 * 24 * time.Hour
	// IdleGrantRefreshAfter is the age after which the keep-alive
	// refreshes a grant: half its lifetime, so that a month of failed
	// attempts (Xero down, the process stopped) still leaves time.
	IdleGrantRefreshAfter = 30 * 24 * time.Hour
	// GrantWarnWithin is how close to lapsing a grant must be for the web
	// app to warn the merchant: the keep-alive has failed for two weeks.
	GrantWarnWithin = 14 * 24 * time.Hour
	// grantRetryEvery spaces the keep-alive's attempts for one account
	// after a failure that may pass (Xero's token endpoint down).
	grantRetryEvery = time.Hour
	// accessTokenLifetime is Xero's access token lifetime, for a stored
	// token that does not say its own (expires_in).
	accessTokenLifetime = 30 * time.Minute
)

// GrantRefreshedAt estimates when a stored Xero token pair was issued,
// which is when its refresh token was last used: its access token's
// expiry less that token's lifetime. Zero when the token has no expiry.
func GrantRefreshedAt(tok *oauth2.Token) time.Time {
	if tok == nil || tok.Expiry.IsZero() {
		return time.Time{}
	}
	life := accessTokenLifetime
	if tok.ExpiresIn > 0 {
		life = time.Duration(tok.ExpiresIn) * time.Second
	}
	return tok.Expiry.Add(-life)
}

// GrantLapsesAt is when Xero drops the stored grant unless it is used
// before; zero when not known.
func GrantLapsesAt(tok *oauth2.Token) time.Time {
	at := GrantRefreshedAt(tok)
	if at.IsZero() {
		return at
	}
	return at.Add(XeroGrantLifetime)
}

// KeepXeroGrantsAlive refreshes the Xero grant of every connected account
// that was last refreshed IdleGrantRefreshAfter ago or more, through the
// account's one token source (which stores the new pair before anyone
// uses it), and returns how many it refreshed. A grant Xero no longer
// accepts marks the connection reconnect_needed with why; other failures
// are logged and tried again an hour later. The export sweep calls it on
// every tick, sync on or off: an idle grant costs nothing to look at.
func (c *Clients) KeepXeroGrantsAlive(ctx context.Context) int {
	accounts, err := c.st.ListAccounts(ctx)
	if err != nil {
		c.log.WarnContext(ctx, "keep xero grants alive: list accounts", "error", err)
		return 0
	}
	now := c.now()
	refreshed := 0
	for _, a := range accounts {
		conn, err := c.st.Connection(ctx, a.ID, store.KindXero)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			c.log.WarnContext(ctx, "keep xero grant alive", "account", a.ID, "error", err)
			continue
		}
		if conn.Status != store.StatusConnected || !conn.HasSecret || !c.grantDue(a.ID, now) {
			continue
		}
		tok, err := c.st.XeroGrant(ctx, a.ID)
		if err != nil {
			// Unreadable with the current secret key: ERROR (FailureLevel).
			c.log.Log(ctx, FailureLevel(err, false), "keep xero grant alive", "account", a.ID, "error", err)
			continue
		}
		at := GrantRefreshedAt(tok)
		if at.IsZero() || now.Sub(at) < IdleGrantRefreshAfter {
			continue
		}
		src, err := c.XeroTokens(ctx, a.ID)
		if err == nil {
			// Its access token expired long ago, so this refreshes.
			_, err = src.Token(ctx)
		}
		switch {
		case err == nil:
			refreshed++
			c.log.InfoContext(ctx, "idle xero grant refreshed", "account", a.ID, "last_refreshed", at)
		case errors.Is(err, xero.ErrReconnectNeeded):
			c.markReconnect(ctx, a.ID, store.KindXero, "Xero dropped the connection after 60 days without use; connect Xero again")
		default:
			c.tryGrantAgainAt(a.ID, now.Add(grantRetryEvery))
			c.log.WarnContext(ctx, "keep xero grant alive", "account", a.ID, "lapses_at", GrantLapsesAt(tok), "error", err)
		}
	}
	return refreshed
}

// grantDue reports whether the keep-alive may try the account now (not
// within grantRetryEvery of a failure).
func (c *Clients) grantDue(acct int64, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !now.Before(c.grantRetry[acct])
}

func (c *Clients) tryGrantAgainAt(acct int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.grantRetry == nil {
		c.grantRetry = map[int64]time.Time{}
	}
	c.grantRetry[acct] = at
}
