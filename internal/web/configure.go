package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/worker"
)

// invoiceStatuses are the Xero statuses a merchant may choose to sync, in
// Xero's own order. VOIDED and DELETED always cancel and are not choices.
func invoiceStatuses() []statusChoice {
	return []statusChoice{
		{"DRAFT", "Draft", "not yet approved: usually not ready to ship"},
		{"SUBMITTED", "Awaiting approval", "not yet approved"},
		{"AUTHORISED", "Awaiting payment", "approved"},
		{"PAID", "Paid", ""},
	}
}

type statusChoice struct{ Value, Label, Hint string }

// sweepChoice is one choice of the safety sweep interval; Value is in
// minutes.
type sweepChoice struct{ Value, Label string }

// safetySweepChoices are the offered safety sweep intervals, plus current
// (in minutes) when it is none of them, so the page shows what is saved.
func safetySweepChoices(current string) []sweepChoice {
	out := []sweepChoice{{"15", "15 minutes"}, {"30", "30 minutes"}, {"60", "1 hour"}, {"180", "3 hours"}, {"360", "6 hours"}, {"1440", "24 hours"}}
	for _, c := range out {
		if c.Value == current {
			return out
		}
	}
	if m, err := strconv.Atoi(current); err == nil && m > 0 {
		out = append(out, sweepChoice{current, durationText(time.Duration(m) * time.Minute)})
		slices.SortFunc(out, func(a, b sweepChoice) int {
			x, _ := strconv.Atoi(a.Value)
			y, _ := strconv.Atoi(b.Value)
			return x - y
		})
	}
	return out
}

// unitChoice is one unit the sync interval can be given in; Value is
// what intervalParts names it.
type unitChoice struct{ Value, Label string }

// intervalUnits are the units of the sync interval, smallest first.
func intervalUnits() []unitChoice {
	return []unitChoice{{"second", "seconds"}, {"minute", "minutes"}, {"hour", "hours"}}
}

// maxInterval is the longest sync interval the form accepts.
const maxInterval = 24 * time.Hour

// parseInterval reads the interval fields: a whole number of a unit, from
// one second to maxInterval.
func parseInterval(number, unit string) (time.Duration, bool) {
	n, err := strconv.Atoi(number)
	if err != nil || n < 1 {
		return 0, false
	}
	var u time.Duration
	switch unit {
	case "second":
		u = time.Second
	case "minute":
		u = time.Minute
	case "hour":
		u = time.Hour
	default:
		return 0, false
	}
	if int64(n) > int64(maxInterval/u) {
		return 0, false
	}
	return time.Duration(n) * u, true
}

// settingsForm is the configure page's form, as text so a wrong value can
// be shown back as typed.
type settingsForm struct {
	SyncEnabled bool
	// Interval and IntervalUnit are the sync interval as a whole number of
	// a unit (intervalParts), so any saved interval, the demo's 30 seconds
	// too, shows and posts back unchanged.
	Interval     string
	IntervalUnit string
	// SafetySweepMinutes is the sweep interval while webhooks work.
	SafetySweepMinutes   string
	TrackingRuleEnabled  bool
	TrackingOptionName   string
	TrackingCategoryName string
	Statuses             []string
	ShippingItemCode     string
	// ShippingItemDefault is the code the worker uses when
	// ShippingItemCode is blank, so the page can say what blank means.
	ShippingItemDefault string
	LogRetentionDays    string

	WriteBackEnabled    bool
	ShippingLineEnabled bool
	LineItemCode        string
	LineAccountCode     string
	LineTaxType         string

	// BackfillSince is the backfill form's date (YYYY-MM-DD).
	BackfillSince string

	Choices      []statusChoice
	SweepChoices []sweepChoice
	Units        []unitChoice
	Errors       fieldErrors
	// CanSync is false while Xero or ShipStation is not connected (Save and
	// sync then explains why instead of running).
	CanSync bool
}

