// Package logging builds orderbridge's logger: logfmt or JSON lines on one
// writer, at a level, through a handler that adds the attributes a request
// or a job put into its context (the request id; the job id, kind and
// account). Code that logs with InfoContext(ctx, …) and the like gets them
// without passing them along.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
)

// Formats of the log lines (ORDERBRIDGE_LOG_FORMAT).
const (
	// FormatLogfmt is key=value text, one line per record: the default.
	FormatLogfmt = "logfmt"
	// FormatJSON is one JSON object per line, for log shippers.
	FormatJSON = "json"
)

// CheckFormat reports whether f is a format New knows ("" is logfmt).
func CheckFormat(f string) error {
	switch f {
	case "", FormatLogfmt, FormatJSON:
		return nil
	}
	return fmt.Errorf("logging: %q is not a log format (logfmt or json)", f)
}

// New returns a logger writing format lines of level and above to w, with
// the context's attributes (With) on every line. An unknown format is
// logfmt: config.FromEnv has already refused it.
func New(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == FormatJSON {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewContextHandler(h))
}

type ctxKey struct{}

// With returns a context whose log lines carry attrs as well as those its
// parent's already carry (a later attribute of the same key replaces an
// earlier one).
func With(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev := Attrs(ctx)
	merged := make([]slog.Attr, 0, len(prev)+len(attrs))
	for _, a := range prev {
		if !slices.ContainsFunc(attrs, func(b slog.Attr) bool { return b.Key == a.Key }) {
			merged = append(merged, a)
		}
	}
	return context.WithValue(ctx, ctxKey{}, append(merged, attrs...))
}

// Attrs returns the attributes With put into ctx.
func Attrs(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	attrs, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	return attrs
}

// ContextHandler adds the attributes of the record's context (With) to
// every record, before those of the call. A key the call sets itself is
// not repeated from the context, so a line is never ambiguous in JSON.
type ContextHandler struct {
	next slog.Handler
}

// NewContextHandler wraps next.
func NewContextHandler(next slog.Handler) *ContextHandler { return &ContextHandler{next: next} }

// Enabled reports whether next handles level.
func (h *ContextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the context's attributes that the record does not set
// itself, and passes the record on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	attrs := Attrs(ctx)
	if len(attrs) == 0 {
		return h.next.Handle(ctx, r)
	}
	own := map[string]bool{}
	r.Attrs(func(a slog.Attr) bool {
		own[a.Key] = true
		return true
	})
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	for _, a := range attrs {
		if !own[a.Key] {
			nr.AddAttrs(a)
		}
	}
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(a)
		return true
	})
	return h.next.Handle(ctx, nr)
}

// WithAttrs returns a handler whose records carry attrs too.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a handler that nests later attributes in a group (the
// context's too: orderbridge's loggers use no groups).
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}
