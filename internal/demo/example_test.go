package demo_test

import (
	"fmt"
	"time"

	"github.com/orderbridge/orderbridge/internal/demo"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// Seeding both emulators, as `orderbridge demo` does, and finding the
// showcase invoice whose contact has no address. The same seed and Now give
// the same organisation every time, so these numbers only change when the
// generator does.
func Example() {
	x := xeroemu.New(xeroemu.Options{RateLimit: emukit.NoRateLimit, OrgNames: []string{demo.OrgName}})
	defer x.Close()
	ss := shipstationemu.New(shipstationemu.Options{RateLimit: emukit.NoRateLimit})
	defer ss.Close()

	opts := demo.Options{Seed: 1, Now: time.Date(2026, time.November, 20, 22, 15, 0, 0, time.UTC)}
	sum, err := demo.SeedXero(x, x.DefaultTenantID(), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	store, err := demo.SeedShipStation(ss, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.OrgName)
	fmt.Println("contacts:", sum.Contacts, "sales invoices:", sum.SalesInvoices, "bills:", sum.Bills)
	fmt.Println("paid:", sum.ByStatus["PAID"], "voided:", sum.ByStatus["VOIDED"])
	fmt.Println("exported by default:", sum.ExpectedExports)
	n, _ := sum.Invoice("no-address")
	fmt.Println(n.InvoiceNumber, n.Contact, n.Expect, n.Cause)
	fmt.Println("store:", store.StoreName)
	// Output:
	// Kōwhai Café Supplies Ltd
	// contacts: 25 sales invoices: 56 bills: 4
	// paid: 12 voided: 2
	// exported by default: 32
	// INV-0005 Tui Gardens skip no_address
	// store: Xero Orders
}
