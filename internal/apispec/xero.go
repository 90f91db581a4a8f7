package apispec

import (
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Names of the loaded documents in Specs.docs.
const (
	docAccounting  = "accounting"
	docIdentity    = "identity"
	docWebhooks    = "webhooks"
	docShipStation = "shipstation"
)

// loadXero loads Xero's three documents. The accounting one is OpenAPI
// 3.0.0 and its examples mistype their own schemas, so it is loaded without
// validating the document (kin-openapi would also reject its conflicting
// templated paths such as /Contacts/{ContactID} and
// /Contacts/{ContactNumber}, which the router here resolves by format).
// kin-openapi v0.153.0 reads OpenAPI 3.1 natively (doc.IsOpenAPI31OrLater
// switches validation to JSON Schema 2020-12), so the 3.1 webhooks document
// needs no special flag; the identity document is in fact 3.0.0.
func (s *Specs) loadXero(dir string) error {
	for _, f := range []struct{ name, file string }{
		{docAccounting, "xero_accounting.yaml"},
		{docIdentity, "xero-identity.yaml"},
		{docWebhooks, "xero-webhooks.yaml"},
	} {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(dir, f.file))
		if err != nil {
			return fmt.Errorf("apispec: load xero %s: %w", f.name, err)
		}
		markMSDates(doc)
		s.docs[f.name] = doc
	}
	if err := s.addSupplements(Xero, docAccounting, s.docs[docAccounting]); err != nil {
		return err
	}
	if err := s.addXeroOps(s.docs[docAccounting], false); err != nil {
		return err
	}
	if err := s.addSupplements(Xero, docIdentity, s.docs[docIdentity]); err != nil {
		return err
	}
	if err := s.addXeroOps(s.docs[docIdentity], true); err != nil {
		return err
	}
	hooks := s.docs[docWebhooks]
	names := make([]string, 0, len(hooks.Webhooks))
	for n := range hooks.Webhooks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		item := hooks.Webhooks[n]
		for method, oper := range item.Operations() {
			o := &operation{op: Op{Xero, oper.OperationID}, method: method, template: "webhooks/" + n, doc: hooks, item: item, oper: oper}
			if err := s.add(o); err != nil {
				return err
			}
			s.webhooks[o.op] = o
		}
	}
	return nil
}

// addXeroOps registers every operation of one Xero document under the path
// of its first server URL.
func (s *Specs) addXeroOps(doc *openapi3.T, foldCase bool) error {
	prefix := ""
	if len(doc.Servers) > 0 {
		u, err := url.Parse(doc.Servers[0].URL)
		if err != nil {
			return fmt.Errorf("apispec: xero server url: %w", err)
		}
		prefix = strings.TrimSuffix(u.Path, "/")
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, oper := range item.Operations() {
			id := oper.OperationID
			if id == "" {
				id = method + " " + path
			}
			o := &operation{
				op: Op{Xero, id}, method: method, template: path, prefix: prefix,
				foldCase: foldCase, doc: doc, item: item, oper: oper, strictKeys: true,
			}
			if err := s.add(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// markMSDates gives every schema tagged with Xero's x-is-msdate or
// x-is-msdate-time extension a format this package validates strictly
// ("/Date(ms[+-hhmm])/" in responses). The description types these fields
// as plain strings; the extension is where it says what the strings hold.
func markMSDates(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(r *openapi3.SchemaRef)
	walk = func(r *openapi3.SchemaRef) {
		if r == nil || r.Value == nil || seen[r.Value] {
			return
		}
		v := r.Value
		seen[v] = true
		switch {
		case v.Extensions["x-is-msdate"] == true:
			v.Format = formatMSDate
		case v.Extensions["x-is-msdate-time"] == true:
			v.Format = formatMSDateTime
		}
		for _, p := range v.Properties {
			walk(p)
		}
		walk(v.Items)
		walk(v.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{v.AllOf, v.AnyOf, v.OneOf} {
			for _, x := range l {
				walk(x)
			}
		}
		walk(v.Not)
	}
	if doc.Components != nil {
		names := make([]string, 0, len(doc.Components.Schemas))
		for n := range doc.Components.Schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			walk(doc.Components.Schemas[n])
		}
	}
	eachOperation(doc, func(_ string, oper *openapi3.Operation) {
		for _, p := range oper.Parameters {
			if p.Value != nil {
				walk(p.Value.Schema)
			}
		}
		if oper.RequestBody != nil && oper.RequestBody.Value != nil {
			for _, mt := range oper.RequestBody.Value.Content {
				walk(mt.Schema)
			}
		}
		for _, r := range oper.Responses.Map() {
			if r.Value != nil {
				for _, mt := range r.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	})
}

// eachOperation calls fn for every operation in paths and webhooks.
func eachOperation(doc *openapi3.T, fn func(method string, oper *openapi3.Operation)) {
	items := []*openapi3.PathItem{}
	if doc.Paths != nil {
		for _, p := range doc.Paths.InMatchingOrder() {
			items = append(items, doc.Paths.Value(p))
		}
	}
	names := make([]string, 0, len(doc.Webhooks))
	for n := range doc.Webhooks {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		items = append(items, doc.Webhooks[n])
	}
	for _, item := range items {
		for m, oper := range item.Operations() {
			fn(m, oper)
		}
	}
}
