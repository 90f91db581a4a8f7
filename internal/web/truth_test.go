package web_test

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/web"
)

// cellTexts is the text of every table cell on the page.
func (b *browser) cellTexts() []string {
	b.t.Helper()
	var out []string
	for _, td := range b.find(func(n *html.Node) bool { return n.DataAtom == atom.Td }) {
		out = append(out, text(td))
	}
	return out
}

// TestRunPageShowsItsOwnRun checks that a finished run's page says what
// that run did, and lists its own log lines, not the newest lines of
// other runs.
func TestRunPageShowsItsOwnRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	b := e.browser()
	b.signUp("Acme", "ann@example.com", password)
	acc := e.mustAccount(t, "ann@example.com")
	first, _ := e.jobs.EnqueueExport(context.Background(), nil, acc)
	second, _ := e.jobs.EnqueueExport(context.Background(), nil, acc)
	line := func(run int64, number string, o store.Outcome) store.LogEntry {
		return store.LogEntry{Direction: store.XeroToShipStation, Outcome: o, InvoiceID: "id-" + number,
			InvoiceNumber: number, Message: number + " " + string(o), RunID: run}
	}
	seedLog(t, e, acc, 3, func(i int) store.LogEntry {
		return []store.LogEntry{line(first, "INV-1", store.OutcomeSuccess), line(first, "INV-2", store.OutcomeSkipped),
			line(second, "INV-3", store.OutcomeFailed)}[i]
	})
	e.jobs.set(first, web.RunStatus{State: web.RunSucceeded, Done: 5, Total: 5,
		Summary: &web.RunSummary{New: 1, Skipped: 1, Unchanged: 3}})

	b.get("/runs/" + itoa64(first))
	cells := strings.Join(b.cellTexts(), "|")
	if !strings.Contains(cells, "INV-1") || !strings.Contains(cells, "INV-2") {
		t.Errorf("the run's page lacks its own lines: %q", cells)
	}
	if strings.Contains(cells, "INV-3") {
		t.Errorf("the run's page shows a line of another run: %q", cells)
	}
	for id, want := range map[string]string{"run-new": "1", "run-updated": "0", "run-unchanged": "3", "run-skipped": "1", "run-failed": "0"} {
		if got := text(b.byID(id)); got != want {
			t.Errorf("#%s = %q, want %q", id, got, want)
		}
	}

	// The log filtered by the run lists the same lines.
	b.get("/log?run=" + itoa64(first))
	var numbers []string
	for _, r := range b.rows("log-table") {
		numbers = append(numbers, r[2])
	}
	if strings.Join(numbers, ",") != "INV-2,INV-1" {
		t.Errorf("the log of run %d lists %v", first, numbers)
	}
}
