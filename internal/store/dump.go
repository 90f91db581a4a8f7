package store

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// dataTables are orderbridge's tables, in dependency order.
var dataTables = []string{
	"account", "account_connection", "account_settings", "invoice_link", "contact_cache",
	"transaction_log", "sync_cursor", "written_shipment", "webhook_event", "work_demand", "webhook_health",
	"shipstation_hook", "xero_quota", "xero_egress", "swept_change", "seal_check",
	"account_problem", "notification", "notification_optout", "password_reset",
}

// DumpTables writes every row of orderbridge's tables to w, one line per
// row as "table: {columns as JSON}", exactly as stored. It is how tests
// (and a support person) check that no secret is stored in the clear: a
// sealed secret shows only sealed. The output holds customer data (cached
// contacts); treat it as such.
func (s *Store) DumpTables(ctx context.Context, w io.Writer) error {
	for _, table := range dataTables {
		var query string
		if s.dialect == Postgres {
			query = "SELECT to_jsonb(t)::text FROM " + table + " t"
		} else {
			cols, err := s.sqliteColumns(ctx, table)
			if err != nil {
				return err
			}
			var parts []string
			for _, c := range cols {
				parts = append(parts, "'"+c+"', "+quoteIdent(c))
			}
			query = "SELECT json_object(" + strings.Join(parts, ", ") + ") FROM " + table
		}
		rs, err := s.r.query(ctx, query)
		if err != nil {
			return fmt.Errorf("store: dump %s: %w", table, err)
		}
		for rs.Next() {
			var line string
			if err := rs.Scan(&line); err != nil {
				rs.Close()
				return fmt.Errorf("store: dump %s: %w", table, err)
			}
			if _, err := fmt.Fprintf(w, "%s: %s\n", table, line); err != nil {
				rs.Close()
				return fmt.Errorf("store: dump: %w", err)
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return fmt.Errorf("store: dump %s: %w", table, err)
		}
	}
	return nil
}

func (s *Store) sqliteColumns(ctx context.Context, table string) ([]string, error) {
	rs, err := s.r.query(ctx, "SELECT name FROM pragma_table_info($1) ORDER BY cid", table)
	if err != nil {
		return nil, fmt.Errorf("store: columns of %s: %w", table, err)
	}
	defer rs.Close()
	var cols []string
	for rs.Next() {
		var c string
		if err := rs.Scan(&c); err != nil {
			return nil, fmt.Errorf("store: columns of %s: %w", table, err)
		}
		cols = append(cols, c)
	}
	return cols, rs.Err()
}
