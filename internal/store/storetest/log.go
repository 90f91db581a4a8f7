package storetest

import (
	"io"
	"log/slog"
)

// discardLogger keeps River's own logging out of test output.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
