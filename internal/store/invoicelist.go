package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// InvoiceStates are the states in the order a merchant reads them: what
// needs a person first, then the way an order goes, then the rest. The
// invoices page lists its filters, and sorts by state, in this order.
func InvoiceStates() []InvoiceState {
	return []InvoiceState{StateFailed, StateAttention, StateWaiting, StateInShipStation, StateShipped,
		StateWrittenBack, StateCancelled, StateNotSent}
}

// InvoiceSort is a column the invoices list sorts by.
type InvoiceSort string

// The sort orders of the invoices list.
const (
	SortDate     InvoiceSort = "date" // Xero's invoice Date
	SortNumber   InvoiceSort = "number"
	SortCustomer InvoiceSort = "customer" // case-insensitive
	SortTotal    InvoiceSort = "total"
	SortState    InvoiceSort = "state" // in InvoiceStates order
)

// InvoiceCursor is where a page of the invoices list starts or ends: the
// sort key and the invoice id of a row (the id breaks ties, so a cursor
// names one row exactly).
type InvoiceCursor struct {
	Key string // the sort column's value as text (an integer for total and state)
	ID  string
}

// String encodes the cursor for a URL.
func (c InvoiceCursor) String() string { return c.Key + "~" + c.ID }

// ParseInvoiceCursor reads a cursor encoded by String.
func ParseInvoiceCursor(s string) (InvoiceCursor, bool) {
	i := strings.LastIndex(s, "~")
	if i < 0 || i == len(s)-1 {
		return InvoiceCursor{}, false
	}
	return InvoiceCursor{Key: s[:i], ID: s[i+1:]}, true
}

// InvoiceListQuery is what the invoices page asks for.
type InvoiceListQuery struct {
	// Waiting are the reason codes of a skip the merchant fixes, as for
	// CountInvoiceStates: the list and the counts use one definition.
	Waiting []string
	// Search matches part of the invoice number, the customer or a
	// tracking number, in any case.
	Search string
	State  InvoiceState // empty: any
	// From and To bound the invoice date (YYYY-MM-DD, inclusive); empty:
	// open.
	From, To string
	Sort     InvoiceSort // empty: SortDate
	Desc     bool
	// After asks for the page after a cursor, Before for the page before
	// one; neither: the first page.
	After, Before *InvoiceCursor
	Limit         int // 0: 50
}

// InvoiceRow is one invoice of the list with its state now.
type InvoiceRow struct {
	InvoiceLink
	State InvoiceState
	// Cursor names the row in the list's sort order.
	Cursor InvoiceCursor
}

// InvoiceList is one page of the invoices list.
type InvoiceList struct {
	Rows []InvoiceRow
	// Counts are the invoices matching the search and dates in each state,
	// whatever the state filter; states without invoices are absent.
	Counts map[InvoiceState]int
	// Total is how many invoices match the whole query.
	Total int
	// Prev and Next are the cursors of the neighbouring pages; nil when
	// there is none.
	Prev, Next *InvoiceCursor
}

// sortKey returns the SQL of the sort column and whether it is an
// integer. The state's key is its place in InvoiceStates, from the one
// state expression.
func sortKey(s InvoiceSort, waiting []string, args *[]any) (string, bool) {
	switch s {
	case SortNumber:
		return "invoice_number", false
	case SortCustomer:
		return "lower(customer)", false
	case SortTotal:
		return "total_cents", true
	case SortState:
		var b strings.Builder
		b.WriteString("CASE " + stateExpr(waiting, args))
		for i, st := range InvoiceStates() {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, i)
		}
		b.WriteString(" ELSE 99 END")
		return b.String(), true
	}
	return "invoice_date", false
}

// ValidInvoiceSort reports whether s is a sort order ListInvoices knows.
func ValidInvoiceSort(s InvoiceSort) bool {
	return slices.Contains([]InvoiceSort{SortDate, SortNumber, SortCustomer, SortTotal, SortState}, s)
}

// searchTable is the FROM of a list or count query. A search matches few
// invoices anywhere in the sort order: left to itself SQLite walks a sort
// index and reads every row to test it, so a search on SQLite reads the
// narrow invoice_link_search index instead (its matches, counted per state
// from the index alone; the page's rows fetched after). PostgreSQL's
// planner weighs this itself.
func (q *Queries) searchTable(f InvoiceListQuery) string {
	if strings.TrimSpace(f.Search) != "" && q.s.dialect == SQLite {
		return "invoice_link INDEXED BY invoice_link_search"
	}
	return "invoice_link"
}

