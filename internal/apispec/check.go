package apispec

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Violation is one difference between an exchange and the description.
type Violation struct {
	// Op is the matched operation; zero when no operation matched.
	Op Op
	// Method and Path are the request's.
	Method, Path string
	// Side is "route", "request" or "response".
	Side string
	// Where locates the problem: "body /Invoices/0/Status" (a JSON pointer
	// into the body), "header xero-tenant-id", "query pageSize", "status".
	Where string
	// Problem says what is wrong; Expected what the description says.
	Problem, Expected string

	kind  string // schema keyword or check name, for exception matching
	value any
}

// String renders the violation as one line naming the operation, the
// location and the expectation.
func (v Violation) String() string {
	op := "no documented operation"
	if v.Op.ID != "" {
		op = v.Op.String()
	}
	s := fmt.Sprintf("%s (%s %s): %s %s: %s", op, v.Method, v.Path, v.Side, v.Where, v.Problem)
	if v.Expected != "" {
		s += "; description: " + v.Expected
	}
	return s
}

// Exchange is one request and its response as seen on the wire.
type Exchange struct {
	Request     *http.Request // its Body is ignored: RequestBody holds it
	RequestBody []byte
	// Status is 0 when there was no response (transport error).
	Status       int
	Header       http.Header
	ResponseBody []byte
}

// Check validates one exchange and records it in the coverage report. It
// returns the matched operation (zero if none) and every violation. It is
// the client-side rule: every request must conform, whatever the answer.
func (s *Specs) Check(ctx context.Context, ex Exchange) (Op, []Violation) {
	op, vs := s.check(ctx, ex, false)
	s.cov.record(op, ex.Request.Method+" "+ex.Request.URL.Path, len(vs))
	return op, vs
}

// CheckServed validates one exchange as a server (an emulator) handled it,
// and records it in the coverage report. It differs from Check in one rule:
// a request the server refused (a 4xx status, or an OAuth error redirect)
// may break the description, since refusing it was the server's job; its
// request-side
// violations are dropped, but the refusal itself (status and error body)
// must still be documented or excepted. A refused request to a path no
// description documents (404 or 405) is counted as undocumented in the
// coverage report, not reported. A request the server accepted (any other
// status) must conform, as with Check: a server that accepts what the
// description forbids is too lax.
func (s *Specs) CheckServed(ctx context.Context, ex Exchange) (Op, []Violation) {
	op, vs := s.check(ctx, ex, true)
	if refused(ex) {
		kept := vs[:0]
		for _, v := range vs {
			switch {
			case v.Side == "request":
			case v.Side == "route" && (ex.Status == http.StatusNotFound || ex.Status == http.StatusMethodNotAllowed):
			default:
				kept = append(kept, v)
			}
		}
		vs = kept
	}
	s.cov.record(op, ex.Request.Method+" "+ex.Request.URL.Path, len(vs))
	return op, vs
}

// refused reports whether the server refused the request as the client's
// fault: a 4xx status, or an OAuth error redirect (a 3xx whose Location
// carries error=…, how an authorization endpoint refuses a request once it
// trusts the redirect_uri, RFC 6749 §4.1.2.1).
func refused(ex Exchange) bool {
	if ex.Status >= 400 && ex.Status < 500 {
		return true
	}
	if ex.Status >= 300 && ex.Status < 400 && ex.Header != nil {
		if u, err := url.Parse(ex.Header.Get("Location")); err == nil && u.Query().Get("error") != "" {
			return true
		}
	}
	return false
}

// check validates an exchange; served says whether an emulator served it
// (the table's Served rows then apply).
func (s *Specs) check(ctx context.Context, ex Exchange, served bool) (Op, []Violation) {
	req := ex.Request
	base := Violation{Method: req.Method, Path: req.URL.Path}
	o, params, methods := s.find(req.Method, req.URL.Path)
	if o == nil {
		v := base
		v.Side, v.Where = "route", "path"
		if len(methods) > 0 {
			v.Problem = fmt.Sprintf("method %s is not documented for this path", req.Method)
			v.Expected = "methods " + strings.Join(methods, ", ")
		} else {
			v.Problem = "no description documents this path"
		}
		return Op{}, []Violation{v}
	}
	return o.op, s.checkOperation(ctx, o, params, ex, served)
}

