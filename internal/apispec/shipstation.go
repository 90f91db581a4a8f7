package apispec

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
)

// templateParamRE finds "{name}" in a path template.
var templateParamRE = regexp.MustCompile(`\{(\w+)\}`)

// dateKeyRE selects ShipStation query parameters and request body keys
// that carry dates (createDateStart, shipDateEnd, holdUntilDate, shipDate...).
var dateKeyRE = regexp.MustCompile(`(Date|DateStart|DateEnd)$`)

// ssVariant is one documented path of a ShipStation operation: the
// Swagger file documents GET /orders twice, as "/orders" and as
// "/orders?customerName={customerName}&…" (query parameters written into the
// path, declared "in: path"). Both describe one operation.
type ssVariant struct {
	key  string
	oper *openapi3.Operation
}

// loadShipStation reads the Swagger 2.0 file, converts it with
// openapi2conv.ToV3 and rebuilds it as one OpenAPI 3 document: variants of
// one method and path are merged, query parameters written into paths
// become optional query parameters, and every body gets a schema derived
// from the description's examples (derive.go).
func (s *Specs) loadShipStation(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("apispec: load shipstation: %w", err)
	}
	var d2 openapi2.T
	if err := openapi2.UnmarshalFromData(data, &d2); err != nil {
		return fmt.Errorf("apispec: load shipstation: %w", err)
	}
	d3, err := openapi2conv.ToV3(&d2)
	if err != nil {
		return fmt.Errorf("apispec: convert shipstation: %w", err)
	}
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info:    d3.Info,
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{
			// Reference shipstation-api.md §1.1: V1 is HTTP Basic with the
			// API key and secret. The Swagger file declares no security.
			"basicAuth": &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic")},
		}},
	}
	groups := map[string][]ssVariant{}
	for _, key := range d3.Paths.InMatchingOrder() {
		base, _, _ := strings.Cut(key, "?")
		for method, oper := range d3.Paths.Value(key).Operations() {
			g := method + " " + base
			groups[g] = append(groups[g], ssVariant{key: key, oper: oper})
		}
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		method, base, _ := strings.Cut(g, " ")
		vs := groups[g]
		sort.Slice(vs, func(i, j int) bool { return vs[i].key < vs[j].key })
		oper := mergeShipStation(g, base, vs)
		item := doc.Paths.Value(base)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(base, item)
		}
		item.SetOperation(method, oper)
	}
	s.docs[docShipStation] = doc
	for _, base := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(base)
		for method, oper := range item.Operations() {
			o := &operation{op: Op{ShipStation, oper.OperationID}, method: method, template: base, doc: doc, item: item, oper: oper}
			if err := s.add(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func mergeShipStation(id, base string, vs []ssVariant) *openapi3.Operation {
	inPath := map[string]bool{}
	for _, m := range templateParamRE.FindAllStringSubmatch(base, -1) {
		inPath[m[1]] = true
	}
	sec := openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("basicAuth")}
	out := &openapi3.Operation{OperationID: id, Summary: vs[0].oper.Summary, Responses: openapi3.NewResponses(), Security: &sec}
	out.Responses.Delete("default")
	seen := map[string]bool{}
	var descs []string
	responses := map[string]*openapi3.Response{}
	examples := map[string]openapi3.Examples{}
	for _, v := range vs {
		descs = append(descs, v.oper.Description)
		for _, pr := range v.oper.Parameters {
			if pr.Value == nil || seen[pr.Value.Name] {
				continue
			}
			seen[pr.Value.Name] = true
			p := *pr.Value
			if inPath[p.Name] {
				p.In, p.Required = openapi3.ParameterInPath, true
			} else {
				p.In, p.Required = openapi3.ParameterInQuery, false
				if p.Schema != nil && p.Schema.Value != nil && typeOf(p.Schema.Value) == openapi3.TypeString && dateKeyRE.MatchString(p.Name) {
					sc := *p.Schema.Value
					sc.Format = formatPacificDate
					p.Schema = openapi3.NewSchemaRef("", &sc)
				}
			}
			out.Parameters = append(out.Parameters, &openapi3.ParameterRef{Value: &p})
		}
		if rb := v.oper.RequestBody; rb != nil && rb.Value != nil && out.RequestBody == nil {
			var conv *openapi3.SchemaRef
			for _, mt := range rb.Value.Content {
				conv = mt.Schema
			}
			body := deriveFromConverted(conv, "")
			applyFieldTable(body, parseFieldTable(v.oper.Description))
			body.Nullable = false
			out.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithJSONSchema(body))}
		}
		for status, rr := range v.oper.Responses.Map() {
			if rr.Value == nil {
				continue
			}
			r := responses[status]
			if r == nil {
				r = &openapi3.Response{Description: rr.Value.Description}
				responses[status] = r
			}
			for _, mt := range rr.Value.Content {
				if mt.Example == nil || isEmptyExample(mt.Example) {
					continue
				}
				if examples[status] == nil {
					examples[status] = openapi3.Examples{}
				}
				examples[status][v.key] = &openapi3.ExampleRef{Value: openapi3.NewExample(mt.Example)}
			}
		}
	}
	out.Description = strings.Join(descs, "\n\n")
	for status, r := range responses {
		if exs := examples[status]; len(exs) > 0 {
			var schema *openapi3.Schema
			keys := make([]string, 0, len(exs))
			for k := range exs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				schema = mergeDerived(schema, deriveFromExample(exs[k].Value.Value, ""))
			}
			schema.Nullable = false
			mt := openapi3.NewMediaType().WithSchema(schema)
			mt.Examples = exs
			r.Content = openapi3.Content{"application/json": mt}
		}
		out.Responses.Set(status, &openapi3.ResponseRef{Value: r})
	}
	if out.RequestBody != nil && responses["200"] != nil && responses["200"].Content != nil {
		borrowFormats(out.RequestBody.Value.Content.Get("application/json").Schema.Value,
			responses["200"].Content.Get("application/json").Schema.Value)
	}
	return out
}

// borrowFormats gives request body strings the date formats derived for
// the same keys of the response example: the converter dropped the request
// example's values, but an order posted to createorder documents its dates
// the way the order it returns does (request-side validators then accept
// "yyyy-mm-dd hh:mm:ss" and the response layout, both without offset).
func borrowFormats(req, resp *openapi3.Schema) {
	if req == nil || resp == nil {
		return
	}
	switch typeOf(req) {
	case openapi3.TypeObject:
		for k, p := range req.Properties {
			if q, ok := resp.Properties[k]; ok && p.Value != nil && q.Value != nil {
				borrowFormats(p.Value, q.Value)
			}
		}
	case openapi3.TypeArray:
		if req.Items != nil && resp.Items != nil {
			borrowFormats(req.Items.Value, resp.Items.Value)
		}
	case openapi3.TypeString:
		if req.Format == "" && typeOf(resp) == openapi3.TypeString {
			req.Format = resp.Format
		}
	}
}

func isEmptyExample(v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
