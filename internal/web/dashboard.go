package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

type dashboardData struct {
	Xero, ShipStation *store.Connection
	Settings          store.Settings
	LastActivity      time.Time
	LastRun           time.Time
	StatusError       string
	NextRun           string
	// Counts is how many invoices are in each store.InvoiceState now.
	Counts   map[string]int
	Problems []Problem
	// Attention are the failed and alert invoices, the most recent
	// attentionShown of each; AttentionTotal counts them all.
	Attention      []store.InvoiceLink
	AttentionTotal int
	// Waiting are the invoices that wait for the merchant to fix their
	// contact (the most recent waitingShown of Counts["waiting"]).
	Waiting      []store.InvoiceLink
	Chart        chart
	Sent, Failed int          // over the chart's days
	Webhooks     []webhookRow // the Status page's
	// Alerts are Problems, Attention and Waiting as shown, without those
	// dealt with.
	Alerts alertsView
	// Quota says how much of today's Xero quota is used and what the
	// export sweep does about it (quotaText).
	Quota string
	// plan is the export sweep's own plan for the account
	// (worker.ExportSweepPlan): its interval, and whether it waits.
	plan worker.SweepPlan
}

// webhookRow is what the dashboard says of one direction's webhooks. It
// never holds the hook secret or its hash.
type webhookRow struct {
	// ID prefixes the element ids of the row ("webhook-xero").
	ID        string
	Direction string
	// State is the subscription or receiver state, in a merchant's words.
	State string
	// Off is true when the direction has no webhooks at all.
	Off bool
	// Health is the counters; its LastDeliveryAt is zero when nothing
	// arrived yet.
	Health store.WebhookHealth
	// ShowCounts shows the event counters (Xero's deliveries carry
	// several events each, some repeated).
	ShowCounts bool
	// Hint tells the operator what to do, with URL to copy (may be empty).
	Hint, URL string
	// Healthy is true when the direction's webhooks work, so its sweep
	// runs every Settings.SafetySweepInterval.
	Healthy bool
	// Sweep says how often the scheduled sweep runs for the direction.
	Sweep string
}

// everyText says a period for people: "every 5 minutes", "every hour",
// "every 30 seconds".
func everyText(d time.Duration) string {
	if n, unit := intervalParts(d); n == 1 {
		return "every " + unit
	}
	return "every " + durationText(d)
}

// durationText says an interval for people in its largest whole unit:
// "30 seconds", "5 minutes", "3 hours". It is the one way the web app says
// an interval; the configure form splits one the same way (intervalParts),
// so what the page shows is what it posts back.
func durationText(d time.Duration) string {
	n, unit := intervalParts(d)
	return plural(n, unit)
}

// intervalParts splits an interval into a whole number of its largest
// unit that divides it ("hour", "minute" or "second"). A fraction of a
// second rounds up: no interval shows as zero.
func intervalParts(d time.Duration) (int, string) {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return int(d / time.Hour), "hour"
	case d >= time.Minute && d%time.Minute == 0:
		return int(d / time.Minute), "minute"
	}
	return int((d + time.Second - 1) / time.Second), "second"
}

// sweepText says which sweep interval is in effect for a direction.
func sweepText(set store.Settings, off, healthy bool) string {
	switch {
	case healthy:
		return "Safety sweep " + everyText(set.SafetySweepInterval) + ", as webhooks are working: it catches what they missed."
	case off:
		return "Sweep " + everyText(set.SyncInterval) + "."
	default:
		return "Sweep " + everyText(set.SyncInterval) + ", as webhooks have not worked in the last day (a delivery, and no failure since)."
	}
}

