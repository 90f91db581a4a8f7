package apispec

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file derives JSON schemas for ShipStation, whose Swagger file has 70
// empty definitions. Everything it knows comes from the description itself:
//
//   - Response bodies come from the documented example bodies. Every key of
//     an example object becomes a property typed by the example value's JSON
//     type (objects and arrays recursively). A key present in an example is
//     "documented": a response that lacks it is a violation (required).
//     When several examples document one shape (the elements of an example
//     array, or the examples of the "/orders" and "/orders?filters..."
//     variants of one operation) the properties are the union and a key is
//     required only if every example has it. Extra keys are allowed: the
//     examples are samples, not the full model.
//   - A null example value documents the key but not its type: the
//     property accepts any value. Every derived property is also nullable,
//     because ShipStation V1 is an ASP.NET service that serialises absent
//     values as null (the reference's GET /webhooks sample shows
//     "BulkCopyBatchID":null next to documented keys), so null never
//     proves a wrong shape.
//   - JSON numbers become "number", except that an integral example under a
//     key that names a count or an identifier (…Id, …ID, page, pages,
//     total, quantity) becomes "integer": ShipStation's ids and counts are
//     integers and a fractional one would be a bug.
//   - Example strings shaped like ShipStation dates get a format: a date and
//     time without offset (Pacific local time, shipstation-api.md §2.1) or
//     a bare date.
//   - Request bodies: the Swagger converter already turned each documented
//     request example into a body schema (with type 'null' for null
//     example values, which no real request would match). Those schemas
//     are read as example shapes with the rules above, except that no
//     example key is required. Requiredness and missing keys come from the
//     field table ("``orderNumber`` | string, required | …") that the
//     description text carries for most write operations: required rows
//     become required properties, and the table's scalar type wins over the
//     example's (it fixes store_id, 'null' in the example, "int" in the table).
//     String keys named like dates (…Date, …DateStart, …DateEnd) must be
//     Pacific dates or date-times without offset, as must date strings whose
//     key the response example shows as a date.

// idLikeRE selects keys whose integral example values are typed integer.
var idLikeRE = regexp.MustCompile(`(Id|ID|_id|^id|^page|^pages|^total|^quantity)$`)

func typ(t string) *openapi3.Types { return &openapi3.Types{t} }

func isAny(s *openapi3.Schema) bool { return s.Type == nil || len(*s.Type) == 0 }

func typeOf(s *openapi3.Schema) string {
	if isAny(s) {
		return ""
	}
	return (*s.Type)[0]
}

// deriveFromExample returns the schema documented by one example value
// found under key (key matters only for the integer rule).
func deriveFromExample(v any, key string) *openapi3.Schema {
	switch x := v.(type) {
	case nil:
		return &openapi3.Schema{Nullable: true}
	case bool:
		return &openapi3.Schema{Type: typ(openapi3.TypeBoolean), Nullable: true}
	case string:
		s := &openapi3.Schema{Type: typ(openapi3.TypeString), Nullable: true}
		switch {
		case pacificRE.MatchString(x):
			s.Format = formatPacific
		case dateRE.MatchString(x):
			s.Format = formatPacificDate
		}
		return s
	case float64, int, int64, json.Number:
		f := toFloat(x)
		if f == math.Trunc(f) && idLikeRE.MatchString(key) {
			return &openapi3.Schema{Type: typ(openapi3.TypeInteger), Nullable: true}
		}
		return &openapi3.Schema{Type: typ(openapi3.TypeNumber), Nullable: true}
	case []any:
		var items *openapi3.Schema
		for _, e := range x {
			items = mergeDerived(items, deriveFromExample(e, key))
		}
		if items == nil {
			items = &openapi3.Schema{Nullable: true}
		}
		return &openapi3.Schema{Type: typ(openapi3.TypeArray), Items: openapi3.NewSchemaRef("", items), Nullable: true}
	case map[string]any:
		s := &openapi3.Schema{Type: typ(openapi3.TypeObject), Properties: openapi3.Schemas{}, Nullable: true}
		for k, e := range x {
			s.Properties[k] = openapi3.NewSchemaRef("", deriveFromExample(e, k))
			s.Required = append(s.Required, k)
		}
		sort.Strings(s.Required)
		return s
	}
	return &openapi3.Schema{Nullable: true}
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return math.NaN()
}

