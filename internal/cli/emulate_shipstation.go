package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

// storeNames collects repeated --store flags.
type storeNames []string

func (s *storeNames) String() string { return strings.Join(*s, ",") }

func (s *storeNames) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("a store needs a name")
	}
	*s = append(*s, v)
	return nil
}

func runEmulateShipStation(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "emulate shipstation", "emulate shipstation [flags]",
		"Serve an in-memory ShipStation V1 API (orders, labels, shipments, fulfillments, stores,\n"+
			"carriers, webhooks) until interrupted. Authenticate with HTTP Basic using the printed key and secret.")
	addr := fs.String("addr", "127.0.0.1:7002", "`host:port` to listen on (port 0 picks a free one)")
	key := fs.String("api-key", "", "API key to accept (generated when empty)")
	secret := fs.String("api-secret", "", "API secret to accept (generated when empty)")
	rate := fs.String("rate-limit", "real", "40 calls/minute per key pair: `real`, off, or a time scale such as 60")
	faults := fs.String("faults", "none", "fault injection, e.g. errors=0.1,statuses=500/503,latency=200ms,offline,seed=7")
	var stores storeNames
	fs.Var(&stores, "store", "add a manual store with this `name` besides the default one (repeatable)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	rl, err := emukit.ParseRateLimit(*rate)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return errUsage
	}
	fc, err := emukit.ParseFaults(*faults)
	if err != nil {
		fmt.Fprintln(env.Stderr, err)
		return errUsage
	}
	emu := shipstationemu.New(shipstationemu.Options{
		APIKey: *key, APISecret: *secret, RateLimit: rl, Faults: fc, Logger: env.Logger,
	})
	defer emu.Close()
	for _, name := range stores {
		emu.AddStore(name)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	emu.SetURL(base)
	fmt.Fprintf(env.Stdout, "base URL: %s\n", base)
	fmt.Fprintf(env.Stdout, "API key: %s\n", emu.APIKey())
	fmt.Fprintf(env.Stdout, "API secret: %s\n", emu.APISecret())
	for _, s := range emu.Stores() {
		fmt.Fprintf(env.Stdout, "store: %d %s\n", s.StoreID, s.StoreName)
	}
	fmt.Fprintf(env.Stdout, "rate limit: %s\n", rl)
	fmt.Fprintf(env.Stdout, "faults: %s\n", fc)

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	env.Logger.Info("shipstation emulator serving", "addr", ln.Addr().String())
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

var _ flag.Value = (*storeNames)(nil)
