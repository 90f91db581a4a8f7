package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func runEmulateXero(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "emulate xero", "emulate xero [flags]",
		"Serve an in-memory Xero (OAuth2 with automatic consent, /connections, and the Accounting API's\n"+
			"Contacts, Invoices, Payments, History, TrackingCategories, Organisation) on one host until\n"+
			"interrupted. Every endpoint and credential is printed as 'label: value'.")
	addr := fs.String("addr", "127.0.0.1:7001", "`host:port` to listen on (port 0 picks a free one)")
	clientID := fs.String("client-id", "", "OAuth2 client id to accept (generated when empty)")
	clientSecret := fs.String("client-secret", "", "OAuth2 client secret to accept (generated when empty)")
	webhookURL := fs.String("webhook-url", "", "`URL` to deliver INVOICE and CONTACT webhooks to (none when empty)")
	webhookKey := fs.String("webhook-key", "", "key that signs webhook deliveries (generated when empty)")
	rate := fs.String("rate-limit", "real", "Xero's limits (60/min, the --tier day limit, 5 in flight per org): `real`, off, or a time scale such as 60")
	appCreated := fs.String("app-created", "", "`date` (YYYY-MM-DD) the Xero app was created; before 2026-03-02 it may also request the broad\n"+
		"accounting.transactions scope (default: a new app, granular scopes only)")
	tierName := fs.String("tier", "core", "the app's Xero developer `tier`: starter (1,000 calls/day per org, 5 connected orgs), core (5,000, 50),\n"+
		"plus (5,000, 1,000) or advanced (5,000, 10,000)")
	faults := fs.String("faults", "none", "fault injection, e.g. errors=0.1,statuses=500/503,latency=200ms,offline,seed=7")
	orgs := names{what: "an organisation"}
	fs.Var(&orgs, "org", "organisation `name` (repeatable; default one \"Demo Company (Global)\")")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	rl, fc, err := emulatorKnobs(env, *rate, *faults)
	if err != nil {
		return err
	}
	tier, err := xeroemu.ParseTier(*tierName)
	if err != nil {
		fmt.Fprintf(env.Stderr, "--tier: %v\n", err)
		return errUsage
	}
	var created time.Time
	if *appCreated != "" {
		if created, err = time.Parse(time.DateOnly, *appCreated); err != nil {
			fmt.Fprintf(env.Stderr, "--app-created %q is not a date (YYYY-MM-DD)\n", *appCreated)
			return errUsage
		}
	}
	emu := xeroemu.New(xeroemu.Options{
		ClientID: *clientID, ClientSecret: *clientSecret, OrgNames: orgs.list, RateLimit: rl, Faults: fc,
		WebhookURL: *webhookURL, WebhookKey: *webhookKey, Logger: env.Logger, AppCreated: created, Tier: tier,
	})
	defer emu.Close()

	ln, base, err := listen(ctx, *addr)
	if err != nil {
		return err
	}
	emu.SetURL(base)
	out := env.Stdout
	fmt.Fprintf(out, "base URL: %s\n", base)
	fmt.Fprintf(out, "authorize URL: %s/identity/connect/authorize\n", base)
	fmt.Fprintf(out, "token URL: %s/connect/token\n", base)
	fmt.Fprintf(out, "connections URL: %s/connections\n", base)
	fmt.Fprintf(out, "API URL: %s/api.xro/2.0\n", base)
	for _, id := range emu.TenantIDs() {
		fmt.Fprintf(out, "tenant id: %s (%s)\n", id, emu.OrgName(id))
	}
	fmt.Fprintf(out, "client id: %s\n", emu.ClientID())
	fmt.Fprintf(out, "client secret: %s\n", emu.ClientSecret())
	if *webhookURL != "" {
		fmt.Fprintf(out, "webhook URL: %s\n", *webhookURL)
	}
	fmt.Fprintf(out, "webhook key: %s\n", emu.WebhookKey())
	if emu.GranularOnly() {
		fmt.Fprintf(out, "app scopes: granular only (an app created on or after 2 March 2026)\n")
	} else {
		fmt.Fprintf(out, "app scopes: broad and granular (an app created %s)\n", created.Format(time.DateOnly))
	}
	fmt.Fprintf(out, "tier: %s (%d calls a day per organisation, at most %d connected organisations)\n",
		emu.Tier(), emu.DayLimit(), emu.Tier().MaxConnections())
	fmt.Fprintf(out, "rate limit: %s\n", rl)
	fmt.Fprintf(out, "faults: %s\n", fc)

	return serveUntilDone(ctx, env, "xero emulator", ln, emu)
}
