package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func runAccounts(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "accounts",
		"The merchants' accounts: each is one Xero organisation and ShipStation store, its settings,\n"+
			"log and users.",
		accountsCommands(), args)
}

func runAccountsList(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "accounts list", "accounts list [flags]",
		"List every account: its id and name, how many users it has, the state of its Xero and\n"+
			"ShipStation connections, its last export and write-back runs with their outcome (River keeps\n"+
			"ended runs for a day), and its problems. Needs no secret key; runs beside serve.")
	cfg, err := configFlagsFor(env, fs, flagsDatabase)
	if err != nil {
		return err
	}
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	health, err := app.AccountsOverview(ctx, *cfg, logger(env, cfg))
	if err != nil {
		return err
	}
	if len(health) == 0 {
		fmt.Fprintln(env.Stdout, "no accounts (`orderbridge users create --account NAME` makes one)")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tUSERS\tXERO\tSHIPSTATION\tLAST EXPORT\tLAST WRITE-BACK")
	for _, h := range health {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", h.Account.ID, h.Account.Name, h.Users,
			connText(h.Xero, func(m store.ConnectionMetadata) string { return m.TenantName }),
			connText(h.ShipStation, func(m store.ConnectionMetadata) string { return m.StoreName }),
			runText(h.Runs.Export), runText(h.Runs.WriteBack))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, h := range health {
		for _, p := range h.Problems {
			fmt.Fprintf(env.Stdout, "account %d: %s\n", h.Account.ID, p)
		}
	}
	return nil
}

// connText is a connection's state and what it reaches.
func connText(c *store.Connection, name func(store.ConnectionMetadata) string) string {
	if c == nil {
		return "not connected"
	}
	s := strings.ReplaceAll(string(c.Status), "_", " ")
	if n := name(c.Metadata); n != "" {
		s += " (" + n + ")"
	}
	return s
}

// runText is an ended run's outcome and when it ended.
func runText(r *worker.EndedRun) string {
	if r == nil {
		return "none"
	}
	outcome := "succeeded"
	if r.State == worker.RunFailed {
		outcome = "failed"
	}
	return outcome + " " + r.At.UTC().Format(time.RFC3339)
}

func runAccountsDelete(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "accounts delete", "accounts delete --id ID [--yes] [flags]",
		"Delete an account and everything it owns: first its ShipStation webhook subscription (through\n"+
			"ShipStation's API with the account's stored key; one already gone is fine) and its Xero\n"+
			"organisation's connection to the app (Xero's connections API), then every row: connections,\n"+
			"settings, invoice links, contacts, log, cursors, shipments, webhook events, quota and egress,\n"+
			"its users and their sessions, its queued jobs and its rate budgets. What cannot be removed at\n"+
			"a service is printed. Without --yes it asks for the account's name on a terminal. It needs the\n"+
			"Xero app's settings and the secret key (to reach the services); on SQLite stop serve first.")
	cfg, err := configFlagsFor(env, fs, append(append([]string{}, flagsDatabase...),
		"xero-client-id", "xero-base-url", "xero-redirect-url", "xero-scopes", "shipstation-base-url"))
	if err != nil {
		return err
	}
	id := fs.Int64("id", 0, "`ID` of the account to delete (`orderbridge accounts list`)")
	yes := fs.Bool("yes", false, "do not ask for confirmation")
	withEnv(fs, config.EnvSecretKey, config.EnvSecretKeysPrevious, config.EnvXeroClientSecret)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		fmt.Fprintln(env.Stderr, "--id is required")
		fs.Usage()
		return errUsage
	}
	a, err := app.New(ctx, *cfg, app.Options{Logger: logger(env, cfg), NoSweep: true})
	if err != nil {
		return err
	}
	defer a.Close()
	acct, err := a.Store.Account(ctx, *id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("there is no account %d (`orderbridge accounts list` shows them)", *id)
	}
	if err != nil {
		return err
	}
	if !*yes {
		if err := confirmName(env, acct); err != nil {
			return err
		}
	}
	d, err := a.DeleteAccount(ctx, *id)
	if err != nil {
		return err
	}
	if d.WebhookRemoved {
		fmt.Fprintln(env.Stdout, "ShipStation webhook subscription deleted")
	}
	if d.XeroDisconnected {
		fmt.Fprintln(env.Stdout, "Xero organisation disconnected from the app")
	}
	fmt.Fprintf(env.Stdout, "deleted account %d (%s) with all its data (%d queued or ended jobs)\n", acct.ID, acct.Name, d.Purge.Jobs)
	for _, r := range d.Remains {
		fmt.Fprintf(env.Stdout, "still to do by hand: %s\n", r)
	}
	return nil
}

// confirmName asks, on a terminal, for the account's name before deleting.
func confirmName(env *Env, acct store.Account) error {
	if _, ok := terminalOf(env.Stdin); !ok {
		return errors.New("standard input is not a terminal: give --yes to delete without confirmation")
	}
	fmt.Fprintf(env.Stderr, "This deletes account %d (%s) and all its data. Type its name to confirm: ", acct.ID, acct.Name)
	line, err := readLine(env.Stdin, "confirmation")
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != acct.Name {
		return errors.New("the name does not match: nothing deleted")
	}
	return nil
}

// accountsCommands lists the "accounts" subcommands.
func accountsCommands() []command {
	return []command{
		{"list", "list every account: users, connections, last runs and problems", runAccountsList},
		{"delete", "delete an account with everything it owns, its webhook and Xero connection too", runAccountsDelete},
	}
}
