// Package xeroemutest serves the Xero emulator to tests through
// apispec.Middleware, so that every test talking to the emulator checks
// both sides of each exchange against Xero's own API descriptions: the
// requests the client sends and the answers the emulator gives.
//
// It lives apart from package xeroemu so that the emulator, which the
// production binary links for `emulate` and `demo`, imports neither
// package testing nor the validator.
package xeroemutest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/apispec"
	"github.com/orderbridge/orderbridge/internal/emukit"
	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

// NewServer builds an emulator from opts, serves it on an httptest server
// behind apispec.Middleware (with the binary's shared descriptions, so the
// binary's coverage report counts the traffic), points the emulator's URL
// at the server and closes both when the test ends. Without the
// descriptions the test is skipped locally and fails in CI
// (testenv.Missing), like every apispec user.
//
// opts.Logger defaults to the test log at level Warn.
func NewServer(tb testing.TB, opts xeroemu.Options) *xeroemu.Emulator {
	tb.Helper()
	return Serve(tb, apispec.Shared(tb), opts)
}

// Serve is NewServer validating against specs, for a test that needs its
// own coverage record (specs.Fork()) or a recording testing.TB.
func Serve(tb testing.TB, specs *apispec.Specs, opts xeroemu.Options) *xeroemu.Emulator {
	tb.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	e := xeroemu.New(opts)
	srv := httptest.NewServer(adminAside(apispec.Middleware(tb, specs, e), e))
	e.SetURL(srv.URL)
	tb.Cleanup(func() {
		e.Close()
		srv.Close()
	})
	return e
}

// tbWriter sends log lines to the test log. Lines written after the test
// ended are dropped: testing panics on them.
type tbWriter struct{ tb testing.TB }

// Write logs one line through tb.Log.
func (w tbWriter) Write(p []byte) (int, error) {
	defer func() { _ = recover() }()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// adminAside sends the emulator's own admin API (under /_emulator)
// straight to it: it is not the vendor's, so no description covers it and
// validating it would only report that.
func adminAside(validated, emu http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if emukit.IsAdminPath(r.URL.Path) {
			emu.ServeHTTP(w, r)
			return
		}
		validated.ServeHTTP(w, r)
	})
}
