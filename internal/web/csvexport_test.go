package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// formulaStarts reports the pieces of a CSV text that a spreadsheet would
// evaluate when it splits the text on sep: a piece starting (after spaces
// and quotes) with = + - or @.
func formulaStarts(csvText string, sep rune) []string {
	var bad []string
	for _, line := range strings.FieldsFunc(csvText, func(r rune) bool { return r == '\n' || r == '\r' }) {
		for _, piece := range strings.Split(line, string(sep)) {
			p := strings.TrimLeft(piece, ` "`)
			if p != "" && strings.ContainsRune("=+-@", rune(p[0])) {
				bad = append(bad, piece)
			}
		}
	}
	return bad
}

// TestLogCSVDefusesFormulasWhateverTheSeparator downloads the log as CSV
// with lines whose text hides a formula behind a separator a spreadsheet
// may use instead of the comma (a ; in Europe, a tab, a |), or behind a
// line break, and shows that no cell, however the file is split, starts
// a formula.
func TestLogCSVDefusesFormulasWhateverTheSeparator(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	texts := []string{"X;=1+1", "X,=1+1", "X\t=1+1", "X|=1+1", "X\n=1+1", "X\r\n@SUM(A1)", `X;"=1+1"`, "X; -2+3", "=HYPERLINK(1)", "+1", "plain"}
	seedLog(t, e, acc, len(texts), func(i int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed, InvoiceID: "inv-" + texts[i],
			InvoiceNumber: texts[i], OrderNumber: texts[i], Message: texts[i], Detail: texts[i]}
	})
	b.get("/log.csv")
	b.wantStatus(http.StatusOK)
	for _, sep := range []rune{',', ';', '\t', '|'} {
		if bad := formulaStarts(b.body, sep); len(bad) > 0 {
			t.Errorf("split on %q, cells start a formula: %q", sep, bad)
		}
	}
	if !strings.Contains(b.body, "plain") {
		t.Errorf("the CSV lost the plain text:\n%s", b.body)
	}
}

// TestLogCSVOutlivesTheWriteTimeout shows that the CSV download, which
// may stream for longer than the listener's WriteTimeout, extends its
// own deadline: under a WriteTimeout that has passed before the handler
// starts, the CSV still arrives whole, while a page does not.
func TestLogCSVOutlivesTheWriteTimeout(t *testing.T) {
	t.Parallel()
	e, b, acc := annSignedUp(t)
	seedLog(t, e, acc, 3, func(int) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: store.OutcomeFailed, InvoiceID: "i", Message: "sent"}
	})
	limits := testLimits
	limits.WriteTimeout = time.Nanosecond
	addr := serveLimited(t, e.web.Handler(), limits)
	b.get("http://" + addr + "/log.csv") // the jar's cookies are per host, not port
	b.wantStatus(http.StatusOK)
	if n := strings.Count(b.body, "sent"); n != 3 {
		t.Errorf("CSV has %d of 3 lines:\n%s", n, b.body)
	}
}