// webhookRows builds the dashboard's Webhooks section for the account.
func (s *Server) webhookRows(ctx context.Context, acc int64, d *dashboardData, now time.Time) ([]webhookRow, error) {
	health, err := s.st.WebhookHealthOf(ctx, acc)
	if err != nil {
		return nil, err
	}
	set := d.Settings

	xr := webhookRow{ID: "webhook-xero", Direction: "Xero → ShipStation", Health: health[store.SourceXero]}
	switch {
	case s.cfg.XeroWebhookKey == "" || s.cfg.Webhooks == nil:
		xr.Off, xr.State = true, "Off: orders sync on the schedule ("+everyText(set.SyncInterval)+")."
	case xr.Health.LastDeliveryAt.IsZero():
		xr.State = "No event received yet."
		xr.Hint = "For the operator: in Xero's developer portal, the app's webhook must point at this address (and its signing key must be this orderbridge's):"
		xr.URL = s.cfg.BaseURL + "/webhooks/xero"
	case xr.Health.MissedChanges(now) > 0:
		xr.State, xr.ShowCounts = problems.SwitchedOffText(xr.Health.MissedChanges(now)), true
		xr.Hint = "For the operator: in Xero's developer portal, open the app's Webhooks and re-enable the webhook (Xero disables one whose deliveries failed for a day); it must point at:"
		xr.URL = s.cfg.BaseURL + "/webhooks/xero"
	default:
		xr.State, xr.ShowCounts = "On: orders sync within seconds of a change in Xero.", true
	}
	switch {
	case !set.SyncEnabled:
		xr.Sweep = "No sweep: “Sync orders from Xero” is off."
	default:
		xr.Healthy = !xr.Off && xr.Health.Healthy(now)
		xr.Sweep = sweepText(set, xr.Off, xr.Healthy)
		if !xr.Off && xr.Health.MissedChanges(now) > 0 {
			xr.Sweep = "Sweep " + everyText(set.SyncInterval) + ", as Xero's webhooks seem switched off."
		}
		switch {
		case d.plan.Deferred:
			xr.Sweep += " Paused now, to spare Xero's day quota (see Runs)."
		case d.plan.Slowed():
			xr.Sweep += " Slowed now to " + everyText(d.plan.Interval) + ", to spare Xero's day quota (see Runs)."
		}
	}

	sr := webhookRow{ID: "webhook-shipstation", Direction: "ShipStation → Xero", Health: health[store.SourceShipStation]}
	hook, err := s.st.ShipStationHookOf(ctx, acc)
	hasHook := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	connected := d.ShipStation != nil && d.ShipStation.Status != store.StatusDisconnected
	switch {
	case s.cfg.Webhooks == nil:
		sr.Off, sr.State = true, "Off: shipments are read on the schedule ("+everyText(set.SyncInterval)+")."
	case hasHook && hook.WebhookID != 0:
		name := "#" + strconv.FormatInt(hook.StoreID, 10)
		if d.ShipStation != nil && d.ShipStation.Metadata.StoreID == hook.StoreID && d.ShipStation.Metadata.StoreName != "" {
			name = d.ShipStation.Metadata.StoreName
		}
		sr.State = "Subscribed for store " + name + "."
	case hasHook:
		sr.State = "Being set up: orderbridge is subscribing to ShipStation's shipment notifications."
	case connected:
		sr.State = "Not subscribed: save the store to send orders to on Connections to turn instant shipment updates on."
	default:
		sr.Off, sr.State = true, "Off: ShipStation is not connected."
	}
	switch {
	case !set.WriteBackEnabled:
		sr.Sweep = "No sweep: “Update tracking and shipping information” is off (Xero Export)."
	default:
		sr.Healthy = !sr.Off && sr.Health.Healthy(now)
		sr.Sweep = sweepText(set, sr.Off, sr.Healthy)
	}
	return []webhookRow{xr, sr}, nil
}

// chart is a bar chart of orders sent (with warnings or not) and failed
// to send per day, from the log, drawn as SVG on the server (no script, no
// inline style: the CSP allows neither), with the days on its x axis, the
// counts on its y axis, and the numbers in a table beside it.
type chart struct {
	Width, Height int // the viewBox
	// The plot area, inside the axes.
	PlotX, PlotY, PlotW, PlotH int
	Bars                       []bar
	Days                       []dayCount
	XLabels                    []axisLabel
	YTicks                     []axisLabel
	// Busiest is the day with the most orders sent, for the description.
	Busiest dayCount
}

type bar struct {
	X, Y, W, H int
	Class      string
	Label      string
}

// axisLabel is a label at (X, Y); for a y tick, Y is also its grid line.
// Class "xl-skip" marks the day labels a phone leaves out (every other
// one, counted from today's), so the rest can be read.
type axisLabel struct {
	X, Y  int
	Text  string
	Class string
}

type dayCount struct {
	Day            string // 2006-01-02
	Label          string // "14 Mar"
	Synced, Failed int
}

