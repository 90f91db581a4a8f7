package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Direction is which way a log line's work went.
type Direction string

// Directions.
const (
	XeroToShipStation Direction = "xero_to_shipstation"
	ShipStationToXero Direction = "shipstation_to_xero"
)

// Outcome is how a log line's work ended.
type Outcome string

// Outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeSkipped Outcome = "skipped"
	OutcomeFailed  Outcome = "failed"
	OutcomeWarning Outcome = "warning"
)

// LogEntry is one line of an account's transaction log.
type LogEntry struct {
	ID            int64
	AccountID     int64
	At            time.Time // zero: now
	Direction     Direction
	Outcome       Outcome
	InvoiceID     string
	InvoiceNumber string
	OrderNumber   string
	Message       string // one line a person understands
	Detail        string // JSON or text: what was sent, the error body, ...
	// RunID is the run (River job id) that wrote the line; 0 for lines
	// written outside a run (a connection lost, lines from before runs
	// were recorded).
	RunID int64
	// ReasonCode is the mapper's stable code for why an invoice was
	// skipped, held back or failed (bridge.Cause), next to the sentence
	// in Message; empty for an order sent.
	ReasonCode string
}

// AppendLog adds lines to the log in one transaction and returns their IDs.
func (q *Queries) AppendLog(ctx context.Context, entries ...LogEntry) ([]int64, error) {
	ids := make([]int64, 0, len(entries))
	now := q.now()
	err := q.inTx(ctx, func(q *Queries) error {
		for _, e := range entries {
			if e.AccountID == 0 {
				return fmt.Errorf("entry without account")
			}
			at := e.At
			if at.IsZero() {
				at = now
			}
			var id int64
			err := q.w.queryRow(ctx, `INSERT INTO transaction_log
				(account_id, at, direction, outcome, invoice_id, invoice_number, order_number, message, detail, run_id, reason_code)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
				e.AccountID, q.t(at), string(e.Direction), string(e.Outcome), e.InvoiceID, e.InvoiceNumber,
				e.OrderNumber, e.Message, e.Detail, e.RunID, e.ReasonCode).Scan(&id)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: append log: %w", err)
	}
	return ids, nil
}

// LogQuery selects log lines. Zero fields do not filter.
type LogQuery struct {
	Direction     Direction
	Outcome       Outcome
	InvoiceNumber string // exact
	RunID         int64  // the lines one run wrote
	// Search matches, case-insensitively, a substring of the message,
	// invoice number or order number.
	Search   string
	Page     int // 1-based; 0 means 1
	PageSize int // 0 means 50; at most 1000
}

// LogPage is one page of log lines, newest first, and the total matching.
type LogPage struct {
	Entries  []LogEntry
	Total    int
	Page     int
	PageSize int
}

// ListLog returns a page of an account's log, newest first.
func (q *Queries) ListLog(ctx context.Context, accountID int64, lq LogQuery) (LogPage, error) {
	page, size := max(lq.Page, 1), lq.PageSize
	if size <= 0 {
		size = 50
	}
	size = min(size, 1000)
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if lq.Direction != "" {
		add("direction = ?", string(lq.Direction))
	}
	if lq.Outcome != "" {
		add("outcome = ?", string(lq.Outcome))
	}
	if lq.InvoiceNumber != "" {
		add("invoice_number = ?", lq.InvoiceNumber)
	}
	if lq.RunID != 0 {
		add("run_id = ?", lq.RunID)
	}
	if s := strings.TrimSpace(lq.Search); s != "" {
		like := q.s.dialect.like()
		add("(message "+like+" ? ESCAPE '\\' OR invoice_number "+like+" ? ESCAPE '\\' OR order_number "+like+" ? ESCAPE '\\')",
			"%"+likeEscape(s)+"%")
	}
	cond := strings.Join(where, " AND ")
	out := LogPage{Page: page, PageSize: size}
	if err := q.r.queryRow(ctx, "SELECT count(*) FROM transaction_log WHERE "+cond, args...).Scan(&out.Total); err != nil {
		return LogPage{}, fmt.Errorf("store: count log: %w", err)
	}
	n := len(args)
	args = append(args, size, (page-1)*size)
	rs, err := q.r.query(ctx, `SELECT id, account_id, at, direction, outcome, invoice_id, invoice_number, order_number, message, detail,
		run_id, reason_code FROM transaction_log WHERE `+cond+` ORDER BY at DESC, id DESC LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), args...)
	if err != nil {
		return LogPage{}, fmt.Errorf("store: list log: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var e LogEntry
		var dir, outcome string
		if err := rs.Scan(&e.ID, &e.AccountID, timeCol{&e.At}, &dir, &outcome, &e.InvoiceID, &e.InvoiceNumber,
			&e.OrderNumber, &e.Message, &e.Detail, &e.RunID, &e.ReasonCode); err != nil {
			return LogPage{}, fmt.Errorf("store: list log: %w", err)
		}
		e.Direction, e.Outcome = Direction(dir), Outcome(outcome)
		out.Entries = append(out.Entries, e)
	}
	if err := rs.Err(); err != nil {
		return LogPage{}, fmt.Errorf("store: list log: %w", err)
	}
	return out, nil
}

// PurgeLog deletes an account's log lines older than before and returns
// how many went. The retention sweep calls it with now minus the account's
// LogRetentionDays.
func (q *Queries) PurgeLog(ctx context.Context, accountID int64, before time.Time) (int64, error) {
	n, err := q.w.exec(ctx, "DELETE FROM transaction_log WHERE account_id = $1 AND at < $2", accountID, q.t(before))
	if err != nil {
		return 0, fmt.Errorf("store: purge log: %w", err)
	}
	return n, nil
}

// DayCount is one UTC day's log lines by outcome, in both directions,
// and the day's orders sent and failed to send.
type DayCount struct {
	Day     time.Time // midnight UTC
	Success int
	Skipped int
	Failed  int
	Warning int
	// Sent counts orders created, updated or cancelled in ShipStation,
	// with warnings or not: Xero → ShipStation lines, success or warning,
	// without a reason code (an alert, the other warning, has one).
	Sent int
	// SendFailed counts the Xero → ShipStation lines that failed.
	SendFailed int
}

// LogCountsPerDay returns, for each UTC day since since that has log lines,
// the count per outcome, oldest day first (days without lines are absent).
func (q *Queries) LogCountsPerDay(ctx context.Context, accountID int64, since time.Time) ([]DayCount, error) {
	day := q.s.dialect.dayExpr("at")
	rs, err := q.r.query(ctx, "SELECT "+day+` AS day, direction, outcome, reason_code = '' AS uncoded, count(*) FROM transaction_log
		WHERE account_id = $1 AND at >= $2 GROUP BY day, direction, outcome, uncoded ORDER BY day`,
		accountID, q.t(since))
	if err != nil {
		return nil, fmt.Errorf("store: log counts: %w", err)
	}
	defer rs.Close()
	var out []DayCount
	for rs.Next() {
		var d, dir, outcome string
		var uncoded bool
		var n int
		if err := rs.Scan(&d, &dir, &outcome, &uncoded, &n); err != nil {
			return nil, fmt.Errorf("store: log counts: %w", err)
		}
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return nil, fmt.Errorf("store: log counts: %w", err)
		}
		if len(out) == 0 || !out[len(out)-1].Day.Equal(t) {
			out = append(out, DayCount{Day: t})
		}
		c := &out[len(out)-1]
		send := Direction(dir) == XeroToShipStation
		switch Outcome(outcome) {
		case OutcomeSuccess:
			c.Success += n
		case OutcomeSkipped:
			c.Skipped += n
		case OutcomeFailed:
			c.Failed += n
			if send {
				c.SendFailed += n
			}
		case OutcomeWarning:
			c.Warning += n
		}
		if send && uncoded && (Outcome(outcome) == OutcomeSuccess || Outcome(outcome) == OutcomeWarning) {
			c.Sent += n
		}
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("store: log counts: %w", err)
	}
	return out, nil
}
