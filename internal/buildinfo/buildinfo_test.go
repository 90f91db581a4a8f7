package buildinfo

import "testing"

func TestStampParsedAndPrinted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stamp string
		want  string
	}{
		{"version=v1.2.3 commit=abc123 date=2026-12-01T10:00:00Z", "v1.2.3 (commit abc123, built 2026-12-01T10:00:00Z) go1.27.3"},
		{"version=v1.2.3", "v1.2.3 go1.27.3"},
		{"commit=abc123 future=1", " (commit abc123) go1.27.3"},
	}
	for _, tt := range tests {
		info := parse(tt.stamp)
		info.GoVersion = "go1.27.3"
		if got := info.String(); got != tt.want {
			t.Errorf("stamp %q printed %q, want %q", tt.stamp, got, tt.want)
		}
	}
}
