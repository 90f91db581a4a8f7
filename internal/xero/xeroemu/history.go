package xeroemu

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxNoteLen is the documented limit of a history note's Details.
const maxNoteLen = 250

func (e *Emulator) getHistory(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.mu.RLock()
	rec := c.org.findInvoice(r.PathValue("id"))
	if rec == nil {
		e.mu.RUnlock()
		writeResult(w, notFound())
		return
	}
	out := make([]wireHistory, len(rec.history))
	for i, h := range rec.history {
		out[i] = renderHistory(h, false)
	}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("HistoryRecords", out, nil))
}

// addHistory appends notes (PUT and POST alike). A note neither bumps the
// invoice's UpdatedDateUTC nor fires a webhook, as documented.
func (e *Emulator) addHistory(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.writeCall(w, r, c, func(body []byte) result {
		raws, err := elements(body, "HistoryRecords")
		if err != nil {
			return postDataInvalid("The request body could not be read as JSON: " + err.Error())
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		rec := c.org.findInvoice(r.PathValue("id"))
		if rec == nil {
			return notFound()
		}
		var failed []map[string]any
		var notes []string
		for _, raw := range raws {
			in, err := decodeObj(raw)
			if err != nil {
				return postDataInvalid("Each history record must be a JSON object.")
			}
			var bad errs
			d, _, err := in.str("Details")
			bad.check(err)
			switch {
			case strings.TrimSpace(d) == "":
				bad.add("The Details field is required.")
			case utf8.RuneCountInString(d) > maxNoteLen:
				bad.add("The Details field must be 250 characters or less.")
			}
			if len(bad) > 0 {
				failed = append(failed, echoElement(raw, bad))
				continue
			}
			notes = append(notes, d)
		}
		if len(failed) > 0 {
			return validationFailure(failed)
		}
		if len(notes) == 0 {
			return postDataInvalid("No HistoryRecords were sent.")
		}
		now := e.now().UTC()
		out := make([]wireHistory, 0, len(notes))
		for _, d := range notes {
			h := HistoryRecord{Changes: "Note", User: "System Generated", Details: d, DateUTC: now}
			rec.history = append(rec.history, h)
			out = append(out, renderHistory(h, true))
		}
		return e.okEnvelope("HistoryRecords", out, nil)
	})
}
