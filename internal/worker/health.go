package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/orderbridge/orderbridge/internal/store"
)

// Account states for the operator's metrics (web.Metrics.Accounts): an
// account with no problem is StateOK; one with problems counts under each.
const (
	StateOK              = "ok"
	StateReconnectNeeded = "reconnect_needed"
	StateQuotaLow        = "quota_low"
	StateWebhooksOff     = "webhooks_off"
	StateStuck           = "stuck"
)

// AccountHealth is a reading of every account's health, bounded in size
// by the states, not the accounts.
type AccountHealth struct {
	// States counts the accounts by state.
	States map[string]int
	// QuotaLeft is the fraction (0 to 1) of its Xero day quota each
	// account with a figure from its current Xero day has left.
	QuotaLeft []float64
}

// AccountHealthOf reads the accounts' states from their facts, the
// accounts whose exports are stuck (StuckAccounts) and the quota policy,
// with the rules the dashboard shows them by: the quota is low once no
// more than the write-back reserve is left (or Xero blocks the day), and
// Xero's webhooks are off when changes came only through the sweep
// (store.WebhookHealth.MissedChanges).
func AccountHealthOf(facts []store.AccountFacts, stuck map[int64]bool, policy QuotaPolicy, now time.Time) AccountHealth {
	h := AccountHealth{States: map[string]int{}}
	for _, f := range facts {
		var problems []string
		if f.ReconnectNeeded {
			problems = append(problems, StateReconnectNeeded)
		}
		q := policy.QuotaOf(f.XeroQuota, now)
		if q.Known && q.Limit > 0 {
			h.QuotaLeft = append(h.QuotaLeft, float64(q.Remaining)/float64(q.Limit))
		}
		if q.AtReserve() {
			problems = append(problems, StateQuotaLow)
		}
		if f.XeroWebhook.MissedChanges(now) > 0 {
			problems = append(problems, StateWebhooksOff)
		}
		if stuck[f.AccountID] {
			problems = append(problems, StateStuck)
		}
		if len(problems) == 0 {
			problems = []string{StateOK}
		}
		for _, p := range problems {
			h.States[p]++
		}
	}
	return h
}

// StuckAccounts returns the accounts with an export or write-back job
// waiting for a retry after stuckAfter or more failed attempts: the
// dashboard's "Exports keep failing".
func StuckAccounts(ctx context.Context, client *river.Client[*store.Tx]) (map[int64]bool, error) {
	stuck := map[int64]bool{}
	params := river.NewJobListParams().Kinds(KindExportInvoices, KindWriteBack).
		States(rivertype.JobStateRetryable).First(10000)
	res, err := client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("worker: stuck accounts: %w", err)
	}
	for _, row := range res.Jobs {
		if acct, ok := runAccount(row); ok && row.Attempt >= stuckAfter {
			stuck[acct] = true
		}
	}
	return stuck, nil
}
