package xero_test

import (
	"bufio"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// schemaProperties reads the property names of one schema under
// components/schemas from Xero's OpenAPI YAML. The files are regular enough
// (two-space indents, a schema at four spaces, its properties at eight) that
// a line scan does, without a YAML dependency.
func schemaProperties(t *testing.T, file, schema string) map[string]bool {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	props := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	in, inProps := false, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "    "+schema+":":
			in = true
		case in && len(line) > 4 && line[4] != ' ' && strings.HasPrefix(line, "    "):
			return props // the next schema
		case in && line == "      properties:":
			inProps = true
		case in && inProps && strings.HasPrefix(line, "      ") && !strings.HasPrefix(line, "       "):
			inProps = false // another key of the schema (type:, required:)
		case in && inProps && strings.HasPrefix(line, "        ") && !strings.HasPrefix(line, "         ") && strings.HasSuffix(line, ":"):
			props[strings.TrimSuffix(strings.TrimSpace(line), ":")] = true
		}
	}
	if len(props) == 0 {
		t.Fatalf("schema %s not found in %s", schema, file)
	}
	return props
}

// jsonNames returns the JSON names of a struct's fields.
func jsonNames(v any) []string {
	var names []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// TestJSONNamesMatchSpec fails on a misspelt JSON tag: every field of the
// client's types must be a property of the matching schema in Xero's spec.
// LineItem must also cover every property, because a line re-sent on update
// loses whatever the struct does not carry.
func TestJSONNamesMatchSpec(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testenv.SpecsDir(t), "xero")
	accounting := filepath.Join(dir, "xero_accounting.yaml")
	identity := filepath.Join(dir, "xero-identity.yaml")
	tests := []struct {
		file, schema string
		v            any
		complete     bool
		extra        []string // names the spec documents elsewhere
	}{
		{accounting, "Invoice", xero.Invoice{}, false, nil},
		{accounting, "LineItem", xero.LineItem{}, true, nil},
		{accounting, "LineItemItem", xero.LineItemItem{}, true, nil},
		{accounting, "LineItemTracking", xero.LineItemTracking{}, true, nil},
		{accounting, "TaxBreakdownComponent", xero.TaxBreakdown{}, true, nil},
		{accounting, "Contact", xero.Contact{}, false, nil},
		{accounting, "Address", xero.Address{}, true, nil},
		{accounting, "Phone", xero.Phone{}, true, nil},
		{accounting, "ContactPerson", xero.ContactPerson{}, true, nil},
		{accounting, "TrackingCategory", xero.TrackingCategory{}, false, nil},
		{accounting, "TrackingOption", xero.TrackingOption{}, false, nil},
		{accounting, "HistoryRecord", xero.HistoryRecord{}, false, []string{"ValidationErrors"}},
		{accounting, "Organisation", xero.Organisation{}, false, nil},
		{accounting, "Payment", xero.Payment{}, false, nil},
		{accounting, "Account", xero.Account{}, false, nil},
		{accounting, "CreditNote", xero.CreditNote{}, false, []string{"AppliedAmount"}},
		{accounting, "Prepayment", xero.Prepayment{}, false, nil},
		{accounting, "Overpayment", xero.Overpayment{}, false, nil},
		{accounting, "Pagination", xero.Pagination{}, true, nil},
		{accounting, "ValidationError", xero.Message{}, true, nil},
		{identity, "Connection", xero.Connection{}, true, nil},
	}
	for _, tt := range tests {
		props := schemaProperties(t, tt.file, tt.schema)
		for _, e := range tt.extra {
			props[e] = true
		}
		names := map[string]bool{}
		for _, n := range jsonNames(tt.v) {
			names[n] = true
			if !props[n] {
				t.Errorf("%T field %q is not a property of the spec's %s", tt.v, n, tt.schema)
			}
		}
		if tt.complete {
			for p := range props {
				if !names[p] {
					t.Errorf("%T lacks the spec's %s.%s", tt.v, tt.schema, p)
				}
			}
		}
	}
}
