package apispec

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
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
	// KindParameter: a query parameter the description omits is
	// documented here, with its type (the service sends URLs carrying it).
	KindParameter Kind = "parameter"
	// KindOptional: a parameter the description requires may be absent.
	KindOptional Kind = "optional"
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
	// Served restricts the row to exchanges an emulator served
	// (Middleware, Specs.CheckServed): what the service or, for rows whose
	// reason starts with "emulator:", our emulator deliberately does, but
	// our clients must not rely on (Transport and Check stay strict).
	Served bool

	accept  func(string) error                                      // KindFormat: the alternative format
	body    *openapi3.Schema                                        // KindStatus: body schema, nil = body not checked
	bodyRef string                                                  // KindStatus: body schema by component name in the vendor's main document
	headers []string                                                // KindStatus: response headers that must be present
	define  func(*openapi3.T) (string, string, *openapi3.Operation) // KindOperation: path, method, operation
	onDoc   string                                                  // KindOperation: the document it joins (default: identity for Xero)
	alias   bool                                                    // KindOperation: behaves as a documented operation ("*" rows apply)
	require func(*http.Request, []byte) error                       // checked on each request (with its body), if set
	onlyIf  func(*http.Request) bool                                // KindStatus: accepted only for requests it holds for
	param   *openapi3.Parameter                                     // KindParameter: the parameter added
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
		// ASP.NET writes what it lacks as null (the derivation's rule for
		// every ShipStation value), e.g. StackTrace outside debug builds.
		"Message": stringSchema(""), "ModelState": anyValue(), "ExceptionMessage": nullableString(),
		"ExceptionType": nullableString(), "StackTrace": nullableString(),
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
		{Vendor: Xero, Operations: everyOp(), Kind: KindStatus, Target: "406", body: xeroProblem, Served: true,
			onlyIf: func(r *http.Request) bool { return acceptJSON(r) != nil },
			Allows: "406 with the problem JSON, only to a request without Accept: application/json",
			Reason: "emulator: the real service answers such a request in XML (xero-api.md §0.1, §2); the emulator refuses it so that a client forgetting the header fails loudly (doc/emulators.md)"},
		// Xero: parameters.
		{Vendor: Xero, Operations: everyOp(), Kind: KindOptional, Target: "request header xero-tenant-id",
			Allows: "absent, with a Bearer token (a custom connection's token is bound to its one organisation)",
			Reason: "custom connections (client_credentials) need no xero-tenant-id header (xero-api.md §1.7); the validator cannot tell such a token from another, so a forgotten header on an OAuth connection is caught by the 403 that follows, not here"},
		{Vendor: Xero, Operations: []string{"getInvoice"}, Kind: KindFormat, Target: "request path InvoiceID", accept: checkInvoiceNumber,
			Allows: "an InvoiceNumber in place of the InvoiceID",
			Reason: "GET /Invoices/{InvoiceID} also accepts the InvoiceNumber (xero-api.md §3.1, docs text quoted in xero-node#200)"},
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
		{Vendor: Xero, Operations: everyOp(), Kind: KindAddition, Target: "request header Accept", require: acceptJSONRule,
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
		{Vendor: Xero, Operations: []string{opToken}, Kind: KindOperation, Target: "POST /connect/token", define: defineToken, require: tokenClientAuth,
			Allows: "form grant_type=authorization_code|refresh_token|client_credentials (code_verifier with PKCE); client auth by Basic, or client_id in the form (with client_secret, or code_verifier on a PKCE code exchange); 200 token JSON, 400/401 OAuth error JSON",
			Reason: "OAuth token endpoint, only a tokenUrl in the identity description (xero-api.md §1.3, §1.4, §8.2); PKCE apps are public clients without a secret (xero-api.md §1.2, RFC 7636)"},
		{Vendor: Xero, Operations: []string{opAuthorize}, Kind: KindOperation, Target: "GET /identity/connect/authorize", define: defineAuthorize,
			Allows: "query response_type=code, client_id, redirect_uri, scope, state, optional code_challenge and code_challenge_method=S256; 302/303 with Location or 200 HTML; 400 error page for an unknown client or redirect_uri",
			Reason: "OAuth consent page, only an authorizationUrl in the identity description (xero-api.md §1.1, §1.2); PKCE per RFC 7636; an unusable client_id or redirect_uri gets an error page, not a redirect (RFC 6749 §4.1.2.1)"},
		{Vendor: Xero, Operations: []string{opHistoryPost}, Kind: KindOperation, Target: "POST /Invoices/{InvoiceID}/History", define: defineHistoryPost,
			onDoc: docAccounting, alias: true,
			Allows: "as PUT /Invoices/{InvoiceID}/History (createInvoiceHistory)",
			Reason: "adding history notes with POST behaves as PUT (xero-api.md §7.3)"},
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
			"POST /orders/markasshipped", "POST /orders/holduntil", "POST /orders/restorefromhold", "POST /orders/createlabelfororder", "POST /shipments/voidlabel",
			"GET /stores/{storeId}"},
			Kind: KindStatus, Target: "404", Allows: "404, body not checked",
			Reason: "unknown order, shipment, webhook or store id (shipstation-api.md §2.3)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "429",
			body:    objectSchema([]string{"message"}, map[string]*openapi3.Schema{"message": stringSchema("")}),
			headers: []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"},
			Allows:  `429 with {"message":"Too Many Requests"} and the X-Rate-Limit-* headers`,
			Reason:  "40 requests/min per key pair (shipstation-api.md §2.4, §7.1)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "500", body: ssError,
			Allows: `500 with {"Message","ExceptionMessage",…}; the Exception* fields may be null`,
			Reason: "ShipStation internal error (shipstation-api.md §2.3, §2.4); ASP.NET writes absent values as null"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindStatus, Target: "503", body: ssError, Served: true,
			Allows: `503 with {"Message"}, from the emulator's "offline" fault`,
			Reason: "emulator: ShipStation's status table has no 503 (shipstation-api.md §2.3); the emulator's offline fault (emukit) needs an outage status, and 503 is what any HTTP service answers then"},
		// ShipStation: parameters.
		{Vendor: ShipStation, Operations: []string{"GET /shipments"}, Kind: KindParameter, Target: "request query storeId",
			param:  openapi3.NewQueryParameter("storeId").WithSchema(&openapi3.Schema{Type: typ(openapi3.TypeInteger)}),
			Allows: "storeId (integer), as GET /orders has",
			Reason: "the List Shipments filters include storeId; the Swagger file omits it (shipstation-api.md §5.1, §11)"},
		{Vendor: ShipStation, Operations: []string{"GET /orders", "GET /shipments"}, Kind: KindParameter, Target: "request query storeID",
			param:  openapi3.NewQueryParameter("storeID").WithSchema(&openapi3.Schema{Type: typ(openapi3.TypeInteger)}),
			Allows: "storeID (integer), as in webhook resource_urls",
			Reason: "ORDER_NOTIFY and SHIP_NOTIFY resource_urls carry ?storeID=… (shipstation-api.md §6.2)"},
		{Vendor: ShipStation, Operations: []string{"GET /orders"}, Kind: KindParameter, Target: "request query importBatch",
			param:  openapi3.NewQueryParameter("importBatch").WithSchema(stringSchema("")),
			Allows: "importBatch (a guid), as in ORDER_NOTIFY resource_urls",
			Reason: "ORDER_NOTIFY resource_url is /orders?storeID=…&importBatch=<guid> (shipstation-api.md §6.2)"},
		{Vendor: ShipStation, Operations: []string{"GET /shipments"}, Kind: KindParameter, Target: "request query batchId",
			param:  openapi3.NewQueryParameter("batchId").WithSchema(&openapi3.Schema{Type: typ(openapi3.TypeInteger)}),
			Allows: "batchId (integer), as in SHIP_NOTIFY resource_urls",
			Reason: "SHIP_NOTIFY resource_url is /shipments?storeID=…&batchId=…&includeShipmentItems=False (shipstation-api.md §6.2)"},
		{Vendor: ShipStation, Operations: []string{"GET /orders", "GET /shipments", "GET /fulfillments"}, Kind: KindFormat, Target: "request query *Date*",
			accept: checkRFC3339, Served: true,
			Allows: "RFC 3339 with an offset or Z (e.g. 2026-03-08T09:00:00Z), accepted by the emulator only",
			Reason: "newer ShipStation docs send \"…Z\" dates and the service takes them, its reading undocumented (shipstation-api.md §2.1); our clients must send Pacific time without offset"},
		// ShipStation: additions (stricter than the description).
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindAddition, Target: "request header Authorization",
			Allows: "requires Authorization: Basic …",
			Reason: "the Swagger file declares no security; V1 is HTTP Basic with key and secret (shipstation-api.md §1.1)"},
		{Vendor: ShipStation, Operations: everyOp(), Kind: KindAddition, Target: "request query and body keys *Date, *DateStart, *DateEnd",
			Allows: `requires "yyyy-mm-dd hh:mm:ss" or "yyyy-mm-dd" without offset`,
			Reason: "the Swagger file types dates as plain strings; ShipStation reads request dates as Pacific local time (shipstation-api.md §2.1)"},
	}
}