const chartDays = 14

// niceTop is the axis's top value and its step: the smallest of 1, 2, 5,
// 10, 20, 50, ... steps that needs at most four of them to reach maxV.
func niceTop(maxV int) (top, step int) {
	for m := 1; ; m *= 10 {
		for _, f := range []int{1, 2, 5} {
			step = f * m
			if n := (maxV + step - 1) / step; n <= 4 {
				return max(n, 1) * step, step
			}
		}
	}
}

func buildChart(counts []store.DayCount, today time.Time) (chart, int, int) {
	byDay := map[string]store.DayCount{}
	for _, c := range counts {
		byDay[c.Day.UTC().Format("2006-01-02")] = c
	}
	const slot, left, top, bottom, right = 36, 34, 10, 62, 8
	c := chart{PlotX: left, PlotY: top, PlotW: chartDays * slot, PlotH: 120}
	c.Width, c.Height = left+c.PlotW+right, top+c.PlotH+bottom
	maxV := 0
	start := today.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(chartDays - 1))
	var synced, failed int
	for i := range chartDays {
		day := start.AddDate(0, 0, i)
		dc := byDay[day.Format("2006-01-02")]
		d := dayCount{Day: day.Format("2006-01-02"), Label: day.Format("2 Jan"), Synced: dc.Sent, Failed: dc.SendFailed}
		c.Days = append(c.Days, d)
		if d.Synced > c.Busiest.Synced {
			c.Busiest = d
		}
		maxV = max(maxV, dc.Sent, dc.SendFailed)
		synced += dc.Sent
		failed += dc.SendFailed
	}
	topV, step := niceTop(maxV)
	base := c.PlotY + c.PlotH
	for v := 0; v <= topV; v += step {
		c.YTicks = append(c.YTicks, axisLabel{X: left - 6, Y: base - v*c.PlotH/topV, Text: strconv.Itoa(v)})
	}
	for i, d := range c.Days {
		x := left + i*slot
		hs, hf := d.Synced*c.PlotH/topV, d.Failed*c.PlotH/topV
		c.Bars = append(c.Bars,
			bar{X: x + 4, Y: base - hs, W: 13, H: hs, Class: "bar-ok", Label: d.Label + ": " + strconv.Itoa(d.Synced) + " sent"},
			bar{X: x + 19, Y: base - hf, W: 13, H: hf, Class: "bar-bad", Label: d.Label + ": " + strconv.Itoa(d.Failed) + " failed"})
		l := axisLabel{X: x + slot/2 + 4, Y: base + 14, Text: d.Label, Class: "xl"}
		if (chartDays-1-i)%2 == 1 {
			l.Class = "xl xl-skip"
		}
		c.XLabels = append(c.XLabels, l)
	}
	return c, synced, failed
}

// dashboard shows what needs the merchant first (each alert can be marked
// dealt with), then where the invoices stand, the chart, and the
// account's health. What needs a person is problems.Decide's, the
// notifier's decision too.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	d, err := s.loadDashboard(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Alerts, err = s.alertsOf(ctx, ss.s.AccountID, &d, r.URL.Query().Get("dealt") == "1"); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard", Nav: "dashboard", Data: d})
}

// statusPage is the operator's view of the account: webhook delivery
// health per direction, the sweeps in effect, runs and the Xero quota.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	d, err := s.loadDashboard(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if d.Webhooks, err = s.webhookRows(ctx, ss.s.AccountID, &d, s.now()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "status", page{Title: "Status", Nav: "status", Data: d})
}

