package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

const logPageSize = 50

// maxLogPage is the last page number a query may ask for: far past any
// log (a million pages of 50), and its offset cannot overflow.
const maxLogPage = 1_000_000

type logData struct {
	Direction, Outcome, Invoice, Search string
	// Run keeps the lines one run wrote (its page links here); 0: all.
	Run                      int64
	Page                     store.LogPage
	Pages                    int
	PrevURL, NextURL, CSVURL string
	Directions, Outcomes     []option
}

type option struct{ Value, Label string }

func logDirections() []option {
	return []option{{"", "Both directions"}, {string(store.XeroToShipStation), "Xero → ShipStation"},
		{string(store.ShipStationToXero), "ShipStation → Xero"}}
}

func logOutcomes() []option {
	return []option{{"", "Any outcome"}, {string(store.OutcomeSuccess), "Success"}, {string(store.OutcomeSkipped), "Skipped"},
		{string(store.OutcomeWarning), "Warning"}, {string(store.OutcomeFailed), "Failed"}}
}

func valid(opts []option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return v
		}
	}
	return ""
}

// logQuery reads the filters from the URL; unknown values are ignored
// rather than refused, so an old bookmark still opens.
func logQuery(q url.Values) (store.LogQuery, logData) {
	d := logData{
		Direction: valid(logDirections(), q.Get("direction")),
		Outcome:   valid(logOutcomes(), q.Get("outcome")),
		Invoice:   strings.TrimSpace(q.Get("invoice")),
		Search:    strings.TrimSpace(q.Get("q")),
	}
	if run, err := strconv.ParseInt(q.Get("run"), 10, 64); err == nil && run > 0 {
		d.Run = run
	}
	page, _ := strconv.Atoi(q.Get("page"))
	page = min(max(page, 1), maxLogPage) // (page-1)*size is the store's offset

	return store.LogQuery{Direction: store.Direction(d.Direction), Outcome: store.Outcome(d.Outcome),
		InvoiceNumber: d.Invoice, Search: d.Search, RunID: d.Run, Page: page, PageSize: logPageSize}, d
}

func (d *logData) url(path string, page int) string {
	v := url.Values{}
	for k, val := range map[string]string{"direction": d.Direction, "outcome": d.Outcome, "invoice": d.Invoice, "q": d.Search} {
		if val != "" {
			v.Set(k, val)
		}
	}
	if d.Run != 0 {
		v.Set("run", strconv.FormatInt(d.Run, 10))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// logPage is the transaction log: newest first, filtered, paged.
func (s *Server) logPage(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	lq, d := logQuery(r.URL.Query())
	p, err := s.st.ListLog(r.Context(), ss.s.AccountID, lq)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.Page, d.Directions, d.Outcomes = p, logDirections(), logOutcomes()
	d.Pages = (p.Total + p.PageSize - 1) / max(p.PageSize, 1)
	if p.Page > 1 {
		d.PrevURL = d.url("/log", p.Page-1)
	}
	if p.Page < d.Pages {
		d.NextURL = d.url("/log", p.Page+1)
	}
	d.CSVURL = d.url("/log.csv", 1)
	s.render(w, r, http.StatusOK, "log", page{Title: "Transaction log", Nav: "log", Data: d})
}

// maxCSVRows bounds one download, so an export cannot hold a connection
// (and the database) for minutes.
const maxCSVRows = 100_000

// logCSV downloads every line matching the filters, streamed page by page.
func (s *Server) logCSV(w http.ResponseWriter, r *http.Request, ss *sessionState) {
	lq, _ := logQuery(r.URL.Query())
	lq.PageSize, lq.Page = 1000, 1
	first, err := s.st.ListLog(r.Context(), ss.s.AccountID, lq)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	cw, extend := startCSVDownload(w, "orderbridge-log.csv")
	_ = cw.WriteRow("time", "direction", "outcome", "invoice_id", "invoice_number", "order_number", "message", "detail")
	p, rows := first, 0
	for {
		for _, e := range p.Entries {
			_ = cw.WriteRow(e.At.UTC().Format("2006-01-02T15:04:05Z"), string(e.Direction), string(e.Outcome),
				e.InvoiceID, e.InvoiceNumber, e.OrderNumber, e.Message, e.Detail)
			rows++
		}
		if len(p.Entries) < lq.PageSize || rows >= maxCSVRows {
			break
		}
		lq.Page++
		if p, err = s.st.ListLog(r.Context(), ss.s.AccountID, lq); err != nil {
			s.abortCSV(r, cw, "log", rows, err)
		}
		extend()
	}
	s.finishCSV(r, cw, "log")
}

// csvPageWriteTime is how long writing one page of CSV rows may take.
const csvPageWriteTime = time.Minute

// startCSVDownload starts the download of a CSV file named filename: its
// headers, the write deadline of the first page of rows, and the writer.
// A long download outlives the listener's WriteTimeout, so each further
// page gets its own csvPageWriteTime (ServerLimits) through nextPage. A
// network deadline is on the wall clock, never the injected one.
func startCSVDownload(w http.ResponseWriter, filename string) (cw *CSVWriter, nextPage func()) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	rc := http.NewResponseController(w)
	nextPage = func() { _ = rc.SetWriteDeadline(time.Now().Add(csvPageWriteTime)) }
	nextPage()
	return NewCSVWriter(w), nextPage
}

// abortCSV ends the download of what (its rows so far written to cw)
// whose next page could not be read. The rows so far are sent with a
// 200: ending the response normally would hand the merchant a file cut
// short that looks whole. Aborting it makes the browser say the download
// failed, so they try again; nothing else is for a person to do (WARN).
func (s *Server) abortCSV(r *http.Request, cw *CSVWriter, what string, rows int, err error) {
	s.log.WarnContext(r.Context(), "web: "+what+" csv: cut short, download aborted", "rows", rows, "err", err)
	_ = cw.Flush()
	panic(http.ErrAbortHandler)
}

// finishCSV sends the rest of the download of what; a failure is the
// connection's (the merchant went away), past a status to change.
func (s *Server) finishCSV(r *http.Request, cw *CSVWriter, what string) {
	if err := cw.Flush(); err != nil {
		s.log.WarnContext(r.Context(), "web: "+what+" csv: write", "err", err)
	}
}
