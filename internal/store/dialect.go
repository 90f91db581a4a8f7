package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Dialect names the database behind a Store.
type Dialect string

// The two dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// sqliteTimeLayout stores times as fixed-width UTC text, so that text order
// is time order and range filters work on the raw column.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// timeArg converts a time to the value the dialect stores. Both dialects
// keep microseconds (PostgreSQL's precision), so a value reads back equal.
func (d Dialect) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d == SQLite {
		return t.Format(sqliteTimeLayout)
	}
	return t
}

// like returns the case-insensitive LIKE operator.
func (d Dialect) like() string {
	if d == Postgres {
		return "ILIKE"
	}
	return "LIKE" // case-insensitive for ASCII in SQLite
}

// dayExpr returns an expression for the UTC calendar day (YYYY-MM-DD text)
// of a time column.
func (d Dialect) dayExpr(col string) string {
	if d == Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// likeEscape escapes LIKE wildcards so a search term matches literally
// (used with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// timeCol scans a time column of either dialect into T.
type timeCol struct{ T *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case time.Time:
		*c.T = v.UTC()
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	case nil:
		*c.T = time.Time{}
		return nil
	}
	return fmt.Errorf("store: cannot scan %T into a time", src)
}

func (c timeCol) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: parse stored time: %w", err)
	}
	*c.T = t.UTC()
	return nil
}

var _ sql.Scanner = timeCol{}

// textCol scans text or JSON (jsonb arrives as bytes or string) into S.
type textCol struct{ S *string }

func (c textCol) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*c.S = v
	case []byte:
		*c.S = string(v)
	case nil:
		*c.S = ""
	default:
		return fmt.Errorf("store: cannot scan %T into text", src)
	}
	return nil
}
