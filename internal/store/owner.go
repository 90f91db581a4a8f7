package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// ErrConnectedElsewhere matches a ConnectedElsewhereError with errors.Is.
var ErrConnectedElsewhere = errors.New("store: connected to another account")

// ConnectedElsewhereError refuses a connection to a Xero organisation or a
// ShipStation store that another account already syncs: two accounts on
// one organisation or store would overwrite each other's orders. It never
// names the other account (one account never learns of another); Name is
// the organisation's or store's own name, from the refused connection.
type ConnectedElsewhereError struct {
	Kind ConnectionKind
	Name string
}

func (e *ConnectedElsewhereError) Error() string {
	return fmt.Sprintf("store: %s %q is already connected to another account", e.Kind, e.Name)
}

// Is makes errors.Is(err, ErrConnectedElsewhere) true.
func (e *ConnectedElsewhereError) Is(target error) bool { return target == ErrConnectedElsewhere }

// Message is the refusal as the merchant reads it, with what to do.
func (e *ConnectedElsewhereError) Message() string {
	what := "The Xero organisation “" + e.Name + "”"
	if e.Kind == KindShipStation {
		what = "The ShipStation store “" + e.Name + "”"
	}
	return what + " is already connected to another orderbridge account, and two accounts on one " +
		e.noun() + " would overwrite each other's orders. Disconnect it in that account first " +
		"(or ask your orderbridge operator to move it), then connect it here."
}

func (e *ConnectedElsewhereError) noun() string {
	if e.Kind == KindShipStation {
		return "store"
	}
	return "organisation"
}

// ownerField is the metadata field that names what a connection of a kind
// claims, and its value in meta ("" when nothing is chosen yet: a grant
// whose organisation the merchant still has to pick claims nothing).
func ownerField(kind ConnectionKind, meta ConnectionMetadata) (field, value, name string) {
	switch kind {
	case KindXero:
		return "tenant_id", meta.TenantID, meta.TenantName
	case KindShipStation:
		if meta.StoreID == 0 {
			return "store_id", "", ""
		}
		return "store_id", strconv.FormatInt(meta.StoreID, 10), meta.StoreName
	}
	return "", "", ""
}

// checkOwner refuses meta when another account holds a live (not
// disconnected) connection that claims the same organisation or store.
// The unique indexes of migration 0005 close the race between two
// connects at the same moment; this check gives the refusal its words.
func (q *Queries) checkOwner(ctx context.Context, accountID int64, kind ConnectionKind, meta ConnectionMetadata) error {
	field, value, name := ownerField(kind, meta)
	if value == "" {
		return nil
	}
	expr := "CAST(json_extract(metadata, '$." + field + "') AS TEXT)"
	if q.s.dialect == Postgres {
		expr = "(metadata ->> '" + field + "')"
	}
	var other int64
	err := q.r.queryRow(ctx, `SELECT account_id FROM account_connection
		WHERE kind = $1 AND account_id <> $2 AND status <> $3 AND `+expr+` = $4 LIMIT 1`,
		string(kind), accountID, string(StatusDisconnected), value).Scan(&other)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: who owns %s %s: %w", kind, value, err)
	}
	return &ConnectedElsewhereError{Kind: kind, Name: orValue(name, value)}
}

func orValue(name, value string) string {
	if name == "" {
		return value
	}
	return name
}