// loadDashboard reads what the dashboard and the Status page show, but
// the webhook rows and the alerts' acknowledgements.
func (s *Server) loadDashboard(ctx context.Context, acc int64) (dashboardData, error) {
	now := s.now()
	src := problems.Source{Store: s.st, Quota: s.cfg.XeroQuota, XeroWebhooks: s.cfg.XeroWebhookKey != "" && s.cfg.Webhooks != nil}
	facts, err := src.Facts(ctx, acc, now)
	if err != nil {
		return dashboardData{}, err
	}
	d := dashboardData{Xero: facts.Xero, ShipStation: facts.ShipStation, Settings: facts.Settings, plan: facts.Plan}
	d.Counts = map[string]int{}
	for k, v := range facts.Counts {
		d.Counts[string(k)] = v
	}
	waiting := problems.WaitingCodes()
	if d.Counts[string(store.StateWaiting)] > 0 {
		if d.Waiting, err = s.st.InvoicesInState(ctx, acc, store.StateWaiting, waiting, waitingShown); err != nil {
			return d, err
		}
	}
	counts, err := s.st.LogCountsPerDay(ctx, acc, now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -(chartDays-1)))
	if err != nil {
		return d, err
	}
	d.Chart, d.Sent, d.Failed = buildChart(counts, now)
	latest, err := s.st.ListLog(ctx, acc, store.LogQuery{PageSize: 1})
	if err != nil {
		return d, err
	}
	if len(latest.Entries) > 0 {
		d.LastActivity = latest.Entries[0].At
	}
	// The sweep's own plan (facts.Plan): slower while Xero's webhooks
	// work, slower still as the day quota runs low, waiting at the reserve.
	if d.Xero != nil && d.Xero.Status != store.StatusDisconnected {
		d.Quota = quotaText(d.plan, problems.ZoneOf(d.Xero).Loc)
	}
	interval := d.plan.Interval
	switch {
	case !d.Settings.SyncEnabled:
		d.NextRun = "not scheduled: “Sync orders from Xero” is off"
	case d.plan.Deferred && d.plan.Until.After(now):
		d.NextRun = untilText(d.plan.Until.Sub(now))
	case d.LastActivity.IsZero():
		d.NextRun = "within " + durationText(interval)
	default:
		d.NextRun = "about " + untilText(d.LastActivity.Add(interval).Sub(now))
	}
	for _, state := range []store.InvoiceState{store.StateFailed, store.StateAttention} {
		links, err := s.st.InvoicesInState(ctx, acc, state, waiting, attentionShown)
		if err != nil {
			return d, err
		}
		d.Attention = append(d.Attention, links...)
	}
	d.AttentionTotal = d.Counts[string(store.StateFailed)] + d.Counts[string(store.StateAttention)]
	if s.cfg.Status != nil {
		as, err := s.cfg.Status.AccountStatus(ctx, acc)
		if err != nil {
			s.log.WarnContext(ctx, "web: account status", "account", acc, "err", err)
			d.StatusError = "The sync engine did not answer; run times and its problems are not shown."
		} else {
			d.LastRun = as.LastRunAt
			if !as.NextRunAt.IsZero() && d.Settings.SyncEnabled {
				d.NextRun = untilText(as.NextRunAt.Sub(now))
			}
			facts.StuckAttempts = as.StuckAttempts
		}
	}
	d.Problems = problems.Decide(facts)
	return d, nil
}

// quotaText says how much of today's Xero quota is used and what the
// export sweep does about it: "Xero calls today: 612 of 1,000 (Starter
// tier) — sweeps slowed to every 30 minutes to keep 200 for write-back."
// Its times are in loc, the organisation's zone.
func quotaText(p worker.SweepPlan, loc *time.Location) string {
	q := p.Quota
	tier := q.Tier.String()
	if !q.Known && q.BlockedUntil.IsZero() {
		return "Xero calls today: not known yet (" + tier + " tier: " + thousands(q.Limit) + " a day per organisation, " +
			thousands(q.Reserve) + " kept for write-back)."
	}
	head := "Xero calls today: " + thousands(q.Used) + " of " + thousands(q.Limit) + " (" + tier + " tier)"
	switch {
	case !q.BlockedUntil.IsZero():
		return head + " — Xero refuses more calls until " + problems.WhenText(q.BlockedUntil, loc) + "; syncing resumes then."
	case p.Deferred:
		return head + " — the sweep waits until the quota may have reset (" + problems.WhenText(p.Until, loc) + ") to keep " +
			thousands(q.Remaining) + " for write-back; webhooks and write-back go on."
	case p.Slowed():
		return head + " — sweeps slowed to " + everyText(p.Interval) + " to keep " + thousands(q.Reserve) + " for write-back."
	}
	return head + "; " + thousands(q.Reserve) + " are kept for write-back."
}

// thousands writes n with thousands separators: 1,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// attentionShown is how many of the failed, and of the alert, invoices
// the dashboard lists.
const attentionShown = 10

// waitingShown is how many of the invoices waiting for the merchant the
// dashboard lists.
const waitingShown = 100
