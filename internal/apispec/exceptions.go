package apispec

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Kind says what an Exception excuses or adds.
type Kind string

// The kinds of exceptions.
const (
	// KindStatus: a status code the operation's description omits is
	// accepted; its body is checked against the exception's own schema
	// when it has one, and required response headers are checked.
	KindStatus Kind = "status"
	// KindFormat: a value the description gives one format may have the
	// format the real service sends; the value is still checked against
	// that other format.
	KindFormat Kind = "format"
	// KindOperation: an endpoint the descriptions lack is described here
	// (request and response schemas from the reference notes).
	KindOperation Kind = "operation"
	// KindPathCase: the documented path is matched ignoring letter case.
	KindPathCase Kind = "path-case"
	// KindAddition: a check the description lacks, added from the
	// reference notes (it makes validation stricter, never looser).
	KindAddition Kind = "addition"
)

// Exception is one row of the table below: a place where the vendor's
// description is wrong or silent and the reference notes show what the real
// service does. Each row is as narrow as it can be: one status, one value
// location, one endpoint.
type Exception struct {
	Vendor Vendor
	// Operations the row applies to; "*" means every operation the
	// vendor's description documents (not the operations KindOperation
	// rows add).
	Operations []string
	Kind       Kind
	// Target is what is excepted: a status code ("429"), a value location
	// ("response body /*/createdDateUtc", "request header
	// If-Modified-Since"; "*" matches one path segment), a path.
	Target string
	// Allows says in words what is accepted instead.
	Allows string
	// Reason says why, with a pointer into /work/shared/reference.
	Reason string

	accept  func(string) error                                      // KindFormat: the alternative format
	body    *openapi3.Schema                                        // KindStatus: body schema, nil = body not checked
	bodyRef string                                                  // KindStatus: body schema by component name in the vendor's main document
	headers []string                                                // KindStatus: response headers that must be present
	define  func(*openapi3.T) (string, string, *openapi3.Operation) // KindOperation: path, method, operation
	require func(*http.Request) error                               // KindAddition checked on each request, if set
}

// Exceptions returns the table, for reports and for doc/conformance.md.
func Exceptions() []Exception {
	return exceptionTable()
}