// filterSQL is the WHERE of the search and dates (not the state), from
// $1 = account id on.
func (q *Queries) filterSQL(f InvoiceListQuery, args *[]any) string {
	where := "account_id = $1"
	if s := strings.TrimSpace(f.Search); s != "" {
		*args = append(*args, strings.ToLower(s))
		find := "instr(search_text, $" + strconv.Itoa(len(*args)) + ")"
		if q.s.dialect == Postgres {
			find = "strpos(search_text, $" + strconv.Itoa(len(*args)) + ")"
		}
		where += " AND " + find + " > 0"
	}
	if f.From != "" {
		*args = append(*args, f.From)
		where += " AND invoice_date >= $" + strconv.Itoa(len(*args))
	}
	if f.To != "" {
		*args = append(*args, f.To)
		where += " AND invoice_date <= $" + strconv.Itoa(len(*args))
	}
	return where
}

// ListInvoices returns a page of an account's invoices, one row each with
// its state now (the state CountInvoiceStates counts it in), searched,
// filtered and sorted, with the counts per state of the search. Pages are
// keyset-paginated on the sort column and the invoice id, so any page
// reads about as many rows as it shows.
func (q *Queries) ListInvoices(ctx context.Context, accountID int64, f InvoiceListQuery) (InvoiceList, error) {
	if f.Sort == "" {
		f.Sort = SortDate
	}
	if !ValidInvoiceSort(f.Sort) {
		return InvoiceList{}, fmt.Errorf("store: list invoices: unknown sort %q", f.Sort)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var out InvoiceList
	var err error
	if out.Counts, err = q.countInvoices(ctx, accountID, f); err != nil {
		return InvoiceList{}, err
	}
	if f.State != "" {
		out.Total = out.Counts[f.State]
	} else {
		for _, n := range out.Counts {
			out.Total += n
		}
	}

	args := []any{accountID}
	where := q.filterSQL(f, &args)
	state := stateExpr(f.Waiting, &args)
	if f.State != "" {
		expr := stateExpr(f.Waiting, &args)
		args = append(args, string(f.State))
		where += " AND " + expr + " = $" + strconv.Itoa(len(args))
	}
	key, numeric := sortKey(f.Sort, f.Waiting, &args)
	// Going back reads the rows before the cursor in the reverse order,
	// then turns them round.
	back := f.Before != nil && f.After == nil
	desc := f.Desc != back
	cur := f.After
	if back {
		cur = f.Before
	}
	if cur != nil {
		var k any = cur.Key
		if numeric {
			n, err := strconv.ParseInt(cur.Key, 10, 64)
			if err != nil {
				return InvoiceList{}, fmt.Errorf("store: list invoices: cursor %q: %w", cur.Key, errors.New("not a number"))
			}
			k = n
		}
		args = append(args, k, cur.ID)
		op := ">"
		if desc {
			op = "<"
		}
		where += fmt.Sprintf(" AND (%s, invoice_id) %s ($%d, $%d)", key, op, len(args)-1, len(args))
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	args = append(args, limit+1)
	query := "SELECT " + linkColumns + ", " + state + ", " + key + " FROM " + q.searchTable(f) + " WHERE " + where +
		" ORDER BY " + key + " " + dir + ", invoice_id " + dir + " LIMIT $" + strconv.Itoa(len(args))
	rs, err := q.r.query(ctx, query, args...)
	if err != nil {
		return InvoiceList{}, fmt.Errorf("store: list invoices: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var st, k string
		l, err := scanLink(rs, &st, &k)
		if err != nil {
			return InvoiceList{}, fmt.Errorf("store: list invoices: %w", err)
		}
		out.Rows = append(out.Rows, InvoiceRow{InvoiceLink: l, State: InvoiceState(st), Cursor: InvoiceCursor{Key: k, ID: l.InvoiceID}})
	}
	if err := rs.Err(); err != nil {
		return InvoiceList{}, fmt.Errorf("store: list invoices: %w", err)
	}
	more := len(out.Rows) > limit
	if more {
		out.Rows = out.Rows[:limit]
	}
	if back {
		slices.Reverse(out.Rows)
	}
	if len(out.Rows) == 0 {
		return out, nil
	}
	first, last := out.Rows[0].Cursor, out.Rows[len(out.Rows)-1].Cursor
	switch {
	case back:
		out.Next = &last
		if more {
			out.Prev = &first
		}
	default:
		if cur != nil {
			out.Prev = &first
		}
		if more {
			out.Next = &last
		}
	}
	return out, nil
}

// countInvoices counts the invoices of the search and dates per state.
func (q *Queries) countInvoices(ctx context.Context, accountID int64, f InvoiceListQuery) (map[InvoiceState]int, error) {
	args := []any{accountID}
	where := q.filterSQL(f, &args)
	return q.countStates(ctx, "store: count invoices",
		"SELECT "+stateExpr(f.Waiting, &args)+" AS state, count(*) FROM "+q.searchTable(f)+" WHERE "+where+" GROUP BY state", args...)
}

// searchText is what the invoices search matches for an invoice: its
// number, customer and tracking numbers, lower-cased (Go's Unicode
// lower-casing, as the search term's), one to a line so that a term never
// matches across two of them. The number and customer line end in a line
// break, so UpsertInvoiceLink appends the stored tracking numbers to it.
func searchText(number, customer, tracking string) string {
	return strings.ToLower(number + "\n" + customer + "\n" + tracking)
}

// RecordInvoiceShipment keeps what the write-back learned of an invoice's
// label: its tracking number among the invoice's (removed when the label
// was voided), and that a shipment was written to the Xero invoice when
// writtenBack. It touches nothing the export keeps.
func (q *Queries) RecordInvoiceShipment(ctx context.Context, accountID int64, invoiceID, tracking string, voided, writtenBack bool) error {
	return q.inTx(ctx, func(q *Queries) error {
		var current, number, customer string
		var written int
		err := q.w.queryRow(ctx, "SELECT tracking, written_back, invoice_number, customer FROM invoice_link WHERE account_id = $1 AND invoice_id = $2",
			accountID, invoiceID).Scan(&current, &written, &number, &customer)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store: record invoice %s shipment: %w", invoiceID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("store: record invoice %s shipment: %w", invoiceID, err)
		}
		numbers := strings.Fields(current)
		tracking = strings.TrimSpace(tracking)
		switch {
		case tracking == "":
		case voided:
			numbers = slices.DeleteFunc(numbers, func(n string) bool { return n == tracking })
		case !slices.Contains(numbers, tracking):
			numbers = append(numbers, tracking)
		}
		if writtenBack {
			written = 1
		}
		joined := strings.Join(numbers, " ")
		if _, err := q.w.exec(ctx, "UPDATE invoice_link SET tracking = $3, written_back = $4, search_text = $5 WHERE account_id = $1 AND invoice_id = $2",
			accountID, invoiceID, joined, written, searchText(number, customer, joined)); err != nil {
			return fmt.Errorf("store: record invoice %s shipment: %w", invoiceID, err)
		}
		return nil
	})
}

// ImportInvoiceLinks inserts many new links at once, every field of each
// (the write-back's too), in batches of one statement each: for loading a
// large account (the invoices page's benchmark seeds 100,000 with it).
// A link that exists already is an error.
func (q *Queries) ImportInvoiceLinks(ctx context.Context, links []InvoiceLink) error {
	const batch = 500
	now := q.t(q.now())
	return q.inTx(ctx, func(q *Queries) error {
		for start := 0; start < len(links); start += batch {
			part := links[start:min(start+batch, len(links))]
			var b strings.Builder
			b.WriteString(`INSERT INTO invoice_link (account_id, invoice_id, invoice_number, order_key, order_id, order_status,
				decision, reason, content_hash, created_at, updated_at, reason_code,
				customer, invoice_date, currency, total_cents, ship_city, ship_country, tracking, written_back, search_text) VALUES `)
			args := make([]any, 0, len(part)*21)
			for i, l := range part {
				if l.AccountID == 0 || l.InvoiceID == "" {
					return errors.New("store: import invoice links: account and invoice id are required")
				}
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(")
				for c := range 21 {
					if c > 0 {
						b.WriteString(", ")
					}
					fmt.Fprintf(&b, "$%d", len(args)+c+1)
				}
				b.WriteString(")")
				created, updated := any(now), any(now)
				if !l.CreatedAt.IsZero() {
					created = q.t(l.CreatedAt)
				}
				if !l.UpdatedAt.IsZero() {
					updated = q.t(l.UpdatedAt)
				}
				written := 0
				if l.WrittenBack {
					written = 1
				}
				args = append(args, l.AccountID, l.InvoiceID, l.InvoiceNumber, l.OrderKey, l.OrderID, l.OrderStatus,
					string(l.Decision), l.Reason, l.ContentHash, created, updated, l.ReasonCode,
					l.Customer, l.InvoiceDate, l.Currency, l.TotalCents, l.ShipCity, l.ShipCountry, l.Tracking, written,
					searchText(l.InvoiceNumber, l.Customer, l.Tracking))
			}
			if _, err := q.w.exec(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("store: import invoice links: %w", err)
			}
		}
		return nil
	})
}
