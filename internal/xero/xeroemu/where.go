package xeroemu

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// whereExpr is a parsed `where` filter: an OR of ANDs of comparisons. The
// emulator supports the equality filters integrations use (==, !=, on
// strings, Guid("..."), booleans, numbers and null), joined with && / AND
// and || / OR. Anything else (parentheses, .Contains, dates) is refused
// with a 400, so a client never silently gets an unfiltered list.
type whereExpr [][]comparison

type comparison struct {
	field string
	neg   bool
	value any // string, bool, float64 or nil
}

// fieldFunc resolves a field of one record; ok is false for fields the
// record type does not have.
type fieldFunc func(field string) (value any, ok bool)

func (w whereExpr) match(get fieldFunc) bool {
	if len(w) == 0 {
		return true
	}
	for _, and := range w {
		all := true
		for _, c := range and {
			v, _ := get(c.field)
			if equalValues(v, c.value) == c.neg {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// equalValues compares case-insensitively for strings, as Xero's filters
// behave for the enumerations and names clients filter on.
func equalValues(a, b any) bool {
	switch av := a.(type) {
	case string:
		if b == nil {
			return av == ""
		}
		bv, ok := b.(string)
		return ok && strings.EqualFold(av, bv)
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case float64:
		bv, ok := b.(float64)
		return ok && av == bv
	case nil:
		return b == nil
	}
	return false
}

// parseWhere parses expr and checks every field with valid.
func parseWhere(expr string, valid fieldFunc) (whereExpr, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return nil, err
	}
	var out whereExpr
	var cur []comparison
	i := 0
	for {
		if i+2 >= len(toks) {
			return nil, fmt.Errorf("incomplete expression")
		}
		f, op, v := toks[i], toks[i+1], toks[i+2]
		if f.kind != tokIdent {
			return nil, fmt.Errorf("expected a field name, got %q", f.text)
		}
		if _, ok := valid(f.text); !ok {
			return nil, fmt.Errorf("no property or field %q exists", f.text)
		}
		if op.kind != tokOp || (op.text != "==" && op.text != "!=") {
			return nil, fmt.Errorf("expected == or != after %s", f.text)
		}
		c := comparison{field: f.text, neg: op.text == "!="}
		switch v.kind {
		case tokString:
			c.value = v.text
		case tokNumber:
			n, _ := strconv.ParseFloat(v.text, 64)
			c.value = n
		case tokIdent:
			switch strings.ToLower(v.text) {
			case "true":
				c.value = true
			case "false":
				c.value = false
			case "null":
				c.value = nil
			default:
				return nil, fmt.Errorf("unexpected %q", v.text)
			}
		default:
			return nil, fmt.Errorf("unexpected %q", v.text)
		}
		cur = append(cur, c)
		i += 3
		if i == len(toks) {
			out = append(out, cur)
			return out, nil
		}
		switch join := toks[i]; {
		case join.kind == tokOp && join.text == "&&", join.kind == tokIdent && strings.EqualFold(join.text, "AND"):
		case join.kind == tokOp && join.text == "||", join.kind == tokIdent && strings.EqualFold(join.text, "OR"):
			out = append(out, cur)
			cur = nil
		default:
			return nil, fmt.Errorf("expected && or || , got %q", join.text)
		}
		i++
	}
}

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokOp
)

type token struct {
	kind tokKind
	text string
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		rest := s[i:]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"':
			var sb strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				sb.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, token{tokString, sb.String()})
			i = j + 1
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '.') {
				j++
			}
			word := s[i:j]
			// Guid("...") compares as the string inside.
			if strings.EqualFold(word, "Guid") && strings.HasPrefix(s[j:], "(") {
				inner, after, ok := strings.Cut(s[j+1:], ")")
				id, quoted := strings.CutPrefix(strings.TrimSpace(inner), `"`)
				id, closed := strings.CutSuffix(id, `"`)
				if !ok || !quoted || !closed {
					return nil, fmt.Errorf("malformed Guid(...)")
				}
				toks = append(toks, token{tokString, id})
				i = len(s) - len(after)
				continue
			}
			toks = append(toks, token{tokIdent, word})
			i = j
		case unicode.IsDigit(c) || c == '-':
			j := i + 1
			for j < len(s) && (unicode.IsDigit(rune(s[j])) || s[j] == '.') {
				j++
			}
			toks = append(toks, token{tokNumber, s[i:j]})
			i = j
		case strings.HasPrefix(rest, "=="), strings.HasPrefix(rest, "!="), strings.HasPrefix(rest, "&&"), strings.HasPrefix(rest, "||"):
			toks = append(toks, token{tokOp, rest[:2]})
			i += 2
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return toks, nil
}
