package cli

import (
	"context"
	"fmt"
	"io"
)

// emulators lists the "emulate" subcommands; each lives in its own file.
func emulators() []command {
	return []command{
		// Filled in as each emulator lands: {"xero", ...}, {"shipstation", ...}.
		{"xero", "Xero: OAuth2, connections, invoices, contacts, payments, history notes, tracking, webhooks", runEmulateXero},
		{"shipstation", "ShipStation V1 API: orders, labels, shipments, stores, webhooks", runEmulateShipStation},
	}
}

func runEmulate(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		w := env.Stdout
		if len(args) == 0 {
			w = env.Stderr
		}
		printEmulateUsage(w)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range emulators() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "unknown emulator %q\n\n", args[0])
	printEmulateUsage(env.Stderr)
	return errUsage
}

func printEmulateUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: orderbridge emulate <service> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Serves a local emulator of a vendor API until interrupted.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Services:")
	for _, c := range emulators() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
}
