package xero_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/xero"
)

func TestZoneOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"NEWZEALANDSTANDARDTIME", "Pacific/Auckland", true},
		{"AUSEASTERNSTANDARDTIME", "Australia/Sydney", true},
		{"GMTSTANDARDTIME", "Europe/London", true},
		{"EASTERNSTANDARDTIME", "America/New_York", true},
		{"CENTRALSTANDARDTIME(MEXICO)", "America/Mexico_City", true},
		{"UTC", "UTC", true},
		{"UTC+12", "Etc/GMT-12", true}, // the POSIX sign is the other way round
		{" newzealandstandardtime ", "Pacific/Auckland", true},
		{"", "", false},
		{"New Zealand Standard Time", "", false}, // Windows' own spelling is not Xero's
		{"MARSSTANDARDTIME", "", false},
	}
	for _, tc := range tests {
		got, ok := xero.ZoneOf(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ZoneOf(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// Every value of the spec's TimeZone enum maps to a zone Go can load.
func TestZoneOfCoversSpec(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(testenv.SpecsDir(t), "xero", "xero_accounting.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var values []string
	in, inEnum := false, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "    TimeZone:":
			in = true
		case in && strings.HasPrefix(line, "      enum:"):
			inEnum = true
		case in && inEnum && strings.HasPrefix(strings.TrimSpace(line), "- "):
			values = append(values, strings.TrimPrefix(strings.TrimSpace(line), "- "))
		case in && inEnum:
			in = false
		}
	}
	if len(values) < 100 {
		t.Fatalf("read %d TimeZone values from the spec", len(values))
	}
	for _, v := range values {
		iana, ok := xero.ZoneOf(v)
		if !ok {
			t.Errorf("%s has no zone", v)
			continue
		}
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%s: %s does not load: %v", v, iana, err)
		}
	}
}
