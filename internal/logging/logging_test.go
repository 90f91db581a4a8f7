package logging_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/logging"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

func TestContextAttrsOnEveryLine(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	log := logging.New(&buf, logging.FormatLogfmt, slog.LevelInfo)
	ctx := logging.With(context.Background(), slog.String("request_id", "r-1"))
	ctx = logging.With(ctx, slog.Int64("job_id", 7), slog.Int64("account", 3))
	log.InfoContext(ctx, "export run", "summary", "2 exported")
	log.With("component", "x").WarnContext(ctx, "retry", "account", 4)
	log.Info("no context")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines:\n%s", len(lines), buf.String())
	}
	for _, want := range []string{"request_id=r-1", "job_id=7", "account=3", `summary="2 exported"`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %s", lines[0], want)
		}
	}
	// The call's own account wins, and appears once.
	if strings.Count(lines[1], "account=") != 1 || !strings.Contains(lines[1], "account=4") || !strings.Contains(lines[1], "job_id=7") {
		t.Errorf("line %q: want job_id=7 and account=4 once", lines[1])
	}
	if strings.Contains(lines[2], "job_id") {
		t.Errorf("line without the context %q carries its attributes", lines[2])
	}
}

func TestJSONFormat(t *testing.T) {
	t.Parallel()
	var buf testkit.Buffer
	log := logging.New(&buf, logging.FormatJSON, slog.LevelWarn)
	ctx := logging.With(context.Background(), slog.String("request_id", "abc"))
	log.InfoContext(ctx, "dropped: below the level")
	log.ErrorContext(ctx, "reconnect needed", "account", 9)
	var rec map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &rec); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
	}
	if rec["level"] != "ERROR" || rec["msg"] != "reconnect needed" || rec["request_id"] != "abc" || rec["account"] != float64(9) {
		t.Errorf("record %v", rec)
	}
}

func TestCheckFormat(t *testing.T) {
	t.Parallel()
	for f, ok := range map[string]bool{"": true, "logfmt": true, "json": true, "text": false, "JSON ": false} {
		if err := logging.CheckFormat(f); (err == nil) != ok {
			t.Errorf("CheckFormat(%q) = %v", f, err)
		}
	}
}