// fail records msg for field unless the field has a message already:
// the first problem found is the one shown.
func (f *settingsForm) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors.set(field, msg)
	}
}

func formOf(s store.Settings) *settingsForm {
	n, unit := intervalParts(s.SyncInterval)
	return &settingsForm{
		SyncEnabled:          s.SyncEnabled,
		Interval:             strconv.Itoa(n),
		IntervalUnit:         unit,
		SafetySweepMinutes:   strconv.Itoa(int(s.SafetySweepInterval / time.Minute)),
		TrackingRuleEnabled:  s.TrackingRuleEnabled,
		TrackingOptionName:   s.TrackingOptionName,
		TrackingCategoryName: s.TrackingCategoryName,
		Statuses:             s.InvoiceStatuses,
		ShippingItemCode:     s.ShippingItemCode,
		// Asked of the worker's own mapping, not restated here.
		ShippingItemDefault: worker.BridgeSettings(store.Settings{}, store.ConnectionMetadata{}, store.ConnectionMetadata{}).ShippingItemCode,
		LogRetentionDays:    strconv.Itoa(s.LogRetentionDays),
		WriteBackEnabled:    s.WriteBackEnabled,
		ShippingLineEnabled: s.ShippingLine.Enabled,
		LineItemCode:        s.ShippingLine.ItemCode,
		LineAccountCode:     s.ShippingLine.AccountCode,
		LineTaxType:         s.ShippingLine.TaxType,
		Choices:             invoiceStatuses(),
		Units:               intervalUnits(),
	}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, ss *sessionState, name string, code int, f *settingsForm) {
	ctx := r.Context()
	xc, err := s.connection(ctx, ss.s.AccountID, store.KindXero)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc, err := s.connection(ctx, ss.s.AccountID, store.KindShipStation)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f.CanSync = usable(xc) && usable(sc) && s.cfg.Jobs != nil
	f.SweepChoices = safetySweepChoices(f.SafetySweepMinutes)
	title := "Configure"
	if name == "export" {
		title = "Xero Export"
	}
	s.render(w, r, code, name, page{Title: title, Nav: "configure", Data: f})
}

func usable(c *store.Connection) bool {
	return c != nil && c.Status == store.StatusConnected && c.HasSecret &&
		(c.Kind != store.KindXero || c.Metadata.TenantID != "")
}

