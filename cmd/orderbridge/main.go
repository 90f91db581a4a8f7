// Command orderbridge keeps a merchant's Xero invoices and ShipStation orders
// in step. Every subcommand lives in internal/cli; main only wires the
// process's signals, arguments and standard streams to it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/orderbridge/orderbridge/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
