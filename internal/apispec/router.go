package apispec

import (
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// find matches a request path to a documented operation, ignoring the host:
// the emulators serve every vendor path from 127.0.0.1, so the servers
// listed in the descriptions only contribute their path prefix
// ("/api.xro/2.0"). When several templates match, the one with more literal
// segments wins, then the one whose path parameters satisfy their formats
// (Xero documents both /Contacts/{ContactID} with a uuid and
// /Contacts/{ContactNumber}). When the path matches but the method does not,
// methods lists the documented ones.
func (s *Specs) find(method, path string) (best *operation, params map[string]string, methods []string) {
	bestScore := 0
	for _, o := range s.routes {
		p, ok := o.match(path)
		if !ok {
			continue
		}
		if o.method != method {
			if !slices.Contains(methods, o.method) {
				methods = append(methods, o.method)
			}
			continue
		}
		score := 100*o.literals() + o.formatScore(p)
		if best == nil || score > bestScore {
			best, params, bestScore = o, p, score
		}
	}
	slices.Sort(methods)
	return best, params, methods
}

// match reports whether path fits the operation's template and returns the
// path parameters.
func (o *operation) match(path string) (map[string]string, bool) {
	if o.prefix != "" {
		rest, ok := strings.CutPrefix(path, o.prefix)
		if !ok {
			return nil, false
		}
		path = rest
	}
	segs := splitPath(path)
	if len(segs) != len(o.segments) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range o.segments {
		seg := segs[i]
		if name, ok := strings.CutPrefix(t, "{"); ok && strings.HasSuffix(name, "}") {
			if seg == "" {
				return nil, false
			}
			v, err := url.PathUnescape(seg)
			if err != nil {
				return nil, false
			}
			params[strings.TrimSuffix(name, "}")] = v
			continue
		}
		if seg != t && !(o.foldCase && strings.EqualFold(seg, t)) {
			return nil, false
		}
	}
	return params, true
}

func (o *operation) literals() int {
	n := 0
	for _, t := range o.segments {
		if !strings.HasPrefix(t, "{") {
			n++
		}
	}
	return n
}

// formatScore rewards path parameters that satisfy their schema's format
// and penalises those that do not.
func (o *operation) formatScore(params map[string]string) int {
	score := 0
	for _, pr := range append(slices.Clone(o.item.Parameters), o.oper.Parameters...) {
		p := pr.Value
		if p == nil || p.In != openapi3.ParameterInPath || p.Schema == nil || p.Schema.Value == nil {
			continue
		}
		v, ok := params[p.Name]
		if !ok {
			continue
		}
		switch p.Schema.Value.Format {
		case "uuid":
			if checkUUID(v) == nil {
				score++
			} else {
				score--
			}
		}
	}
	return score
}
