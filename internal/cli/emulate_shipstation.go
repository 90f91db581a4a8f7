package cli

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/shipstation/shipstationemu"
)

func runEmulateShipStation(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "emulate shipstation", "emulate shipstation [flags]",
		"Serve an in-memory ShipStation V1 API (orders, labels, shipments, fulfillments, stores,\n"+
			"carriers, webhooks) until interrupted. Authenticate with HTTP Basic using the printed key and secret.")
	addr := fs.String("addr", "127.0.0.1:7002", "`host:port` to listen on (port 0 picks a free one)")
	key := fs.String("api-key", "", "API key to accept (generated when empty)")
	secret := fs.String("api-secret", "", "API secret to accept (generated when empty)")
	rate := fs.String("rate-limit", "real", "40 calls/minute per key pair: `real`, off, or a time scale such as 60")
	faults := fs.String("faults", "none", "fault injection, e.g. errors=0.1,statuses=500/503,latency=200ms,offline,seed=7")
	stores := names{what: "a store"}
	fs.Var(&stores, "store", "add a manual store with this `name` besides the default one (repeatable)")
	keyPairs := fs.Int("key-pairs", 1, "serve `N` API key pairs, each with its own store and 40/min budget (the first is\n"+
		"--api-key/--api-secret with the default store): for multi-merchant load tests")
	adminToken := fs.String("admin-token", "", "token for the admin API under /_emulator (generated when empty)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if *keyPairs < 1 {
		fmt.Fprintf(env.Stderr, "--key-pairs %d: want at least 1\n", *keyPairs)
		return errUsage
	}
	rl, fc, err := emulatorKnobs(env, *rate, *faults)
	if err != nil {
		return err
	}
	emu := shipstationemu.New(shipstationemu.Options{
		APIKey: *key, APISecret: *secret, RateLimit: rl, Faults: fc, Logger: env.Logger, AdminToken: *adminToken,
	})
	defer emu.Close()
	for _, name := range stores.list {
		emu.AddStore(name)
	}
	// Each further key pair stands for another merchant: it gets a store
	// of its own to send that merchant's orders to.
	pairStores := []int64{emu.DefaultStoreID()}
	for i := 2; i <= *keyPairs; i++ {
		emu.AddKeyPair()
		pairStores = append(pairStores, emu.AddStore(fmt.Sprintf("Merchant %d", i)).StoreID)
	}
	ln, base, err := listen(ctx, *addr)
	if err != nil {
		return err
	}
	emu.SetURL(base)
	fmt.Fprintf(env.Stdout, "base URL: %s\n", base)
	fmt.Fprintf(env.Stdout, "API key: %s\n", emu.APIKey())
	fmt.Fprintf(env.Stdout, "API secret: %s\n", emu.APISecret())
	for _, s := range emu.Stores() {
		fmt.Fprintf(env.Stdout, "store: %d %s\n", s.StoreID, s.StoreName)
	}
	for i, kp := range emu.KeyPairs() {
		fmt.Fprintf(env.Stdout, "key pair: %s %s %d\n", kp.APIKey, kp.APISecret, pairStores[i])
	}
	fmt.Fprintf(env.Stdout, "admin URL: %s%s\n", base, emukit.AdminPrefix)
	fmt.Fprintf(env.Stdout, "admin token: %s\n", emu.AdminToken())
	fmt.Fprintf(env.Stdout, "rate limit: %s\n", rl)
	fmt.Fprintf(env.Stdout, "faults: %s\n", fc)

	return serveUntilDone(ctx, env, "shipstation emulator", ln, emu)
}
