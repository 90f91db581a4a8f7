package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
)

// invoicesPageSize is how many invoices a page of /invoices shows.
const invoicesPageSize = 50

// stateLabel names an invoice state for a merchant: the one place the
// invoices page, its filters, its CSV and the dashboard's counts get the
// words.
func stateLabel(s store.InvoiceState) string {
	switch s {
	case store.StateFailed:
		return "Failed"
	case store.StateAttention:
		return "Needs attention"
	case store.StateWaiting:
		return "Waiting for you"
	case store.StateInShipStation:
		return "In ShipStation"
	case store.StateShipped:
		return "Shipped"
	case store.StateWrittenBack:
		return "Shipped, written back to Xero"
	case store.StateCancelled:
		return "Cancelled"
	case store.StateNotSent:
		return "Skipped"
	}
	return string(s)
}

// stateWhy reports whether an invoice's reason is worth showing in its
// state: why it failed, waits, was skipped or needs a person.
func stateWhy(s store.InvoiceState) bool {
	switch s {
	case store.StateFailed, store.StateAttention, store.StateWaiting, store.StateNotSent:
		return true
	}
	return false
}

// invoicesQuery is the page's query as the URL has it; unknown values are
// dropped rather than refused, so an old bookmark still opens.
type invoicesQuery struct {
	Search, State, From, To, Sort string
	Desc                          bool
	After, Before                 string
}

