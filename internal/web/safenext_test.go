package web

import "testing"

func TestSafeNext(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/log": "/log", "/invoices/x?y=1": "/invoices/x?y=1", "": "/dashboard", "//evil.example": "/dashboard",
		`/\evil.example`: "/dashboard", "https://evil.example/": "/dashboard", "log": "/dashboard",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