// exceptionTable is the one place where validation differs from what the
// descriptions say. doc/conformance.md lists the same rows (a test checks
// that every row appears there).
func exceptionTable() []Exception {
	xeroProblem := objectSchema([]string{"Title", "Status"}, map[string]*openapi3.Schema{
		"Type": anyValue(), "Title": stringSchema(""), "Status": intSchema(), "Detail": stringSchema(""),
		"Instance": stringSchema(""), "Extensions": anyValue(),
	})
	ssError := objectSchema([]string{"Message"}, map[string]*openapi3.Schema{
		"Message": stringSchema(""), "ModelState": anyValue(), "ExceptionMessage": stringSchema(""),
		"ExceptionType": stringSchema(""), "StackTrace": stringSchema(""),
	})
	return []Exception{
		// Xero: statuses every call can get, documented outside the description.
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "401", body: xeroProblem,
			Allows: `401 with the RFC 7807-like JSON {"Title","Status","Detail",…}`,
			Reason: "expired token or missing scope; the description documents only 200/400 (xero-api.md §8.2)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "403", body: xeroProblem,
			Allows: "403 with the same problem JSON",
			Reason: "wrong or disconnected xero-tenant-id: AuthenticationUnsuccessful (xero-api.md §1.6, §8.2)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "429", headers: []string{"Retry-After", "X-Rate-Limit-Problem"},
			Allows: "429 carrying Retry-After and X-Rate-Limit-Problem; body not checked",
			Reason: "rate limits: 60/min, 5 concurrent, 5000/day per tenant (xero-api.md §0.5, §8.3)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "500",
			Allows: "500, body not checked", Reason: "unhandled Xero error, retried with backoff (xero-api.md §8.2)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "503",
			Allows: "503 with a plain-text or JSON body, not checked",
			Reason: "maintenance or \"Organisation offline\" (xero-api.md §8.2)"},
		{Vendor: Xero, Operations: []string{"getInvoices", "getInvoice", "updateInvoice", "getInvoiceHistory", "createInvoiceHistory", "getContact"},
			Kind: KindStatus, Target: "404",
			Allows: "404, body not checked",
			Reason: "unknown id, and the >50 IDs URL-length trap on getInvoices (xero-api.md §0.4, §8.2)"},
		{Vendor: Xero, Operations: []string{"getInvoices", "getContacts"}, Kind: KindStatus, Target: "400", bodyRef: "Error",
			Allows: "400 with the description's own Error schema (ValidationException)",
			Reason: "malformed where filter or \"not filtering efficiently\"; the description documents 400 only on writes (xero-api.md §3.2, §8.1)"},
		// Xero: value formats.
		{Vendor: Xero, Operations: everyOp(), Kind: KindFormat, Target: "request header If-Modified-Since", accept: checkNoZoneTimestamp,
			Allows: `"yyyy-mm-ddThh:mm:ss[.fff]" without zone (UTC), besides RFC 3339`,
			Reason: "the description says format date-time, Xero's docs say a UTC timestamp without zone (xero-api.md §3.2)"},
		{Vendor: Xero, Operations: []string{"getConnections"}, Kind: KindFormat, Target: "response body /*/createdDateUtc", accept: checkNoZoneTimestamp,
			Allows: `"2019-12-07T18:46:19.5165400" (UTC, no offset)`,
			Reason: "format date-time in the schema, but the description's own example and the service have no offset (xero-api.md §1.6)"},
		{Vendor: Xero, Operations: []string{"getConnections"}, Kind: KindFormat, Target: "response body /*/updatedDateUtc", accept: checkNoZoneTimestamp,
			Allows: "the same for updatedDateUtc", Reason: "as createdDateUtc (xero-api.md §1.6)"},
		{Vendor: Xero, Operations: []string{"publishInvoiceEvent", "publishContactEvent", "publishSubscriptionEvent", "publishCreditNoteEvent"},
			Kind: KindFormat, Target: "request body /events/*/eventDateUtc", accept: checkNoZoneTimestamp,
			Allows: `"2024-06-21T01:15:39.902" (UTC, no offset)`,
			Reason: "format date-time in the schema, but the description's own examples have no offset (xero-webhooks.yaml; xero-api.md §9.2)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindAddition, Target: "request header Accept", require: acceptJSON,
			Allows: "requires Accept: application/json on /api.xro/2.0 calls",
			Reason: "without it the Accounting API answers in XML (xero-api.md §0.1, §2)"},
		{Vendor: Xero, Operations: everyOp(), Kind: KindAddition, Target: "response x-is-msdate fields",
			Allows: "requires ms divisible by 86400000 (midnight UTC)",
			Reason: "date-only fields hold midnight UTC of the date (xero-api.md §2.1); some of the description's non-invoice examples break this"},
		// Xero: paths.
		{Vendor: Xero, Operations: []string{"getConnections", "deleteConnection"}, Kind: KindPathCase, Target: "/Connections",
			Allows: "/connections (any letter case)",
			Reason: "the identity description writes /Connections, the service and the reference use /connections (xero-api.md §1.1)"},
		// Xero: endpoints the descriptions lack (only securitySchemes name them).
		{Vendor: Xero, Operations: []string{opToken}, Kind: KindOperation, Target: "POST /connect/token", define: defineToken,
			Allows: "form grant_type=authorization_code|refresh_token|client_credentials with Basic auth; 200 token JSON, 400/401 OAuth error JSON",
			Reason: "OAuth token endpoint, only a tokenUrl in the identity description (xero-api.md §1.3, §1.4, §8.2)"},
		{Vendor: Xero, Operations: []string{opAuthorize}, Kind: KindOperation, Target: "GET /identity/connect/authorize", define: defineAuthorize,
			Allows: "query response_type=code, client_id, redirect_uri, scope, state; 302/303 with Location or 200 HTML",
			Reason: "OAuth consent page, only an authorizationUrl in the identity description (xero-api.md §1.1, §1.2)"},
		{Vendor: Xero, Operations: []string{opRevoke}, Kind: KindOperation, Target: "POST /connect/revocation", define: defineRevoke,
			Allows: "form token=… with Basic auth; 200",
			Reason: "refresh token revocation, not in any description (xero-api.md §1.1)"},

		// ShipStation: the official status table applies to every endpoint.
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "400", body: ssError,
			Allows: `400 with the ASP.NET error JSON {"Message","ModelState"}`,
			Reason: "validation or deserialisation error (shipstation-api.md §2.3, §2.4)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "401",
			Allows: "401, body not checked (undocumented)", Reason: "bad or expired key (shipstation-api.md §2.3, §2.4)"},
		{Vendor: ShipStation, Operations: []string{"GET /orders/{orderId}", "DELETE /orders/{orderId}", "DELETE /webhooks/{webhookId}",
			"POST /orders/markasshipped", "POST /orders/holduntil", "POST /orders/restorefromhold", "POST /orders/createlabelfororder", "POST /shipments/voidlabel"},
			Kind: KindStatus, Target: "404", Allows: "404, body not checked",
			Reason: "unknown order, shipment or webhook id (shipstation-api.md §2.3)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "429",
			body:    objectSchema([]string{"message"}, map[string]*openapi3.Schema{"message": stringSchema("")}),
			headers: []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"},
			Allows:  `429 with {"message":"Too Many Requests"} and the X-Rate-Limit-* headers`,
			Reason:  "40 requests/min per key pair (shipstation-api.md §2.4, §7.1)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "500", body: ssError,
			Allows: `500 with {"Message","ExceptionMessage",…}`, Reason: "ShipStation internal error (shipstation-api.md §2.3, §2.4)"},
		// ShipStation: additions (stricter than the description).
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindAddition, Target: "request header Authorization",
			Allows: "requires Authorization: Basic …",
			Reason: "the Swagger file declares no security; V1 is HTTP Basic with key and secret (shipstation-api.md §1.1)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindAddition, Target: "request query and body keys *Date, *DateStart, *DateEnd",
			Allows: `requires "yyyy-mm-dd hh:mm:ss" or "yyyy-mm-dd" without offset`,
			Reason: "the Swagger file types dates as plain strings; ShipStation reads request dates as Pacific local time (shipstation-api.md §2.1)"},
	}
}

