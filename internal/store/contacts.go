package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CachedContact is a Xero contact as last fetched, kept so an export run
// fetches only the contacts it has not seen or that changed.
type CachedContact struct {
	ContactID string
	// JSON is the contact as Xero sent it, byte for byte.
	JSON []byte
	// UpdatedDateUTC is the contact's own UpdatedDateUTC.
	UpdatedDateUTC time.Time
	FetchedAt      time.Time
}

// chunk is how many ids one IN (...) query carries: far below SQLite's
// variable limit and PostgreSQL's, and a reasonable statement size.
const chunk = 500

// PutContacts caches contacts (insert or replace), in one transaction.
// FetchedAt is set to now when zero.
func (q *Queries) PutContacts(ctx context.Context, accountID int64, contacts []CachedContact) error {
	if len(contacts) == 0 {
		return nil
	}
	now := q.now()
	err := q.inTx(ctx, func(q *Queries) error {
		for _, c := range contacts {
			if c.ContactID == "" {
				return fmt.Errorf("empty contact id")
			}
			fetched := c.FetchedAt
			if fetched.IsZero() {
				fetched = now
			}
			_, err := q.w.exec(ctx, `INSERT INTO contact_cache (account_id, contact_id, contact, contact_updated_at, fetched_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (account_id, contact_id) DO UPDATE SET contact = excluded.contact,
				contact_updated_at = excluded.contact_updated_at, fetched_at = excluded.fetched_at`,
				accountID, c.ContactID, string(c.JSON), q.t(c.UpdatedDateUTC), q.t(fetched))
			if err != nil {
				return fmt.Errorf("contact %s: %w", c.ContactID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put contacts: %w", err)
	}
	return nil
}

// Contacts returns the cached contacts among ids, by id; ids not cached are
// absent from the map.
func (q *Queries) Contacts(ctx context.Context, accountID int64, ids []string) (map[string]CachedContact, error) {
	out := make(map[string]CachedContact, len(ids))
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := []any{accountID}
		rs, err := q.r.query(ctx, `SELECT contact_id, contact, contact_updated_at, fetched_at FROM contact_cache
			WHERE account_id = $1 AND contact_id IN (`+placeholders(2, part, &args)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: contacts: %w", err)
		}
		for rs.Next() {
			var c CachedContact
			var doc string
			if err := rs.Scan(&c.ContactID, &doc, timeCol{&c.UpdatedDateUTC}, timeCol{&c.FetchedAt}); err != nil {
				rs.Close()
				return nil, fmt.Errorf("store: contacts: %w", err)
			}
			c.JSON = []byte(doc)
			out[c.ContactID] = c
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, fmt.Errorf("store: contacts: %w", err)
		}
	}
	return out, nil
}

// ContactWant names a contact an export needs and, when the invoice tells,
// the contact's UpdatedDateUTC (zero when unknown).
type ContactWant struct {
	ContactID      string
	UpdatedDateUTC time.Time
}

// StaleContacts returns, in the order asked and without duplicates, the
// ids of wanted contacts that must be fetched: not cached, cached from an
// older version than the one wanted, or fetched before fetchedAfter (zero
// disables the age check).
func (q *Queries) StaleContacts(ctx context.Context, accountID int64, want []ContactWant, fetchedAfter time.Time) ([]string, error) {
	ids := make([]string, 0, len(want))
	seen := map[string]bool{}
	for _, w := range want {
		if w.ContactID != "" && !seen[w.ContactID] {
			seen[w.ContactID] = true
			ids = append(ids, w.ContactID)
		}
	}
	cached, err := q.Contacts(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	newest := map[string]time.Time{}
	for _, w := range want {
		if w.UpdatedDateUTC.After(newest[w.ContactID]) {
			newest[w.ContactID] = w.UpdatedDateUTC
		}
	}
	var out []string
	for _, id := range ids {
		c, ok := cached[id]
		switch {
		case !ok:
		case c.UpdatedDateUTC.Before(newest[id].UTC().Truncate(time.Microsecond)):
		case !fetchedAfter.IsZero() && c.FetchedAt.Before(fetchedAfter.UTC().Truncate(time.Microsecond)):
		default:
			continue
		}
		out = append(out, id)
	}
	return out, nil
}

// ForgetContacts drops contacts from the cache (a contact webhook said they
// changed).
func (q *Queries) ForgetContacts(ctx context.Context, accountID int64, ids []string) error {
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := []any{accountID}
		if _, err := q.w.exec(ctx, "DELETE FROM contact_cache WHERE account_id = $1 AND contact_id IN ("+placeholders(2, part, &args)+")", args...); err != nil {
			return fmt.Errorf("store: forget contacts: %w", err)
		}
	}
	return nil
}

// placeholders returns "$first, $first+1, ..." for vals and appends vals to
// args.
func placeholders(first int, vals []string, args *[]any) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
		*args = append(*args, v)
	}
	return b.String()
}