func (s *Server) configureForm(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	set, err := s.st.Settings(r.Context(), ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.settingsPage(w, r, ss, "configure", http.StatusOK, formOf(set))
}

func (s *Server) exportForm(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	set, err := s.st.Settings(r.Context(), ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.settingsPage(w, r, ss, "export", http.StatusOK, formOf(set))
}

// configure saves the task settings and, for Save and sync, queues a run at
// once and shows its progress.
func (s *Server) configure(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	set, err := s.st.Settings(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := formOf(set)
	f.SyncEnabled = r.PostFormValue("sync_enabled") == "on"
	f.Interval = strings.TrimSpace(r.PostFormValue("interval"))
	f.IntervalUnit = r.PostFormValue("interval_unit")
	// A form from before the field existed keeps the saved interval.
	if _, sent := r.PostForm["safety_sweep_minutes"]; sent {
		f.SafetySweepMinutes = strings.TrimSpace(r.PostFormValue("safety_sweep_minutes"))
	}
	f.TrackingRuleEnabled = r.PostFormValue("tracking_rule_enabled") == "on"
	f.TrackingOptionName = strings.TrimSpace(r.PostFormValue("tracking_option_name"))
	f.TrackingCategoryName = strings.TrimSpace(r.PostFormValue("tracking_category_name"))
	f.Statuses = r.PostForm["invoice_statuses"]
	f.ShippingItemCode = strings.TrimSpace(r.PostFormValue("shipping_item_code"))
	f.LogRetentionDays = strings.TrimSpace(r.PostFormValue("log_retention_days"))

	// A field posted back as the page showed it keeps the saved value
	// exactly, whatever it is (a demo's 7m30s shows as 450 seconds, its
	// safety sweep as 7 minutes): an untouched form changes nothing.
	saved := formOf(set)
	interval, ok := parseInterval(f.Interval, f.IntervalUnit)
	if f.Interval == saved.Interval && f.IntervalUnit == saved.IntervalUnit {
		interval, ok = set.SyncInterval, true
	}
	if !ok {
		f.fail("interval", "Enter a whole number of seconds, minutes or hours, from 1 second to "+durationText(maxInterval)+".")
	}
	var sweep time.Duration
	sweepOK := f.SafetySweepMinutes == saved.SafetySweepMinutes
	if sweepOK {
		sweep = set.SafetySweepInterval
	} else if m, err := strconv.Atoi(f.SafetySweepMinutes); err == nil && m >= 1 && m <= 1440 {
		sweep, sweepOK = time.Duration(m)*time.Minute, true
	}
	switch {
	case !sweepOK:
		f.fail("safety_sweep_minutes", "Choose one of the intervals offered.")
	case ok && sweep < interval:
		if _, sent := r.PostForm["safety_sweep_minutes"]; sent {
			f.fail("safety_sweep_minutes", "Choose an interval no shorter than the schedule above ("+
				durationText(interval)+"): this one only slows the sweep down.")
		} else {
			sweep = interval
		}
	}
	if f.TrackingRuleEnabled && f.TrackingOptionName == "" {
		f.fail("tracking_option_name", "Enter the tracking option invoices must carry, such as ShipStation, or switch the rule off.")
	}
	for _, field := range []struct{ name, value string }{
		{"tracking_option_name", f.TrackingOptionName}, {"tracking_category_name", f.TrackingCategoryName},
		{"shipping_item_code", f.ShippingItemCode},
	} {
		if utf8.RuneCountInString(field.value) > 100 {
			f.fail(field.name, "Use at most 100 characters.")
		}
	}
	var statuses []string
	for _, c := range invoiceStatuses() {
		if slices.Contains(f.Statuses, c.Value) {
			statuses = append(statuses, c.Value)
		}
	}
	if len(statuses) == 0 || len(statuses) != len(f.Statuses) {
		f.fail("invoice_statuses", "Tick at least one invoice status.")
	}
	days, err := strconv.Atoi(f.LogRetentionDays)
	if err != nil || days < 1 || days > 3650 {
		f.fail("log_retention_days", "Enter a whole number of days from 1 to 3650.")
	}
	if f.Errors == nil {
		set.SyncEnabled = f.SyncEnabled
		set.SyncInterval = interval
		set.SafetySweepInterval = sweep
		set.TrackingRuleEnabled = f.TrackingRuleEnabled
		set.TrackingOptionName = f.TrackingOptionName
		set.TrackingCategoryName = f.TrackingCategoryName
		set.InvoiceStatuses = statuses
		set.ShippingItemCode = f.ShippingItemCode
		set.LogRetentionDays = days
		if set.TrackingOptionName == "" { // rule off: keep the default for when it is switched on
			set.TrackingOptionName = store.DefaultTrackingOptionName
		}
		// The mapping's own rules on the settings the worker will use, so
		// the page and the worker agree (the connections are not the
		// form's to check).
		if err := worker.BridgeSettings(set, store.ConnectionMetadata{}, store.ConnectionMetadata{}).ValidateChoices(); err != nil {
			f.fail("form", "These settings cannot work: "+err.Error())
		}
	}
	if f.Errors != nil {
		s.settingsPage(w, r, ss, "configure", http.StatusUnprocessableEntity, f)
		return
	}
	var reread bool
	save := func(tx *store.Tx) error {
		var err error
		reread, err = tx.ChangeSettings(ctx, ss.s.AccountID, set)
		return err
	}
	if r.PostFormValue("action") != "sync" {
		if err := s.st.WithTx(ctx, save); err != nil {
			s.serverError(w, r, err)
			return
		}
		msg := "Settings saved."
		if reread {
			msg += " The next sync decides recent invoices again with them."
		}
		s.flash(r, ss, msg)
		http.Redirect(w, r, "/configure", http.StatusSeeOther)
		return
	}
	s.startRun(w, r, ss, save, "Settings saved. ", "/configure", func(tx *store.Tx) (int64, error) {
		return s.cfg.Jobs.EnqueueExport(ctx, tx, ss.s.AccountID)
	})
}

// startRun queues a run when both services are connected, in one
// transaction with save (when given), then shows the run. Otherwise it
// only saves, and goes back with a message saying what to connect.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request, ss *sessionState, save func(*store.Tx) error,
	prefix, back string, enqueue func(*store.Tx) (int64, error)) {
	ctx := r.Context()
	xc, err := s.connection(ctx, ss.s.AccountID, store.KindXero)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc, err := s.connection(ctx, ss.s.AccountID, store.KindShipStation)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	var why string
	switch {
	case s.cfg.Jobs == nil:
		why = "Syncing is not available on this server."
	case !usable(xc):
		why = "Nothing was synced: connect Xero first (Connections)."
	case !usable(sc):
		why = "Nothing was synced: connect ShipStation first (Connections)."
	}
	if why != "" {
		if save != nil {
			if err := s.st.WithTx(ctx, save); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		s.flash(r, ss, prefix+why)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	var id int64
	err = s.st.WithTx(ctx, func(tx *store.Tx) error {
		if save != nil {
			if err := save(tx); err != nil {
				return err
			}
		}
		var err error
		id, err = enqueue(tx)
		return err
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.log.InfoContext(ctx, "web: run queued", "account", ss.s.AccountID, "run", id)
	if prefix != "" {
		s.flash(r, ss, prefix+"Sync started.")
	}
	http.Redirect(w, r, "/runs/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// configureExport saves the Xero Export tab.
func (s *Server) configureExport(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	set, err := s.st.Settings(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := formOf(set)
	f.WriteBackEnabled = r.PostFormValue("write_back_enabled") == "on"
	f.ShippingLineEnabled = r.PostFormValue("shipping_line_enabled") == "on"
	f.LineItemCode = strings.TrimSpace(r.PostFormValue("line_item_code"))
	f.LineAccountCode = strings.TrimSpace(r.PostFormValue("line_account_code"))
	f.LineTaxType = strings.TrimSpace(r.PostFormValue("line_tax_type"))
	if f.ShippingLineEnabled && !f.WriteBackEnabled {
		f.fail("shipping_line_enabled", "The shipping line is part of the write-back: tick “Update tracking and shipping information” too.")
	}
	if f.ShippingLineEnabled && f.LineAccountCode == "" {
		f.fail("line_account_code", "Enter the Xero account code the shipping line is posted to, such as 260 (Freight).")
	}
	for _, field := range []struct{ name, value string }{
		{"line_item_code", f.LineItemCode}, {"line_account_code", f.LineAccountCode}, {"line_tax_type", f.LineTaxType},
	} {
		if utf8.RuneCountInString(field.value) > 50 {
			f.fail(field.name, "Use at most 50 characters.")
		}
	}
	if f.Errors != nil {
		s.settingsPage(w, r, ss, "export", http.StatusUnprocessableEntity, f)
		return
	}
	set.WriteBackEnabled = f.WriteBackEnabled
	set.ShippingLine = store.ShippingLineSettings{Enabled: f.ShippingLineEnabled, ItemCode: f.LineItemCode,
		AccountCode: f.LineAccountCode, TaxType: f.LineTaxType}
	if _, err := s.st.ChangeSettings(ctx, ss.s.AccountID, set); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, ss, "Xero Export settings saved.")
	http.Redirect(w, r, "/configure/export", http.StatusSeeOther)
}

type runData struct {
	Run  RunStatus
	Text string
	// Lines are the run's own log lines, newest first (at most
	// runLines); LinesTotal counts them all.
	Lines      []store.LogEntry
	LinesTotal int
}

// runLines is how many of a run's log lines its page shows; the rest are
// a link away, in the log filtered by the run.
const runLines = 50

func (s *Server) runOf(w http.ResponseWriter, r *http.Request, ss *sessionState) (RunStatus, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.cfg.Jobs == nil {
		s.errorPage(w, r, http.StatusNotFound, "Not found", "There is no such sync run.")
		return RunStatus{}, false
	}
	run, err := s.cfg.Jobs.RunStatus(r.Context(), ss.s.AccountID, id)
	if errors.Is(err, ErrRunNotFound) {
		s.errorPage(w, r, http.StatusNotFound, "Not found", "There is no such sync run.")
		return RunStatus{}, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return RunStatus{}, false
	}
	run.ID = id
	return run, true
}

// runPage shows a run's progress, what it did and the log lines it wrote
// (not the newest lines of the account: those may be another run's). With
// JavaScript, app.js polls the status
// endpoint and updates it in place; without, the page refreshes itself
// until the run is over.
func (s *Server) runPage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	run, ok := s.runOf(w, r, ss)
	if !ok {
		return
	}
	d := runData{Run: run, Text: runText(run)}
	p, err := s.st.ListLog(r.Context(), ss.s.AccountID, store.LogQuery{RunID: run.ID, PageSize: runLines})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Lines, d.LinesTotal = p.Entries, p.Total
	s.render(w, r, http.StatusOK, "run", page{Title: "Sync", Nav: "configure", Data: d})
}

type runJSON struct {
	State    RunState `json:"state"`
	Done     int      `json:"done"`
	Total    int      `json:"total"`
	Error    string   `json:"error,omitempty"`
	Finished bool     `json:"finished"`
	Text     string   `json:"text"`
}

func runText(r RunStatus) string {
	switch r.State {
	case RunPending:
		return "Waiting for a worker…"
	case RunRunning:
		if r.Total > 0 {
			return "Syncing: " + strconv.Itoa(r.Done) + " of " + strconv.Itoa(r.Total) + " invoices looked at."
		}
		return "Syncing: " + plural(r.Done, "invoice") + " looked at."
	case RunSucceeded:
		return "Finished: " + plural(r.Done, "invoice") + " looked at."
	case RunFailed:
		return "The sync failed: " + r.Error
	}
	return string(r.State)
}

func (s *Server) runStatusJSON(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	run, ok := s.runOf(w, r, ss)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(runJSON{State: run.State, Done: run.Done, Total: run.Total, Error: run.Error,
		Finished: run.Finished(), Text: runText(run)})
}

// backfill queues a run over every invoice changed since a date, which the
// merchant picks (a first import, or after fixing contacts).
func (s *Server) backfill(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	ctx := r.Context()
	set, err := s.st.Settings(ctx, ss.s.AccountID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	f := formOf(set)
	f.BackfillSince = strings.TrimSpace(r.PostFormValue("since"))
	since, err := time.Parse("2006-01-02", f.BackfillSince)
	now := s.now().UTC()
	switch {
	case err != nil:
		f.fail("since", "Enter a date as YYYY-MM-DD, such as 2026-01-31.")
	case since.After(now):
		f.fail("since", "Choose a date that is not in the future.")
	case since.Before(now.AddDate(-10, 0, 0)):
		f.fail("since", "Choose a date within the last ten years.")
	}
	if f.Errors != nil {
		s.settingsPage(w, r, ss, "configure", http.StatusUnprocessableEntity, f)
		return
	}
	s.startRun(w, r, ss, nil, "", "/configure", func(tx *store.Tx) (int64, error) {
		return s.cfg.Jobs.EnqueueBackfill(ctx, tx, ss.s.AccountID, since)
	})
}
