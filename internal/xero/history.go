package xero

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNoteLength is the longest history note Details Xero documents (250
// characters; one third-party summary says 2,500, so we keep to 250).
const MaxNoteLength = 250

// notesPerCall caps the records of one history PUT, to stay well inside
// Xero's advice of about 50 elements per request.
const notesPerCall = 25

type historyEnvelope struct {
	HistoryRecords []HistoryRecord `json:"HistoryRecords"`
}

// History returns an invoice's History & Notes, oldest first as Xero sends
// them.
func (c *Client) History(ctx context.Context, tenantID, invoiceID string) ([]HistoryRecord, error) {
	if invoiceID == "" {
		return nil, errors.New("xero: get history: empty invoice id")
	}
	var env historyEnvelope
	if err := c.do(ctx, &request{op: "get history of invoice " + invoiceID, method: http.MethodGet,
		path: apiPath + "/Invoices/" + url.PathEscape(invoiceID) + "/History", tenantID: tenantID, tenanted: true}, &env); err != nil {
		return nil, err
	}
	return env.HistoryRecords, nil
}

// AddNote writes text to the invoice's History & Notes, the one write-back
// Xero allows whatever the invoice's status. Text longer than MaxNoteLength
// becomes several records (SplitNote), sent in one call (per 25 records) so
// a note is written whole or not at all. key (optional) makes a retry safe:
// each call carries the Idempotency-Key "<key>-<index of its first part>".
func (c *Client) AddNote(ctx context.Context, tenantID, invoiceID, text, key string) ([]HistoryRecord, error) {
	if invoiceID == "" {
		return nil, errors.New("xero: add note: empty invoice id")
	}
	parts := SplitNote(text, MaxNoteLength)
	if len(parts) == 0 {
		return nil, errors.New("xero: add note: empty note")
	}
	op := "add note to invoice " + invoiceID
	var out []HistoryRecord
	for start := 0; start < len(parts); start += notesPerCall {
		batch := parts[start:min(start+notesPerCall, len(parts))]
		recs := make([]HistoryRecord, len(batch))
		for i, p := range batch {
			recs[i] = HistoryRecord{Details: p}
		}
		var h http.Header
		if key != "" {
			h = withIdempotency(key + "-" + strconv.Itoa(start))
		}
		var env historyEnvelope
		if err := c.do(ctx, &request{op: op, method: http.MethodPut,
			path: apiPath + "/Invoices/" + url.PathEscape(invoiceID) + "/History", tenantID: tenantID, tenanted: true,
			body: historyEnvelope{HistoryRecords: recs}, header: h}, &env); err != nil {
			return out, err
		}
		for _, r := range env.HistoryRecords {
			if len(r.ValidationErrors) > 0 {
				ve := &ValidationError{Op: op, Status: http.StatusOK}
				for _, m := range r.ValidationErrors {
					ve.Messages = append(ve.Messages, m.Message)
				}
				return out, ve
			}
		}
		out = append(out, env.HistoryRecords...)
	}
	return out, nil
}

// SplitNote cuts text into parts of at most limit characters (runes),
// breaking after whitespace where it can and inside a word only when a word
// is longer than limit. Concatenating the parts gives text back exactly
// (leading and trailing whitespace of the whole note aside, which is
// trimmed). Blank text gives no parts.
func SplitNote(text string, limit int) []string {
	text = strings.TrimSpace(text)
	if text == "" || limit <= 0 {
		return nil
	}
	var parts []string
	for utf8.RuneCountInString(text) > limit {
		// Byte offset just past the limit-th rune.
		cut, n := 0, 0
		for i := range text {
			if n == limit {
				cut = i
				break
			}
			n++
		}
		// Break after the last whitespace inside the window, if any, so the
		// space stays at the end of this part and the next starts on a word.
		best := -1
		for i, r := range text[:cut] {
			if unicode.IsSpace(r) && i > 0 {
				best = i + utf8.RuneLen(r)
			}
		}
		if best > 0 && best <= cut {
			cut = best
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return append(parts, text)
}
