package web

// fieldErrors are a form's messages by field name, which the templates
// read as .Errors.name; nil while the form has none, so a handler asks
// Errors != nil to know whether to show the form again.
type fieldErrors map[string]string

// set records msg for field, replacing an earlier message.
func (e *fieldErrors) set(field, msg string) {
	if *e == nil {
		*e = fieldErrors{}
	}
	(*e)[field] = msg
}
