// Package conformance holds the end-to-end API conformance test: it drives
// every operation orderbridge uses (apispec.UsedOperations) through the
// real clients (internal/xero, internal/shipstation) against the emulators,
// with apispec validating both sides of every exchange, and fails unless
// each operation was exercised without a violation. Its report is the
// coverage report of issue 8:
//
//	go test ./internal/apispec/conformance -run TestCoverage -v
//
// The package has no code of its own; it exists for its test.
package conformance
