package store

import (
	"context"
	"fmt"
	"strconv"
)

// Purge is what PurgeAccount deleted beside the account's own rows.
type Purge struct {
	// Jobs are River jobs whose arguments name the account (exports,
	// re-syncs, write-backs, subscriptions), in any state.
	Jobs int64
	// LoginFailures are failed sign-ins recorded under its users' emails.
	LoginFailures int64
	// RateRows are shared rate budget rows and in-flight slots of the
	// keys given (PostgreSQL only; SQLite keeps budgets in memory).
	RateRows int64
}

// PurgeAccount deletes an account and everything it owns, in one
// transaction: River's jobs for it and the failed sign-ins of its users
// (neither has an account_id that could cascade), the shared rate budget
// rows of rateKeys (its Xero organisation's and ShipStation key's), then
// the account, whose every other row (connections, settings, invoice
// links, contacts, log, cursors, shipments, webhooks, quota, egress,
// users and their sessions) goes with it by ON DELETE CASCADE. Calls to
// Xero and ShipStation (the webhook, the tenant connection) are the
// caller's, before this. It returns ErrNotFound for an unknown account.
func (q *Queries) PurgeAccount(ctx context.Context, accountID int64, rateKeys []string) (Purge, error) {
	var p Purge
	err := q.inTx(ctx, func(q *Queries) error {
		var err error
		jobs := "DELETE FROM river_job WHERE json_extract(args, '$.account_id') = $1"
		var arg any = accountID
		if q.s.dialect == Postgres {
			jobs, arg = "DELETE FROM river_job WHERE args->>'account_id' = $1", strconv.FormatInt(accountID, 10)
		}
		if p.Jobs, err = q.w.exec(ctx, jobs, arg); err != nil {
			return fmt.Errorf("river jobs: %w", err)
		}
		// Sign-in attempts are keyed by email (SignInEmailKey) and by
		// email and address, per window and per day (SignInPairKey,
		// SignInPairDayKey); the addresses a user signed in from are
		// personal data too.
		if p.LoginFailures, err = q.w.exec(ctx, `DELETE FROM login_failure
			WHERE key IN (SELECT 'email:' || email FROM app_user WHERE account_id = $1)
			   OR EXISTS (SELECT 1 FROM app_user u WHERE u.account_id = $1
			              AND (substr(login_failure.key, 1, length(u.email) + 6) = 'pair:' || u.email || '|'
			                OR substr(login_failure.key, 1, length(u.email) + 9) = 'pairday:' || u.email || '|'))`, accountID); err != nil {
			return fmt.Errorf("login failures: %w", err)
		}
		if _, err = q.w.exec(ctx, `DELETE FROM sign_in_client
			WHERE email IN (SELECT email FROM app_user WHERE account_id = $1)`, accountID); err != nil {
			return fmt.Errorf("sign-in clients: %w", err)
		}
		if q.s.dialect == Postgres {
			for _, k := range rateKeys {
				for _, table := range []string{"rate_budget", "rate_slot"} {
					n, err := q.w.exec(ctx, "DELETE FROM "+table+" WHERE key = $1", k)
					if err != nil {
						return fmt.Errorf("%s: %w", table, err)
					}
					p.RateRows += n
				}
			}
		}
		n, err := q.w.exec(ctx, "DELETE FROM account WHERE id = $1", accountID)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return Purge{}, fmt.Errorf("store: purge account %d: %w", accountID, err)
	}
	return p, nil
}

// AccountRows counts the rows that name the account in every table of
// orderbridge that has an account_id, its users' sessions, and River's
// jobs for it: what an operator (and a test) checks after PurgeAccount.
// Tables with no row are left out.
func (q *Queries) AccountRows(ctx context.Context, accountID int64) (map[string]int64, error) {
	out := map[string]int64{}
	count := func(name, query string, arg any) error {
		var n int64
		if err := q.r.queryRow(ctx, query, arg).Scan(&n); err != nil {
			return fmt.Errorf("store: count %s rows of account %d: %w", name, accountID, err)
		}
		if n > 0 {
			out[name] = n
		}
		return nil
	}
	if err := count("account", "SELECT COUNT(*) FROM account WHERE id = $1", accountID); err != nil {
		return nil, err
	}
	tables, err := q.accountIDTables(ctx)
	if err != nil {
		return nil, err
	}
	for _, table := range tables {
		if err := count(table, "SELECT COUNT(*) FROM "+table+" WHERE account_id = $1", accountID); err != nil {
			return nil, err
		}
	}
	if err := count("user_session", "SELECT COUNT(*) FROM user_session s JOIN app_user u ON u.id = s.user_id WHERE u.account_id = $1", accountID); err != nil {
		return nil, err
	}
	jobs, arg := "SELECT COUNT(*) FROM river_job WHERE json_extract(args, '$.account_id') = $1", any(accountID)
	if q.s.dialect == Postgres {
		jobs, arg = "SELECT COUNT(*) FROM river_job WHERE args->>'account_id' = $1", strconv.FormatInt(accountID, 10)
	}
	if err := count("river_job", jobs, arg); err != nil {
		return nil, err
	}
	return out, nil
}

// accountIDTables lists, from the database's own catalogue, every table
// with an account_id column (River's have none): tables added later are
// counted without a change here.
func (q *Queries) accountIDTables(ctx context.Context) ([]string, error) {
	query := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name = 'account_id' ORDER BY m.name`
	if q.s.dialect == Postgres {
		query = `SELECT table_name FROM information_schema.columns
			WHERE column_name = 'account_id' AND table_schema = current_schema() ORDER BY table_name`
	}
	rs, err := q.r.query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: tables with an account_id: %w", err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			return nil, fmt.Errorf("store: tables with an account_id: %w", err)
		}
		out = append(out, name)
	}
	return out, rs.Err()
}