// checkOperation validates an exchange against one operation.
func (s *Specs) checkOperation(ctx context.Context, o *operation, params map[string]string, ex Exchange, served bool) []Violation {
	req := ex.Request
	base := Violation{Op: o.op, Method: req.Method, Path: req.URL.Path}
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(ex.RequestBody))
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: o.route(),
		Options: &openapi3filter.Options{
			MultiError: true, SkipSettingDefaults: true, AuthenticationFunc: checkAuth,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{formatOptions(false)},
		},
	}
	var vs []Violation
	err := openapi3filter.ValidateRequest(ctx, in)
	vs = append(vs, convert(base, "request", err)...)
	for _, e := range s.table {
		if e.require != nil && e.appliesTo(o.op, isSupplement(o.oper)) {
			if err := e.require(req, ex.RequestBody); err != nil {
				v := base
				v.Side, v.Where, v.kind = "request", strings.TrimPrefix(e.Target, "request "), "addition"
				v.Problem, v.Expected = err.Error(), e.Allows+" ("+e.Reason+")"
				vs = append(vs, v)
			}
		}
	}
	vs = append(vs, o.unknownQuery(base, req)...)
	vs = append(vs, o.unknownBodyKeys(base, ex.RequestBody, req.Header.Get("Content-Type"))...)
	if ex.Status != 0 {
		vs = append(vs, s.checkResponse(ctx, o, base, in, ex, served)...)
	}
	return s.excuse(o, req, vs, served)
}

func (s *Specs) checkResponse(ctx context.Context, o *operation, base Violation, in *openapi3filter.RequestValidationInput, ex Exchange, served bool) []Violation {
	resps := o.oper.Responses
	if resps.Status(ex.Status) == nil && resps.Default() == nil {
		e, ok := s.statusException(o.op, isSupplement(o.oper), ex.Status, ex.Request, served)
		if !ok {
			v := base
			v.Side, v.Where, v.kind = "response", "status", "status"
			v.Problem = fmt.Sprintf("status %d is not documented for this operation", ex.Status)
			v.Expected = "statuses " + strings.Join(documentedStatuses(o.oper), ", ")
			return []Violation{v}
		}
		return s.checkExcepted(base, e, ex)
	}
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: ex.Status, Header: ex.Header,
		Body: io.NopCloser(bytes.NewReader(ex.ResponseBody)),
		Options: &openapi3filter.Options{
			MultiError: true, IncludeResponseStatus: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{formatOptions(true)},
		},
	}
	vs := convert(base, "response", openapi3filter.ValidateResponse(ctx, rin))
	// Near-miss keys: a response key that differs from a documented key
	// only in letter case is a renamed field, whatever the description
	// says about extra keys. Xero's schemas are complete (strictKeys): a
	// key neither in the schema nor anywhere in the description's own
	// examples (which carry DateString, the envelope's Id and the like)
	// is a renamed or invented field.
	if rr := resps.Status(ex.Status); rr != nil && rr.Value != nil {
		if mt := rr.Value.Content.Get(ex.Header.Get("Content-Type")); mt != nil && mt.Schema != nil {
			var doc any
			if json.Unmarshal(ex.ResponseBody, &doc) == nil {
				vs = append(vs, keyIssues(base, "response", mt.Schema.Value, doc, "", o.strictKeys, s.exampleKeys[o.op.Vendor])...)
			}
		}
	}
	return vs
}

// checkExcepted validates a response whose status only the exception table
// accepts: its required headers and, when the row has one, its body schema.
func (s *Specs) checkExcepted(base Violation, e Exception, ex Exchange) []Violation {
	var vs []Violation
	for _, h := range e.headers {
		if ex.Header.Get(h) == "" {
			v := base
			v.Side, v.Where, v.kind = "response", "header "+h, "required"
			v.Problem = fmt.Sprintf("status %d without header %s", ex.Status, h)
			v.Expected = e.Allows + " (" + e.Reason + ")"
			vs = append(vs, v)
		}
	}
	body := e.body
	if e.bodyRef != "" {
		main := s.docs[docAccounting]
		if e.Vendor == ShipStation {
			main = s.docs[docShipStation]
		}
		if r := main.Components.Schemas[e.bodyRef]; r != nil {
			body = r.Value
		}
	}
	if body == nil {
		return vs
	}
	var doc any
	if err := json.Unmarshal(ex.ResponseBody, &doc); err != nil {
		v := base
		v.Side, v.Where, v.kind = "response", "body", "json"
		v.Problem = fmt.Sprintf("status %d body is not JSON: %v", ex.Status, err)
		v.Expected = e.Allows
		return append(vs, v)
	}
	err := body.VisitJSON(doc, openapi3.MultiErrors(), openapi3.VisitAsResponse(), formatOptions(true))
	for _, v := range convert(base, "response", err) {
		v.Expected += " (exception: " + e.Reason + ")"
		vs = append(vs, v)
	}
	return vs
}