// dateParam keeps a YYYY-MM-DD date (what <input type=date> sends).
func dateParam(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

func readInvoicesQuery(v url.Values) invoicesQuery {
	q := invoicesQuery{
		Search: strings.TrimSpace(v.Get("q")),
		From:   dateParam(v.Get("from")),
		To:     dateParam(v.Get("to")),
		Sort:   string(store.SortDate),
		Desc:   true, // newest invoices first
	}
	for _, s := range store.InvoiceStates() {
		if v.Get("state") == string(s) {
			q.State = string(s)
		}
	}
	if s := store.InvoiceSort(v.Get("sort")); store.ValidInvoiceSort(s) {
		q.Sort, q.Desc = string(s), s == store.SortDate
	}
	switch v.Get("dir") {
	case "asc":
		q.Desc = false
	case "desc":
		q.Desc = true
	}
	if c, ok := store.ParseInvoiceCursor(v.Get("after")); ok {
		q.After = c.String()
	} else if c, ok := store.ParseInvoiceCursor(v.Get("before")); ok {
		q.Before = c.String()
	}
	return q
}

// store turns the query into the store's, with the waiting codes the
// dashboard counts with.
func (q invoicesQuery) store(limit int) store.InvoiceListQuery {
	sq := store.InvoiceListQuery{Waiting: problems.WaitingCodes(), Search: q.Search, State: store.InvoiceState(q.State),
		From: q.From, To: q.To, Sort: store.InvoiceSort(q.Sort), Desc: q.Desc, Limit: limit}
	if c, ok := store.ParseInvoiceCursor(q.After); ok {
		sq.After = &c
	}
	if c, ok := store.ParseInvoiceCursor(q.Before); ok {
		sq.Before = &c
	}
	return sq
}

// url is the query's address on path, with changes applied; the default
// sort is left out, so the plain address is the first page.
func (q invoicesQuery) url(path string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", q.Search)
	set("state", q.State)
	set("from", q.From)
	set("to", q.To)
	if q.Sort != string(store.SortDate) || !q.Desc {
		v.Set("sort", q.Sort)
		v.Set("dir", map[bool]string{true: "desc", false: "asc"}[q.Desc])
	}
	set("after", q.After)
	set("before", q.Before)
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// invoicesURL is the invoices page filtered to one state: where the
// dashboard's counts and problems link (problems.InvoicesLink).
func invoicesURL(state store.InvoiceState) string { return problems.InvoicesLink(state) }

type invoicesData struct {
	Q        invoicesQuery
	Filtered bool
	Rows     []invoiceRow
	Total    int
	// States are the state filter's choices with their counts for the
	// search (the "any state" one first).
	States                             []stateChoice
	Columns                            []sortColumn
	PrevURL, NextURL, FirstURL, CSVURL string
}

type stateChoice struct {
	Value, Label string
	N            int
	URL          string
	Current      bool
}

// sortColumn is a column header: its link sorts by it, the other way
// round when it is the sort already.
type sortColumn struct {
	Label, Key, URL string
	// Sorted is aria-sort's value: ascending, descending or "".
	Sorted string
}

type invoiceRow struct {
	store.InvoiceRow
	Href, Label, Why, Date, Total string
	TrackingNumbers               []string
}

func rowOf(r store.InvoiceRow) invoiceRow {
	out := invoiceRow{InvoiceRow: r, Href: "/invoices/" + url.PathEscape(r.InvoiceID), Label: stateLabel(r.State),
		TrackingNumbers: strings.Fields(r.Tracking)}
	if stateWhy(r.State) {
		out.Why = r.Reason
	}
	if d, err := time.Parse(time.DateOnly, r.InvoiceDate); err == nil {
		out.Date = d.Format("2 Jan 2006")
	}
	if r.TotalCents != 0 || r.Currency != "" {
		out.Total = strings.TrimSpace(centsText(r.TotalCents) + " " + r.Currency)
	}
	return out
}

// centsText writes hundredths as an amount with thousands separators:
// 123456 is "1,234.56".
func centsText(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return sign + thousands(int(cents/100)) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
}

// invoicesPage lists the account's invoices, one row each with where it
// stands now.
func (s *Server) invoicesPage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	q := readInvoicesQuery(r.URL.Query())
	list, err := s.st.ListInvoices(r.Context(), ss.s.AccountID, q.store(invoicesPageSize))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d := invoicesData{Q: q, Total: list.Total, Filtered: q.Search != "" || q.State != "" || q.From != "" || q.To != ""}
	for _, row := range list.Rows {
		d.Rows = append(d.Rows, rowOf(row))
	}
	first := q
	first.After, first.Before = "", ""
	all := 0
	for _, st := range store.InvoiceStates() {
		all += list.Counts[st]
	}
	anyState := first
	anyState.State = ""
	d.States = append(d.States, stateChoice{Label: "Any state", N: all, URL: anyState.url("/invoices"), Current: q.State == ""})
	for _, st := range store.InvoiceStates() {
		f := first
		f.State = string(st)
		d.States = append(d.States, stateChoice{Value: string(st), Label: stateLabel(st), N: list.Counts[st],
			URL: f.url("/invoices"), Current: q.State == string(st)})
	}
	for _, c := range []struct{ label, key string }{{"Invoice", "number"}, {"Customer", "customer"}, {"Date", "date"},
		{"Total", "total"}, {"State", "state"}} {
		col := sortColumn{Label: c.label, Key: c.key}
		f := first
		f.Sort, f.Desc = c.key, c.key == string(store.SortDate)
		if q.Sort == c.key {
			f.Desc = !q.Desc
			col.Sorted = map[bool]string{true: "descending", false: "ascending"}[q.Desc]
		}
		col.URL = f.url("/invoices")
		d.Columns = append(d.Columns, col)
	}
	if list.Prev != nil {
		p := first
		p.Before = list.Prev.String()
		d.PrevURL, d.FirstURL = p.url("/invoices"), first.url("/invoices")
	}
	if list.Next != nil {
		n := first
		n.After = list.Next.String()
		d.NextURL = n.url("/invoices")
	}
	d.CSVURL = first.url("/invoices.csv")
	s.render(w, r, http.StatusOK, "invoices", page{Title: "Invoices", Nav: "invoices", Data: d})
}

// invoicesCSV downloads every invoice of the page's search, filters and
// sort (not only the page shown), up to maxCSVRows, read a keyset page at
// a time. It writes through CSVWriter, the log's CSV writer, so customer
// text never runs as a spreadsheet formula, whatever the separator.
func (s *Server) invoicesCSV(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	q := readInvoicesQuery(r.URL.Query())
	q.After, q.Before = "", ""
	sq := q.store(1000)
	list, err := s.st.ListInvoices(r.Context(), ss.s.AccountID, sq)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cw, extend := startCSVDownload(w, "orderbridge-invoices.csv")
	_ = cw.WriteRow("invoice_id", "invoice_number", "customer", "date", "total", "currency", "ship_city", "ship_country",
		"state", "why", "tracking_numbers", "updated")
	for rows := 0; ; {
		for _, row := range list.Rows {
			v := rowOf(row)
			_ = cw.WriteRow(v.InvoiceID, v.InvoiceNumber, v.Customer, v.InvoiceDate, centsText(v.TotalCents), v.Currency,
				v.ShipCity, v.ShipCountry, v.Label, v.Why, strings.Join(v.TrackingNumbers, " "), v.UpdatedAt.UTC().Format(time.RFC3339))
			rows++
		}
		if list.Next == nil || rows >= maxCSVRows {
			break
		}
		sq.After = list.Next
		if list, err = s.st.ListInvoices(r.Context(), ss.s.AccountID, sq); err != nil {
			s.abortCSV(r, cw, "invoices", rows, err)
		}
		extend()
	}
	s.finishCSV(r, cw, "invoices")
}
