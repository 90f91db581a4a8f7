package shipstation_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// Two clients on one key pair share one Budget; a bulk upsert reports one
// result per order.
func ExampleClient_CreateOrders() {
	emu := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	defer emu.Close()
	emu.SetURL(srv.URL)

	budget := shipstation.NewMemoryBudget(shipstation.DefaultRateLimit)
	newClient := func() *shipstation.Client {
		c, err := shipstation.New(shipstation.Config{BaseURL: srv.URL, APIKey: emu.APIKey(), APISecret: emu.APISecret(), Budget: budget})
		if err != nil {
			panic(err)
		}
		return c
	}
	importer, poller := newClient(), newClient()

	ctx := context.Background()
	var orders []shipstation.Order
	for i := range 3 {
		orders = append(orders, shipstation.Order{
			OrderNumber: fmt.Sprintf("INV-%d", i),
			OrderKey:    fmt.Sprintf("xero:tenant:invoice-%d", i),
			OrderDate:   importer.DateTime(time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC)),
			OrderStatus: shipstation.StatusAwaitingShipment,
			BillTo:      shipstation.Address{Name: "Customer Ltd", Country: "NZ"},
			ShipTo:      shipstation.Address{Name: "Jane Receiver", Street1: "1 Queen St", City: "Auckland", PostalCode: "1010", Country: "NZ"},
		})
	}
	orders[2].OrderNumber = "" // rejected by ShipStation: orderNumber is required
	results, err := importer.CreateOrders(ctx, orders)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.OrderKey, r.Err == nil)
	}
	for o, err := range poller.Orders(ctx, shipstation.OrderFilter{SortBy: shipstation.SortOrderDate}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(o.OrderNumber, poller.Time(o.OrderDate).Format(time.RFC3339), o.OrderDate)
	}
	// Output:
	// xero:tenant:invoice-0 true
	// xero:tenant:invoice-1 true
	// xero:tenant:invoice-2 false
	// INV-0 2026-03-08T10:00:00Z 2026-03-08 03:00:00
	// INV-1 2026-03-08T10:00:00Z 2026-03-08 03:00:00
}