func documentedStatuses(oper *openapi3.Operation) []string {
	var out []string
	for k := range oper.Responses.Map() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// excuse drops the violations the table accepts: a KindFormat row's
// (the value passes the row's alternative check; other values get the row
// named in their expectation) and a KindOptional row's (a missing required
// parameter, when the request carries a Bearer token). Served rows apply
// only when served is set.
func (s *Specs) excuse(o *operation, req *http.Request, vs []Violation, served bool) []Violation {
	out := vs[:0]
	for _, v := range vs {
		keep := true
		for _, e := range s.table {
			if (e.Served && !served) || !e.appliesTo(o.op, isSupplement(o.oper)) || !targetMatches(e.Target, v.Side+" "+v.Where) {
				continue
			}
			switch {
			case e.Kind == KindFormat && v.kind == "format":
				str, _ := v.value.(string)
				if e.accept(str) == nil {
					keep = false
				} else {
					v.Expected += " or, by exception, " + e.Allows
				}
			case e.Kind == KindOptional && v.kind == "missing":
				if strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ") {
					keep = false
				}
			}
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}

// convert turns kin-openapi's errors into violations.
func convert(base Violation, side string, err error) []Violation {
	if err == nil {
		return nil
	}
	var out []Violation
	add := func(where, problem, expected, kind string, value any) {
		v := base
		v.Side, v.Where, v.Problem, v.Expected, v.kind, v.value = side, where, problem, expected, kind, value
		out = append(out, v)
	}
	var walk func(where string, err error)
	walk = func(where string, err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(where, x)
			}
		case *openapi3filter.RequestError:
			w := where
			switch {
			case e.Parameter != nil:
				w = e.Parameter.In + " " + e.Parameter.Name
			case e.RequestBody != nil:
				w = "body"
			}
			if errors.Is(e.Err, openapi3filter.ErrInvalidRequired) {
				add(w, e.Error(), "required", "missing", nil)
				return
			}
			switch e.Err.(type) {
			case nil:
				add(w, e.Reason, "", "request", nil)
			case openapi3.MultiError, *openapi3.SchemaError, *openapi3filter.ParseError:
				walk(w, e.Err)
			default:
				add(w, e.Error(), "", "request", nil)
			}
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				w := "body"
				if strings.Contains(e.Reason, "Content-Type") {
					w = "header Content-Type"
				}
				add(w, e.Reason, "", "response", nil)
				return
			}
			walk("body", e.Err)
		case *openapi3filter.SecurityRequirementsError:
			var msgs []string
			for _, x := range e.Errors {
				msgs = append(msgs, x.Error())
			}
			add("header Authorization", strings.Join(msgs, "; "), "the operation's security requirement", "security", nil)
		case *openapi3.SchemaError:
			// The JSON Schema 2020-12 validator (OpenAPI 3.1 documents)
			// reports one error whose Origin holds the per-value errors:
			// report those, except inside oneOf/anyOf, whose alternatives
			// are one expectation.
			var sub openapi3.MultiError
			if e.Origin != nil && errors.As(e.Origin, &sub) && e.SchemaField != "oneOf" && e.SchemaField != "anyOf" {
				for _, x := range sub {
					walk(where, x)
				}
				return
			}
			w := where
			if where == "" || strings.HasPrefix(where, "body") {
				w = "body /" + strings.Join(e.JSONPointer(), "/")
			}
			add(w, problem(e), expectation(e, side), e.SchemaField, e.Value)
		case *openapi3filter.ParseError:
			add(where, "cannot be parsed: "+e.Error(), "", "parse", nil)
		default:
			add(where, err.Error(), "", "other", nil)
		}
	}
	walk("", err)
	return out
}

