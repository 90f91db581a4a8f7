package xeroemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// obj is one JSON object of a request, with keys folded to lower case
// because Xero reads its input case-insensitively. Presence matters: a
// POST updates only the fields it sends.
type obj map[string]json.RawMessage

func decodeObj(raw json.RawMessage) (obj, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	o := make(obj, len(m))
	for k, v := range m {
		o[strings.ToLower(k)] = v
	}
	return o, nil
}

// elements reads a write body: the wrapper {"Invoices":[...]} or a bare
// object, both of which Xero accepts.
func elements(body []byte, key string) ([]json.RawMessage, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, fmt.Errorf("empty body")
	}
	if body[0] == '[' {
		var list []json.RawMessage
		err := json.Unmarshal(body, &list)
		return list, err
	}
	top, err := decodeObj(body)
	if err != nil {
		return nil, err
	}
	if raw, ok := top[strings.ToLower(key)]; ok {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	return []json.RawMessage{body}, nil
}

func (o obj) has(k string) bool {
	v, ok := o[strings.ToLower(k)]
	return ok && string(v) != "null"
}

func (o obj) str(k string) (string, bool, error) {
	raw, ok := o[strings.ToLower(k)]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		// Numbers where strings are expected (AccountCode 200) are fine.
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String(), true, nil
		}
		return "", true, fmt.Errorf("%s must be a string", k)
	}
	return s, true, nil
}

func (o obj) num(k string) (float64, bool, error) {
	raw, ok := o[strings.ToLower(k)]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, true, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, true, nil
		}
	}
	return 0, true, fmt.Errorf("%s must be a number", k)
}

func (o obj) boolean(k string) (bool, bool, error) {
	raw, ok := o[strings.ToLower(k)]
	if !ok || string(raw) == "null" {
		return false, false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, true, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if b, err := strconv.ParseBool(s); err == nil {
			return b, true, nil
		}
	}
	return false, true, fmt.Errorf("%s must be true or false", k)
}

func (o obj) date(k string) (time.Time, bool, error) {
	s, ok, err := o.str(k)
	if !ok || err != nil {
		return time.Time{}, ok, err
	}
	if s == "" {
		return time.Time{}, true, nil
	}
	t, err := parseWireDate(s)
	if err != nil {
		return time.Time{}, true, fmt.Errorf("%s: %w", k, err)
	}
	return t, true, nil
}

func (o obj) sub(k string) (obj, bool, error) {
	raw, ok := o[strings.ToLower(k)]
	if !ok || string(raw) == "null" {
		return nil, false, nil
	}
	s, err := decodeObj(raw)
	if err != nil {
		return nil, true, fmt.Errorf("%s must be an object", k)
	}
	return s, true, nil
}

func (o obj) list(k string) ([]obj, bool, error) {
	raw, ok := o[strings.ToLower(k)]
	if !ok || string(raw) == "null" {
		return nil, false, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, true, fmt.Errorf("%s must be an array", k)
	}
	out := make([]obj, 0, len(items))
	for _, it := range items {
		s, err := decodeObj(it)
		if err != nil {
			return nil, true, fmt.Errorf("%s must hold objects", k)
		}
		out = append(out, s)
	}
	return out, true, nil
}

// errs collects validation messages for one element.
type errs []string

func (e *errs) add(format string, args ...any) { *e = append(*e, fmt.Sprintf(format, args...)) }

// check records a type error returned by one of obj's getters.
func (e *errs) check(err error) {
	if err != nil {
		e.add("%s", err.Error())
	}
}
