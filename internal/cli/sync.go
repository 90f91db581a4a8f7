package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

func runSync(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "sync", "sync [--account ID] [--since DATE] [--dry-run] [flags]",
		"Run one export now, in this process, and print a summary per account: what was exported,\n"+
			"updated, cancelled, unchanged, skipped or failed, and how many API calls it took. Without\n"+
			"--account every account runs. --since DATE (2006-01-02 or RFC 3339) reads invoices changed\n"+
			"since then instead of since the account's cursor. --dry-run sends nothing, records nothing\n"+
			"and moves no cursor: it prints each invoice's decision and the order that would be sent.\n"+
			"Do not run it for an account while `serve` is exporting the same account.")
	cfg, err := configFlagsFor(env, fs, flagsSync)
	if err != nil {
		return err
	}
	account := fs.Int64("account", 0, "account `ID` to export (default every account)")
	sinceText := fs.String("since", "", "read invoices changed since `DATE` (2006-01-02 or RFC 3339)")
	dryRun := fs.Bool("dry-run", false, "print what would be sent and why each invoice would be skipped; send nothing")
	withEnv(fs, config.EnvSecretKey, config.EnvSecretKeysPrevious, config.EnvXeroClientSecret, config.EnvXeroReserve, config.EnvXeroTimeScale)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	var since time.Time
	if *sinceText != "" {
		if since, err = parseSince(*sinceText); err != nil {
			fmt.Fprintln(env.Stderr, err)
			fs.Usage()
			return errUsage
		}
	}
	a, err := app.New(ctx, *cfg, app.Options{Logger: logger(env, cfg), NoSweep: true})
	if err != nil {
		return err
	}
	defer a.Close()
	var ids []int64
	if *account != 0 {
		ids = []int64{*account}
	} else {
		accounts, err := a.Store.ListAccounts(ctx)
		if err != nil {
			return err
		}
		for _, acc := range accounts {
			ids = append(ids, acc.ID)
		}
		if len(ids) == 0 {
			fmt.Fprintln(env.Stdout, "no accounts")
			return nil
		}
	}
	var failed []error
	for _, id := range ids {
		acc, err := a.Store.Account(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			failed = append(failed, fmt.Errorf("account %d does not exist", id))
			continue
		}
		if err != nil {
			return err
		}
		opts := worker.RunOptions{Since: since, DryRun: *dryRun}
		if *dryRun {
			opts.OnInvoice = func(r worker.InvoiceResult) { printDryRun(env.Stdout, r) }
		}
		sum, err := a.ExportNow(ctx, id, opts)
		prefix := "account"
		if *dryRun {
			prefix = "dry run of account"
		}
		fmt.Fprintf(env.Stdout, "%s %d (%s): %s\n", prefix, id, acc.Name, sum)
		if err != nil {
			fmt.Fprintf(env.Stdout, "account %d stopped: %v\n", id, err)
			failed = append(failed, fmt.Errorf("account %d: %w", id, err))
		}
	}
	return errors.Join(failed...)
}

// parseSince reads a date (midnight UTC) or an RFC 3339 instant.
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date (2006-01-02) or an RFC 3339 time", s)
}

// printDryRun prints one invoice's decision and, when an order would be
// sent, the order's JSON.
func printDryRun(w io.Writer, r worker.InvoiceResult) {
	label := r.InvoiceNumber
	if label == "" {
		label = r.InvoiceID
	}
	verb := map[worker.Outcome]string{
		worker.OutcomeExported: "would export", worker.OutcomeUpdated: "would update", worker.OutcomeCancelled: "would cancel",
		worker.OutcomeUnchanged: "unchanged", worker.OutcomeSkipped: "would skip", worker.OutcomeAlert: "needs attention",
		worker.OutcomeFailed: "would fail",
	}[r.Outcome]
	fmt.Fprintf(w, "%s: %s: %s\n", label, verb, r.Reason)
	for _, warning := range r.Decision.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
	for _, note := range r.Decision.Notes {
		fmt.Fprintf(w, "  note: %s\n", note)
	}
	switch r.Outcome {
	case worker.OutcomeExported, worker.OutcomeUpdated, worker.OutcomeCancelled:
		if r.Decision.Order != nil {
			b, err := json.MarshalIndent(r.Decision.Order, "  ", "  ")
			if err == nil {
				fmt.Fprintf(w, "  order: %s\n", strings.TrimSpace(string(b)))
			}
		}
	}
}