func problem(se *openapi3.SchemaError) string {
	p := strings.Join(strings.Fields(se.Reason), " ")
	if se.SchemaField == "required" {
		return p
	}
	if b, err := json.Marshal(se.Value); err == nil && len(b) <= 80 {
		p = "value " + string(b) + ": " + p
	}
	return p
}

// expectation says what the description demands, from the schema keyword
// that failed.
func expectation(se *openapi3.SchemaError, side string) string {
	s := se.Schema
	if s == nil {
		return se.SchemaField
	}
	switch se.SchemaField {
	case "enum":
		vals := make([]string, 0, len(s.Enum))
		for _, e := range s.Enum {
			b, _ := json.Marshal(e)
			vals = append(vals, string(b))
		}
		return "enum [" + strings.Join(vals, ", ") + "]"
	case "type":
		t := "any"
		if s.Type != nil {
			t = strings.Join(*s.Type, "|")
		}
		if s.Nullable {
			t += " or null"
		}
		return "type " + t
	case "format":
		return "format " + describeFormat(s.Format, side)
	case "required":
		if p := se.JSONPointer(); len(p) > 0 {
			return fmt.Sprintf("required property %q (one of %d required)", p[len(p)-1], len(s.Required))
		}
		return "required properties [" + strings.Join(s.Required, ", ") + "]"
	case "nullable":
		return "not null"
	case "oneOf", "anyOf":
		var alts []string
		for _, a := range append(slices.Clone(s.OneOf), s.AnyOf...) {
			if a.Value != nil && a.Value.Const != nil {
				b, _ := json.Marshal(a.Value.Const)
				alts = append(alts, string(b))
			}
		}
		if len(alts) > 0 {
			return "one of [" + strings.Join(alts, ", ") + "]"
		}
	case "readOnly":
		return "readOnly: set by the service, not sent by clients"
	case "maxLength":
		if s.MaxLength != nil {
			return "maxLength " + strconv.FormatUint(*s.MaxLength, 10)
		}
	}
	return se.SchemaField
}

func describeFormat(f, side string) string {
	switch {
	case side == "request" && (f == formatPacific || f == formatPacificDate):
		return `ShipStation "yyyy-mm-dd hh:mm:ss" or "yyyy-mm-dd", Pacific time without offset`
	case side == "request" && (f == formatMSDate || f == formatMSDateTime):
		return `Xero "YYYY-MM-DD" (or a "/Date(<ms>)/" echoed from a read)`
	}
	switch f {
	case formatMSDate:
		return `x-is-msdate: "/Date(<ms at midnight UTC>[+-hhmm])/"`
	case formatMSDateTime:
		return `x-is-msdate-time: "/Date(<ms>[+-hhmm])/"`
	case formatPacific:
		return `ShipStation date-time without offset "yyyy-mm-ddThh:mm:ss[.fffffff]" (derived from the example)`
	case formatPacificDate:
		return `ShipStation date "yyyy-mm-dd" (derived from the example)`
	}
	return f
}

// checkAuth is the AuthenticationFunc: it checks that the header a
// security scheme names is present and well-formed. It never repeats the
// header's value: it is a secret.
func checkAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header
	sch := in.SecurityScheme
	switch sch.Type {
	case "oauth2", "openIdConnect":
		return bearer(h.Get("Authorization"))
	case "http":
		switch strings.ToLower(sch.Scheme) {
		case "basic":
			v, ok := strings.CutPrefix(h.Get("Authorization"), "Basic ")
			if !ok {
				return errors.New("no Authorization: Basic <base64(key:secret)> header")
			}
			dec, err := base64.StdEncoding.DecodeString(v)
			if err != nil || !bytes.Contains(dec, []byte(":")) {
				return errors.New("the Authorization: Basic credentials are not base64(user:password)")
			}
			return nil
		case "bearer":
			return bearer(h.Get("Authorization"))
		}
	case "apiKey":
		if sch.In == "header" && h.Get(sch.Name) == "" {
			return fmt.Errorf("header %s is missing", sch.Name)
		}
		return nil
	}
	return nil
}

