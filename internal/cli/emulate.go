package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
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

// names collects a repeatable flag of non-empty names (--org, --store).
type names struct {
	what string // "an organisation", "a store": for the error
	list []string
}

func (n *names) String() string { return strings.Join(n.list, ",") }

func (n *names) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s needs a name", n.what)
	}
	n.list = append(n.list, v)
	return nil
}

// flagGiven reports whether the flag was on the command line, for flags
// whose default cannot be told from a given value.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// emulatorKnobs parses the --rate-limit and --faults values every emulator
// takes; a mistake is printed and reported as a usage error.
func emulatorKnobs(env *Env, rate, faults string) (emukit.RateLimit, emukit.FaultConfig, error) {
	rl, err := emukit.ParseRateLimit(rate)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return rl, emukit.FaultConfig{}, errUsage
	}
	fc, err := emukit.ParseFaults(faults)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return rl, fc, errUsage
	}
	return rl, fc, nil
}

// listen opens addr (port 0 picks a free one) and returns the listener
// with its base URL, which the emulator needs before anything is printed.
func listen(ctx context.Context, addr string) (net.Listener, string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, "http://" + ln.Addr().String(), nil
}

// serveUntilDone serves h on ln until ctx ends, then shuts the server down
// gracefully (five seconds at most).
func serveUntilDone(ctx context.Context, env *Env, what string, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	env.Logger.Info(what+" serving", "addr", ln.Addr().String())
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