// acceptJSONRule is acceptJSON as a request check.
func acceptJSONRule(r *http.Request, _ []byte) error { return acceptJSON(r) }

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
	return errors.New("no Accept: application/json header (Xero answers in XML without it)")
}

// tokenClientAuth is the token endpoint's client authentication: HTTP
// Basic, or client_id in the form with client_secret or, for a public
// (PKCE) client, code_verifier on the code exchange and nothing more on a
// refresh (RFC 6749 §6).
func tokenClientAuth(r *http.Request, body []byte) error {
	if strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
		return nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("client_id") == "" {
		return errors.New("no client authentication: neither Authorization: Basic nor client_id in the form")
	}
	if form.Get("client_secret") == "" && form.Get("code_verifier") == "" && form.Get("grant_type") != "refresh_token" {
		return errors.New("client_id in the form without client_secret or code_verifier")
	}
	return nil
}

// checkInvoiceNumber accepts what can be an InvoiceNumber in a path
// segment: non-empty, at most 255 characters (Invoice.InvoiceNumber).
func checkInvoiceNumber(s string) error {
	if s == "" || len(s) > 255 || strings.ContainsAny(s, "/?#") {
		return fmt.Errorf("%q is not an InvoiceNumber", s)
	}
	return nil
}

// everyOp is the Operations value meaning every documented operation.
func everyOp() []string { return []string{"*"} }