func bearer(v string) error {
	tok, ok := strings.CutPrefix(v, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return errors.New("no Authorization: Bearer <access token> header")
	}
	return nil
}

// unknownQuery reports query parameters the operation does not document: a
// misspelt filter is silently ignored by the real services.
func (o *operation) unknownQuery(base Violation, req *http.Request) []Violation {
	known := map[string]bool{}
	var names []string
	for _, pr := range append(slices.Clone(o.item.Parameters), o.oper.Parameters...) {
		if pr.Value != nil && pr.Value.In == openapi3.ParameterInQuery {
			known[pr.Value.Name] = true
			names = append(names, pr.Value.Name)
		}
	}
	sort.Strings(names)
	var out []Violation
	keys := make([]string, 0, len(req.URL.Query()))
	for k := range req.URL.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if known[k] {
			continue
		}
		v := base
		v.Side, v.Where, v.kind = "request", "query "+k, "unknown"
		v.Problem = "query parameter is not documented for this operation"
		if len(names) == 0 {
			v.Expected = "no query parameters"
		} else {
			v.Expected = "query parameters [" + strings.Join(names, ", ") + "]"
		}
		out = append(out, v)
	}
	return out
}

// unknownBodyKeys reports request body keys the description does not list.
// Xero's schemas are complete (the reference calls them the source of
// truth for names and casing), so any unknown key there is a client bug;
// ShipStation's derived schemas are samples, so only near misses count.
func (o *operation) unknownBodyKeys(base Violation, body []byte, contentType string) []Violation {
	if len(body) == 0 || o.oper.RequestBody == nil || o.oper.RequestBody.Value == nil {
		return nil
	}
	mt := o.oper.RequestBody.Value.Content.Get(contentType)
	if mt == nil || mt.Schema == nil || !strings.Contains(contentType, "json") {
		return nil
	}
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return nil // ValidateRequest reports it
	}
	return keyIssues(base, "request", mt.Schema.Value, doc, "", o.strictKeys, nil)
}

// keyIssues walks a JSON value along its schema and reports object keys
// the schema does not document: all of them when strict (except the keys
// in allow), otherwise only those matching a documented key in another
// letter case.
func keyIssues(base Violation, side string, s *openapi3.Schema, v any, ptr string, strict bool, allow map[string]bool) []Violation {
	if s == nil {
		return nil
	}
	var out []Violation
	switch x := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			if ap := s.AdditionalProperties.Schema; ap != nil {
				for k, e := range x {
					out = append(out, keyIssues(base, side, ap.Value, e, ptr+"/"+k, strict, allow)...)
				}
			}
			break
		}
		// Map order: the caller's violations are sorted by location
		// below, and sorting every object's keys would cost more than
		// the check (pages of 1,000 invoices).
		for k := range x {
			if p, ok := s.Properties[k]; ok {
				out = append(out, keyIssues(base, side, p.Value, x[k], ptr+"/"+k, strict, allow)...)
				continue
			}
			near := ""
			for name := range s.Properties {
				if strings.EqualFold(name, k) {
					near = name
				}
			}
			if near == "" && (!strict || allow[k]) {
				continue
			}
			vi := base
			vi.Side, vi.Where, vi.kind = side, "body "+ptr+"/"+k, "unknown"
			if near != "" {
				vi.Problem = fmt.Sprintf("key %q is not documented (renamed field?)", k)
				vi.Expected = fmt.Sprintf("key %q", near)
			} else {
				vi.Problem = fmt.Sprintf("key %q is not documented", k)
				vi.Expected = "keys of the schema only: " + strings.Join(sortedKeys(s.Properties), ", ")
			}
			out = append(out, vi)
		}
	case []any:
		if s.Items != nil {
			for i, e := range x {
				out = append(out, keyIssues(base, side, s.Items.Value, e, ptr+"/"+strconv.Itoa(i), strict, allow)...)
			}
		}
	}
	if len(out) > 1 {
		sort.SliceStable(out, func(a, b int) bool { return out[a].Where < out[b].Where })
	}
	return out
}

func sortedKeys(m openapi3.Schemas) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > 12 {
		out = append(out[:12], "…")
	}
	return out
}
