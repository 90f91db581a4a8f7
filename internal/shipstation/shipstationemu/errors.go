package shipstationemu

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Error is a refusal by the emulator, returned by the Go-side actions and
// rendered on the wire as ShipStation does: a 400 with ModelState when
// Fields is set, otherwise {"Message": ...} with Status.
type Error struct {
	Status  int
	Message string
	// Fields maps a request field (such as "apiOrder.orderNumber") to its
	// validation messages.
	Fields map[string][]string
}

// Error renders the message and, sorted, every field message.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return "shipstationemu: " + e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+strings.Join(e.Fields[k], " "))
	}
	return "shipstationemu: " + e.Message + " " + strings.Join(parts, "; ")
}

// errStatus builds an Error with a plain message.
func errStatus(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// errFields builds a validation Error from field messages.
func errFields(fields map[string][]string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: "The request is invalid.", Fields: fields}
}

// writeError renders err; anything that is not an *Error is a 500.
func writeError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		writeJSON(w, http.StatusInternalServerError, map[string]any{
			"Message": "An error has occurred.", "ExceptionMessage": err.Error(),
		})
		return
	}
	if len(e.Fields) > 0 {
		writeModelState(w, e.Fields)
		return
	}
	writeMessage(w, e.Status, e.Message)
}
