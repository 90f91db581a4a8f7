package worker

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// XeroTokens returns the process's one token source for the account's Xero
// grant, loading the stored token the first time.
//
// Xero rotates the refresh token on every refresh, so two token sources of
// one grant refreshing side by side (an export and a write-back job of the
// same account, or the web preview) would each rotate it, and only one
// rotation can be the one stored last. One source per account per process
// serialises refreshes; each new pair is saved before use. The cached source
// is replaced only when the store holds a newer pair than it (the merchant
// reconnected, or another process refreshed), never by an older copy read
// while a refresh was under way.
func (c *Clients) XeroTokens(ctx context.Context, acct int64) (*xero.TokenSource, error) {
	stored, err := c.st.XeroGrant(ctx, acct)
	if err != nil {
		return nil, fmt.Errorf("worker: xero token: %w", secretError(err))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if src := c.tokens[acct]; src != nil {
		if cur := src.Current(); cur != nil && !stored.Expiry.After(cur.Expiry) {
			return src, nil
		}
	}
	src := c.xero.TokenSource(stored, func(ctx context.Context, tok *oauth2.Token) error {
		// Outside any transaction of ours: the source calls this during an
		// API call, and on SQLite saving needs the one writer connection.
		return c.st.SaveXeroGrant(ctx, acct, tok)
	})
	if c.tokens == nil {
		c.tokens = make(map[int64]*xero.TokenSource)
	}
	c.tokens[acct] = src
	return src, nil
}

// secretError adds ErrReconnectNeeded to a secret the store cannot open
// (store.ErrSecretUnreadable; the store has marked the connection and
// logged it at ERROR), so the run stops as "reconnect needed" instead of
// retrying a failure no retry mends.
func secretError(err error) error {
	if errors.Is(err, store.ErrSecretUnreadable) {
		return fmt.Errorf("%w: %w", ErrReconnectNeeded, err)
	}
	return err
}