// acceptJSON is the Accept rule of the Accounting API (not /connections).
func acceptJSON(r *http.Request) error {
	if !strings.HasPrefix(r.URL.Path, "/api.xro/") {
		return nil
	}
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(v, "application/json") {
			return nil
		}
	}
	return errors.New("Accept: application/json is missing (Xero answers in XML without it)")
}

// everyOp is the Operations value meaning every documented operation.
func everyOp() []string { return []string{"*"} }

// Operation ids of the endpoints the table adds.
const (
	opToken     = "postToken"
	opAuthorize = "getAuthorize"
	opRevoke    = "postRevocation"
)

// appliesTo reports whether the row covers op. Rows with "*" cover only
// operations the vendor's own description documents.
func (e Exception) appliesTo(op Op, supplemental bool) bool {
	if e.Vendor != op.Vendor {
		return false
	}
	if slices.Contains(e.Operations, "*") {
		return !supplemental
	}
	return slices.Contains(e.Operations, op.ID)
}

// String renders the row for reports.
func (e Exception) String() string {
	return fmt.Sprintf("%s %s [%s] %s: %s (%s)", e.Vendor, strings.Join(e.Operations, ","), e.Kind, e.Target, e.Allows, e.Reason)
}

// targetMatches compares a violation location with a row's Target, where
// "*" in the Target matches one segment (an array index, typically).
func targetMatches(target, where string) bool {
	t, w := strings.Split(target, "/"), strings.Split(where, "/")
	if len(t) != len(w) {
		return false
	}
	for i := range t {
		if t[i] != "*" && !strings.EqualFold(t[i], w[i]) {
			return false
		}
	}
	return true
}

