package notify_test

import (
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv"
)

// TestMain prints, after the tests, one summary of those that skipped
// because something they need is missing (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(m) }