// Operation ids of the endpoints the table adds.
const (
	opToken     = "postToken"
	opAuthorize = "getAuthorize"
	opRevoke    = "postRevocation"
	// opHistoryPost is POST /Invoices/{InvoiceID}/History, which behaves
	// as the documented PUT (createInvoiceHistory).
	opHistoryPost = "createInvoiceHistoryPost"
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
// "*" in the Target matches within one segment ("*" an array index,
// "request query *Date*" a parameter name), as path.Match does.
func targetMatches(target, where string) bool {
	t, w := strings.Split(target, "/"), strings.Split(where, "/")
	if len(t) != len(w) {
		return false
	}
	for i := range t {
		if ok, _ := path.Match(t[i], w[i]); !ok && !strings.EqualFold(t[i], w[i]) {
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

func nullableString() *openapi3.Schema {
	return &openapi3.Schema{Type: typ(openapi3.TypeString), Nullable: true}
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
// fields every token response carries made required and scope added.
func defineToken(doc *openapi3.T) (string, string, *openapi3.Operation) {
	tok := &openapi3.Schema{}
	if r := doc.Components.Schemas["AccessToken"]; r != nil && r.Value != nil {
		*tok = *r.Value
	}
	tok.Required = []string{"access_token", "expires_in", "token_type"}
	// The token response also carries the granted scope (xero-api.md
	// §1.3), which the AccessToken schema omits.
	props := openapi3.Schemas{"scope": openapi3.NewSchemaRef("", stringSchema(""))}
	for k, v := range tok.Properties {
		props[k] = v
	}
	tok.Properties = props
	resp := openapi3.NewResponses()
	resp.Delete("default")
	resp.Set("200", jsonResponse("token set", tok))
	resp.Set("400", jsonResponse("OAuth error", oauthError()))
	resp.Set("401", jsonResponse("OAuth error", oauthError()))
	// Basic, or nothing in the header: the row's require function then
	// insists on client_id (and a secret or PKCE verifier) in the form.
	security := openapi3.SecurityRequirements{openapi3.NewSecurityRequirement().Authenticate("BasicAuth"), openapi3.NewSecurityRequirement()}
	return "/connect/token", "POST", &openapi3.Operation{
		OperationID: opToken, Security: &security, Responses: resp,
		RequestBody: formBody([]string{"grant_type"}, map[string]*openapi3.Schema{
			"grant_type":    enumSchema("authorization_code", "refresh_token", "client_credentials"),
			"code":          stringSchema(""),
			"redirect_uri":  stringSchema(""),
			"refresh_token": stringSchema(""),
			"scope":         stringSchema(""),
			"scopes":        stringSchema(""),
			"client_id":     stringSchema(""),
			"client_secret": stringSchema(""),
			"code_verifier": stringSchema(""),
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
	resp.Set("400", &openapi3.ResponseRef{Value: openapi3.NewResponse().WithDescription("error page: unknown client_id or redirect_uri")})
	opt := func(name string, s *openapi3.Schema) *openapi3.ParameterRef {
		return &openapi3.ParameterRef{Value: openapi3.NewQueryParameter(name).WithSchema(s)}
	}
	return "/identity/connect/authorize", "GET", &openapi3.Operation{
		OperationID: opAuthorize, Responses: resp,
		Parameters: openapi3.Parameters{
			q("response_type", enumSchema("code")), q("client_id", stringSchema("")),
			q("redirect_uri", stringSchema("")), q("scope", stringSchema("")), q("state", stringSchema("")),
			opt("code_challenge", stringSchema("")), opt("code_challenge_method", enumSchema("S256")),
		},
	}
}

// defineHistoryPost describes POST /Invoices/{InvoiceID}/History as a copy
// of the documented PUT under its own operation id.
func defineHistoryPost(doc *openapi3.T) (string, string, *openapi3.Operation) {
	const path = "/Invoices/{InvoiceID}/History"
	oper := &openapi3.Operation{OperationID: opHistoryPost, Responses: openapi3.NewResponses()}
	if item := doc.Paths.Value(path); item != nil && item.Put != nil {
		*oper = *item.Put
		oper.OperationID = opHistoryPost
		oper.Extensions = nil
	}
	return path, "POST", oper
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

// addSupplements adds the KindOperation rows of vendor meant for the
// document named docName (Xero rows default to the identity document) to
// doc.
func (s *Specs) addSupplements(vendor Vendor, docName string, doc *openapi3.T) error {
	for _, e := range exceptionTable() {
		if e.Vendor != vendor || e.Kind != KindOperation {
			continue
		}
		target := e.onDoc
		if target == "" {
			target = docIdentity
		}
		if target != docName {
			continue
		}
		path, method, oper := e.define(doc)
		if doc.Paths.Value(path) != nil && doc.Paths.Value(path).GetOperation(method) != nil {
			return fmt.Errorf("apispec: %s %s is documented now: drop its exception row", method, path)
		}
		if oper.Extensions == nil {
			oper.Extensions = map[string]any{}
		}
		if !e.alias {
			oper.Extensions[extSupplement] = true
		}
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

// addParameters documents the KindParameter rows' query parameters on the
// operations they name.
func (s *Specs) addParameters() error {
	for _, e := range s.table {
		if e.Kind != KindParameter {
			continue
		}
		for _, id := range e.Operations {
			o := s.ops[Op{e.Vendor, id}]
			if o == nil {
				return fmt.Errorf("apispec: exception %s: no operation %s", e.Target, id)
			}
			if o.oper.Parameters.GetByInAndName(e.param.In, e.param.Name) != nil {
				return fmt.Errorf("apispec: %s documents %s now: drop its exception row", id, e.param.Name)
			}
			// Copy the operation: the rows change only what they name.
			oper := *o.oper
			oper.Parameters = append(slices.Clone(oper.Parameters), &openapi3.ParameterRef{Value: e.param})
			o.oper = &oper
			o.item.SetOperation(o.method, &oper)
		}
	}
	return nil
}

// statusException finds the row accepting an undocumented status for the
// request; served says whether an emulator served it (Served rows apply).
func (s *Specs) statusException(op Op, supplemental bool, status int, req *http.Request, served bool) (Exception, bool) {
	for _, e := range s.table {
		if e.Kind == KindStatus && e.Target == strconv.Itoa(status) && e.appliesTo(op, supplemental) &&
			(served || !e.Served) && (e.onlyIf == nil || e.onlyIf(req)) {
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
		kind := string(e.Kind)
		if e.Served {
			kind += " (served side only)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s |\n", e.Vendor, cell(ops), kind, cell(e.Target), cell(e.Allows), cell(e.Reason))
	}
	return b.String()
}