// checkNoZoneTimestamp accepts "yyyy-mm-ddThh:mm:ss" with up to 7
// fractional digits and no zone, and RFC 3339.
func checkNoZoneTimestamp(s string) error {
	if checkRFC3339(s) == nil {
		return nil
	}
	if !noZoneRE.MatchString(s) {
		return fmt.Errorf("%q is neither RFC 3339 nor yyyy-mm-ddThh:mm:ss[.fffffff]", s)
	}
	if _, err := time.Parse("2006-01-02T15:04:05", s[:19]); err != nil {
		return fmt.Errorf("%q: %w", s, err)
	}
	return nil
}

var noZoneRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$`)

// Small schema builders for the table.

func anyValue() *openapi3.Schema { return &openapi3.Schema{Nullable: true} }

func stringSchema(format string) *openapi3.Schema {
	return &openapi3.Schema{Type: typ(openapi3.TypeString), Format: format}
}

func intSchema() *openapi3.Schema { return &openapi3.Schema{Type: typ(openapi3.TypeInteger)} }

func objectSchema(required []string, props map[string]*openapi3.Schema) *openapi3.Schema {
	s := &openapi3.Schema{Type: typ(openapi3.TypeObject), Properties: openapi3.Schemas{}, Required: required}
	for k, v := range props {
		s.Properties[k] = openapi3.NewSchemaRef("", v)
	}
	return s
}

func enumSchema(values ...string) *openapi3.Schema {
	s := stringSchema("")
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

func formBody(required []string, props map[string]*openapi3.Schema) *openapi3.RequestBodyRef {
	return &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
		WithContent(openapi3.NewContentWithSchema(objectSchema(required, props), []string{"application/x-www-form-urlencoded"}))}
}

func jsonResponse(desc string, s *openapi3.Schema) *openapi3.ResponseRef {
	return &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription(desc).WithJSONSchema(s)}
}

func basicAuth() *openapi3.SecurityRequirements {
	return &openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("BasicAuth")}
}

func oauthError() *openapi3.Schema {
	return objectSchema([]string{"error"}, map[string]*openapi3.Schema{
		"error":             enumSchema("invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"),
		"error_description": stringSchema(""),
	})
}

// defineToken describes POST https://identity.xero.com/connect/token from
// xero-api.md §1.3: the description only names it as a tokenUrl. The
// response reuses the identity description's AccessToken schema, with the
// fields every token response carries made required.
func defineToken(doc *openapi3.T) (string, string, *openapi3.Operation) {
	tok := &openapi3.Schema{}
	if r := doc.Components.Schemas["AccessToken"]; r != nil && r.Value != nil {
		*tok = *r.Value
	}
	tok.Required = []string{"access_token", "expires_in", "token_type"}
	resp := openapi3.NewResponses()
	resp.Delete("default")
	resp.Set("200", jsonResponse("token set", tok))
	resp.Set("400", jsonResponse("OAuth error", oauthError()))
	resp.Set("401", jsonResponse("OAuth error", oauthError()))
	return "/connect/token", "POST", &openapi3.Operation{
		OperationID: opToken, Security: basicAuth(), Responses: resp,
		RequestBody: formBody([]string{"grant_type"}, map[string]*openapi3.Schema{
			"grant_type":    enumSchema("authorization_code", "refresh_token", "client_credentials"),
			"code":          stringSchema(""),
			"redirect_uri":  stringSchema(""),
			"refresh_token": stringSchema(""),
			"scope":         stringSchema(""),
			"scopes":        stringSchema(""),
		}),
	}
}

// defineAuthorize describes the consent page of xero-api.md §1.2.
func defineAuthorize(*openapi3.T) (string, string, *openapi3.Operation) {
	q := func(name string, s *openapi3.Schema) *openapi3.ParameterRef {
		return &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithRequired(true).WithSchema(s)}
	}
	redirect := &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("redirect to redirect_uri?code=…&state=…")}
	redirect.Value.Headers = openapi3.Headers{"Location": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Name: "Location", In: openapi3.ParameterInHeader, Required: true, Schema: openapi3.NewSchemaRef("", stringSchema(""))}}}}
	resp := openapi3.NewResponses()
	resp.Delete("default")
	resp.Set("302", redirect)
	resp.Set("303", redirect)
	resp.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("consent page").
		WithContent(openapi3.NewContentWithSchema(stringSchema(""), []string{"text/html"}))})
	return "/identity/connect/authorize", "GET", &openapi3.Operation{
		OperationID: opAuthorize, Responses: resp,
		Parameters: openapi3.Parameters{
			q("response_type", enumSchema("code")), q("client_id", stringSchema("")),
			q("redirect_uri", stringSchema("")), q("scope", stringSchema("")), q("state", stringSchema("")),
		},
	}
}

// defineRevoke describes POST https://identity.xero.com/connect/revocation.
func defineRevoke(*openapi3.T) (string, string, *openapi3.Operation) {
	resp := openapi3.NewResponses()
	resp.Delete("default")
	resp.Set("200", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("revoked")})
	resp.Set("400", jsonResponse("OAuth error", oauthError()))
	return "/connect/revocation", "POST", &openapi3.Operation{
		OperationID: opRevoke, Security: basicAuth(), Responses: resp,
		RequestBody: formBody([]string{"token"}, map[string]*openapi3.Schema{
			"token": stringSchema(""), "token_type_hint": stringSchema(""),
		}),
	}
}

// addSupplements adds the KindOperation rows of vendor to doc.
func (s *Specs) addSupplements(vendor Vendor, doc *openapi3.T) error {
	for _, e := range exceptionTable() {
		if e.Vendor != vendor || e.Kind != KindOperation {
			continue
		}
		path, method, oper := e.define(doc)
		if doc.Paths.Value(path) != nil && doc.Paths.Value(path).GetOperation(method) != nil {
			return fmt.Errorf("apispec: %s %s is documented now: drop its exception row", method, path)
		}
		if oper.Extensions == nil {
			oper.Extensions = map[string]any{}
		}
		oper.Extensions[extSupplement] = true
		item := doc.Paths.Value(path)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(path, item)
		}
		item.SetOperation(method, oper)
	}
	return nil
}

// extSupplement marks operations the table adds, so that "*" rows skip them.
const extSupplement = "x-orderbridge-supplement"

func isSupplement(o *openapi3.Operation) bool { return o.Extensions[extSupplement] == true }

// statusException finds the row accepting an undocumented status.
func (s *Specs) statusException(op Op, supplemental bool, status int) (Exception, bool) {
	for _, e := range s.table {
		if e.Kind == KindStatus && e.Target == strconv.Itoa(status) && e.appliesTo(op, supplemental) {
			return e, true
		}
	}
	return Exception{}, false
}

// ExceptionsMarkdown renders the table as the Markdown table
// doc/conformance.md carries (a test keeps the two identical).
func ExceptionsMarkdown() string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| Vendor | Operations | Kind | Target | Accepted or required | Reason (reference) |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, e := range exceptionTable() {
		ops := strings.Join(e.Operations, ", ")
		if ops == "*" {
			ops = "all documented"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s |\n", e.Vendor, cell(ops), e.Kind, cell(e.Target), cell(e.Allows), cell(e.Reason))
	}
	return b.String()
}
