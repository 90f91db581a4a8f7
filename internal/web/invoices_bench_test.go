package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/store/storetest"
)

// benchInvoices is how many invoices the page's benchmark seeds.
const benchInvoices = 100_000

// seedBenchInvoices loads n invoices for one account in bulk: about a
// thousand customers, two years of dates, and the states a busy account
// has (mostly shipped, some open, failing, waiting or skipped).
func seedBenchInvoices(b *testing.B, st *store.Store, n int) int64 {
	b.Helper()
	ctx := b.Context()
	acc, err := st.CreateAccount(ctx, "Busy Ltd")
	if err != nil {
		b.Fatal(err)
	}
	// A second account, so every query must pick its account's rows.
	other, err := st.CreateAccount(ctx, "Other Ltd")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	links := make([]store.InvoiceLink, 0, n+1000)
	for i := range n {
		l := store.InvoiceLink{AccountID: acc.ID, InvoiceID: fmt.Sprintf("%08x-0000-4000-8000-%012x", i*7919, i),
			InvoiceNumber: fmt.Sprintf("INV-%06d", i+1), Customer: fmt.Sprintf("Customer %04d Ltd", (i*31)%1013),
			InvoiceDate: start.AddDate(0, 0, i*730/n).Format(time.DateOnly), Currency: "NZD", TotalCents: int64(1000 + (i*7717)%500000),
			ShipCity: "Auckland", ShipCountry: "NZ", Decision: store.DecisionExported, OrderID: int64(500000000 + i), OrderStatus: "shipped",
			Tracking: fmt.Sprintf("1Z%016d", i), WrittenBack: i%3 != 0, UpdatedAt: start.Add(time.Duration(i) * time.Minute)}
		switch i % 20 {
		case 0:
			l.Decision, l.Reason, l.OrderStatus, l.Tracking, l.WrittenBack = store.DecisionFailed, "ShipStation refused the order.", "", "", false
		case 1:
			l.Decision, l.ReasonCode, l.Reason, l.OrderID, l.OrderStatus, l.Tracking, l.WrittenBack =
				store.DecisionSkipped, "no_address", "Add a street address to the contact.", 0, "", "", false
		case 2, 3:
			l.OrderStatus, l.Tracking, l.WrittenBack = "awaiting_shipment", "", false
		case 4:
			l.Decision, l.ReasonCode, l.Reason, l.OrderID, l.OrderStatus, l.Tracking, l.WrittenBack =
				store.DecisionSkipped, "status", "A draft.", 0, "", "", false
		}
		links = append(links, l)
	}
	for i := range 1000 {
		links = append(links, store.InvoiceLink{AccountID: other.ID, InvoiceID: fmt.Sprintf("other-%d", i),
			InvoiceNumber: fmt.Sprintf("INV-%06d", i+1), Customer: "Customer 0001 Ltd", InvoiceDate: "2025-01-01"})
	}
	if err := st.ImportInvoiceLinks(ctx, links); err != nil {
		b.Fatal(err)
	}
	return acc.ID
}

// BenchmarkInvoicesPage times /invoices at 100,000 invoices, from the
// query to the rendered page: the first page, a search by part of an
// invoice number, by part of a customer's name, a state filter, and a
// page deep in the list. On SQLite, and on PostgreSQL when
// ORDERBRIDGE_TEST_DATABASE_URL is set. doc/operations.md has the
// figures.
func BenchmarkInvoicesPage(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) *store.Store
	}{
		{"sqlite", func(b *testing.B) *store.Store {
			st, err := store.Open(b.Context(), filepath.Join(b.TempDir(), "bench.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}},
	}
	if os.Getenv(storetest.EnvDatabaseURL) != "" {
		stores = append(stores, struct {
			name string
			open func(b *testing.B) *store.Store
		}{"postgres", func(b *testing.B) *store.Store { return storetest.OpenPostgresTB(b) }})
	}
	for _, sc := range stores {
		b.Run(sc.name, func(b *testing.B) {
			st := sc.open(b)
			if err := st.Migrate(b.Context()); err != nil {
				b.Fatal(err)
			}
			acc := seedBenchInvoices(b, st, benchInvoices)
			srv, err := New(Config{Store: st, BaseURL: "https://orderbridge.example"})
			if err != nil {
				b.Fatal(err)
			}
			ss := &sessionState{s: store.Session{AccountID: acc}}
			// A cursor half-way down the default order.
			deep, err := st.ListInvoices(b.Context(), acc, store.InvoiceListQuery{Sort: store.SortDate, Desc: true, Limit: benchInvoices / 2})
			if err != nil {
				b.Fatal(err)
			}
			for _, pc := range []struct{ name, path string }{
				{"list", "/invoices"},
				{"search_number", "/invoices?q=inv-0421"},
				{"search_customer", "/invoices?q=customer+0042"},
				{"search_tracking", "/invoices?q=1Z00000000000004217"},
				{"filter_state", "/invoices?state=waiting"},
				{"sort_customer", "/invoices?sort=customer&dir=asc"},
				{"deep_page", "/invoices?after=" + deep.Rows[len(deep.Rows)-1].Cursor.String()},
			} {
				b.Run(pc.name, func(b *testing.B) {
					for b.Loop() {
						rec := httptest.NewRecorder()
						srv.invoicesPage(rec, httptest.NewRequest(http.MethodGet, pc.path, nil), ss)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: %d", pc.path, rec.Code)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				})
			}
		})
	}
}
