package apispec

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDeriveFromExample(t *testing.T) {
	t.Parallel()
	s := deriveFromExample(decode(t, `{"orderId":123,"orderTotal":35,"amountPaid":412.97,"name":"x","gift":false,
		"createDate":"2015-08-17T09:24:14.7800000","shipDate":"2015-04-25","holdUntilDate":null,"tagIds":[],
		"items":[{"sku":"A","fulfillmentSku":"F","weight":{"value":12,"units":"ounces"}},{"sku":"B","weight":{"value":1.5,"units":"ounces"}}],
		"accountNumber":["SS123",297929999,"913999"]}`), "")
	prop := func(path ...string) *openapi3.Schema {
		t.Helper()
		cur := s
		for _, p := range path {
			if p == "[]" {
				cur = cur.Items.Value
				continue
			}
			r, ok := cur.Properties[p]
			if !ok {
				t.Fatalf("no property %v", path)
			}
			cur = r.Value
		}
		return cur
	}
	cases := []struct {
		path        []string
		typ, format string
		required    []string
		nullable    bool
	}{
		{path: nil, typ: "object", nullable: true, required: []string{"accountNumber", "amountPaid", "createDate", "gift", "holdUntilDate", "items", "name", "orderId", "orderTotal", "shipDate", "tagIds"}},
		{path: []string{"orderId"}, typ: "integer", nullable: true},   // integral id
		{path: []string{"orderTotal"}, typ: "number", nullable: true}, // integral money stays number
		{path: []string{"amountPaid"}, typ: "number", nullable: true},
		{path: []string{"gift"}, typ: "boolean", nullable: true},
		{path: []string{"createDate"}, typ: "string", format: formatPacific, nullable: true},
		{path: []string{"shipDate"}, typ: "string", format: formatPacificDate, nullable: true},
		{path: []string{"holdUntilDate"}, typ: "", nullable: true},                                          // null: any
		{path: []string{"tagIds", "[]"}, typ: "", nullable: true},                                           // empty array: any items
		{path: []string{"items", "[]"}, typ: "object", nullable: true, required: []string{"sku", "weight"}}, // intersection
		{path: []string{"items", "[]", "fulfillmentSku"}, typ: "string", nullable: true},                    // union
		{path: []string{"items", "[]", "weight", "value"}, typ: "number", nullable: true},                   // 12 and 1.5
		{path: []string{"accountNumber", "[]"}, typ: "", nullable: true},                                    // conflicting examples stay any
	}
	for _, tc := range cases {
		got := prop(tc.path...)
		if typeOf(got) != tc.typ || got.Format != tc.format || got.Nullable != tc.nullable || !slices.Equal(got.Required, tc.required) {
			t.Errorf("%v: type %q format %q nullable %v required %v; want %q %q %v %v",
				tc.path, typeOf(got), got.Format, got.Nullable, got.Required, tc.typ, tc.format, tc.nullable, tc.required)
		}
	}
}

func TestMergeDerivedConflictIsSticky(t *testing.T) {
	t.Parallel()
	str := deriveFromExample("a", "k")
	num := deriveFromExample(1.5, "k")
	null := deriveFromExample(nil, "k")
	if got := mergeDerived(mergeDerived(str, num), str); !isAny(got) {
		t.Errorf("string+number+string: %v, want any", typeOf(got))
	}
	if got := mergeDerived(null, str); typeOf(got) != "string" {
		t.Errorf("null+string: %v, want string", typeOf(got))
	}
}

func TestFieldTable(t *testing.T) {
	t.Parallel()
	desc := "Name |Data Type |Description\n-----|-----|-----\n" +
		"``target_url``  | string, required | The URL\n" +
		"``event`` | string, required | The type\n" +
		"``store_id`` | int, optional | Store\n" +
		" ``tagIds``|number[], optional|Array\n"
	rows := parseFieldTable(desc)
	want := []fieldRow{{"target_url", "string", true}, {"event", "string", true}, {"store_id", "int", false}, {"tagIds", "number[]", false}}
	if !slices.Equal(rows, want) {
		t.Fatalf("rows %v, want %v", rows, want)
	}
	// The converter wrote store_id as type 'null' from the example.
	body := deriveFromConverted(openapi3.NewSchemaRef("", &openapi3.Schema{Type: typ("object"), Properties: openapi3.Schemas{
		"store_id": openapi3.NewSchemaRef("", &openapi3.Schema{Type: typ("null")}),
		"event":    openapi3.NewSchemaRef("", &openapi3.Schema{Type: typ("string")}),
	}}), "")
	applyFieldTable(body, rows)
	if !slices.Equal(body.Required, []string{"event", "target_url"}) {
		t.Errorf("required %v", body.Required)
	}
	if got := typeOf(body.Properties["store_id"].Value); got != "integer" {
		t.Errorf("store_id: %q, want integer from the table", got)
	}
	if got := typeOf(body.Properties["target_url"].Value); got != "string" || body.Properties["target_url"].Value.Nullable {
		t.Errorf("target_url: %q nullable=%v, want a non-null string", got, body.Properties["target_url"].Value.Nullable)
	}
	if _, ok := body.Properties["tagIds"]; !ok {
		t.Error("tagIds from the table is not a property")
	}
}