// mergeDerived combines two derived schemas documenting the same value:
// union of properties, intersection of required keys, number over integer,
// any when the types conflict.
func mergeDerived(a, b *openapi3.Schema) *openapi3.Schema {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case isConflict(a) || isConflict(b):
		return conflict()
	case isAny(a):
		return b
	case isAny(b):
		return a
	}
	ta, tb := typeOf(a), typeOf(b)
	if ta != tb {
		if (ta == openapi3.TypeInteger || ta == openapi3.TypeNumber) && (tb == openapi3.TypeInteger || tb == openapi3.TypeNumber) {
			return &openapi3.Schema{Type: typ(openapi3.TypeNumber), Nullable: true}
		}
		return conflict()
	}
	out := *a
	switch ta {
	case openapi3.TypeString:
		if a.Format != b.Format {
			out.Format = ""
		}
	case openapi3.TypeArray:
		var ia, ib *openapi3.Schema
		if a.Items != nil {
			ia = a.Items.Value
		}
		if b.Items != nil {
			ib = b.Items.Value
		}
		out.Items = openapi3.NewSchemaRef("", mergeDerived(ia, ib))
	case openapi3.TypeObject:
		out.Properties = openapi3.Schemas{}
		for k, p := range a.Properties {
			out.Properties[k] = p
		}
		for k, p := range b.Properties {
			if q, ok := out.Properties[k]; ok {
				out.Properties[k] = openapi3.NewSchemaRef("", mergeDerived(q.Value, p.Value))
			} else {
				out.Properties[k] = p
			}
		}
		inB := map[string]bool{}
		for _, k := range b.Required {
			inB[k] = true
		}
		out.Required = nil
		for _, k := range a.Required {
			if inB[k] {
				out.Required = append(out.Required, k)
			}
		}
	}
	return &out
}

// extConflict marks a derived schema whose examples disagree on the type:
// it accepts anything, and unlike a null example it stays that way when
// merged with further examples.
const extConflict = "x-orderbridge-conflicting-examples"

func conflict() *openapi3.Schema {
	return &openapi3.Schema{Nullable: true, Extensions: map[string]any{extConflict: true}}
}

func isConflict(s *openapi3.Schema) bool { return s.Extensions[extConflict] == true }

// deriveFromConverted reads a body schema the Swagger converter produced
// from a request example as an example shape: 'null' becomes any, every
// property is nullable and nothing is required.
func deriveFromConverted(r *openapi3.SchemaRef, key string) *openapi3.Schema {
	if r == nil || r.Value == nil {
		return &openapi3.Schema{Nullable: true}
	}
	v := r.Value
	switch t := typeOf(v); t {
	case "", openapi3.TypeNull:
		return &openapi3.Schema{Nullable: true}
	case openapi3.TypeObject:
		s := &openapi3.Schema{Type: typ(openapi3.TypeObject), Properties: openapi3.Schemas{}, Nullable: true}
		for k, p := range v.Properties {
			s.Properties[k] = openapi3.NewSchemaRef("", deriveFromConverted(p, k))
		}
		return s
	case openapi3.TypeArray:
		return &openapi3.Schema{Type: typ(openapi3.TypeArray), Items: openapi3.NewSchemaRef("", deriveFromConverted(v.Items, key)), Nullable: true}
	case openapi3.TypeNumber:
		if idLikeRE.MatchString(key) {
			return &openapi3.Schema{Type: typ(openapi3.TypeInteger), Nullable: true}
		}
		return &openapi3.Schema{Type: typ(t), Nullable: true}
	case openapi3.TypeString:
		s := &openapi3.Schema{Type: typ(t), Nullable: true}
		if dateKeyRE.MatchString(key) {
			s.Format = formatPacificDate
		}
		return s
	default:
		return &openapi3.Schema{Type: typ(t), Nullable: true}
	}
}

// tableRowRE reads one row of the field tables in ShipStation's operation
// descriptions: "“orderNumber“ | string, required | text".
var tableRowRE = regexp.MustCompile("(?m)^\\s*``(\\w+)``\\s*\\|\\s*([^|,]+?)\\s*,\\s*(required|optional)\\s*\\|")

// fieldRow is one row of a description's field table.
type fieldRow struct {
	name     string
	typ      string
	required bool
}

func parseFieldTable(description string) []fieldRow {
	var rows []fieldRow
	for _, m := range tableRowRE.FindAllStringSubmatch(description, -1) {
		rows = append(rows, fieldRow{name: m[1], typ: strings.ToLower(strings.TrimSpace(m[2])), required: m[3] == "required"})
	}
	return rows
}

// applyFieldTable adds the table's rows to a derived request body schema:
// required rows become required, scalar table types replace example types,
// and rows missing from the example become properties.
func applyFieldTable(s *openapi3.Schema, rows []fieldRow) {
	if s == nil || typeOf(s) != openapi3.TypeObject {
		return
	}
	for _, r := range rows {
		var scalar string
		switch r.typ {
		case "string":
			scalar = openapi3.TypeString
		case "number", "decimal":
			scalar = openapi3.TypeNumber
		case "int", "integer":
			scalar = openapi3.TypeInteger
		case "boolean", "bool":
			scalar = openapi3.TypeBoolean
		}
		p, ok := s.Properties[r.name]
		switch {
		case scalar != "" && (!ok || typeOf(p.Value) != scalar):
			ps := &openapi3.Schema{Type: typ(scalar), Nullable: !r.required}
			if ok && p.Value != nil {
				ps.Format = p.Value.Format
			}
			s.Properties[r.name] = openapi3.NewSchemaRef("", ps)
		case !ok:
			s.Properties[r.name] = openapi3.NewSchemaRef("", &openapi3.Schema{Nullable: true})
		}
		if r.required {
			s.Required = append(s.Required, r.name)
			if q := s.Properties[r.name].Value; q != nil {
				q.Nullable = false
			}
		}
	}
	sort.Strings(s.Required)
}
