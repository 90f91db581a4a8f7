package web

import (
	"bufio"
	"io"
	"strings"
)

// CSV downloads. Every CSV the app serves is written by CSVWriter, so one
// function (CSVCell) decides what a spreadsheet may evaluate: invoice
// numbers, contact names and messages come from Xero and ShipStation,
// that is from customers.

// csvTriggers start a formula in Excel, LibreOffice or Google Sheets.
const csvTriggers = "=+-@"

// csvBreaks end a piece of a cell for a spreadsheet that splits the file
// on another separator than the comma (a ; in much of Europe, a tab, a |)
// or on line breaks: each piece then starts a cell of its own.
const csvBreaks = ",;\t|\r\n"

// CSVCell neutralises a cell for a spreadsheet (OWASP's CSV injection
// advice, for every separator): a single quote goes before a formula
// trigger (= + - @) that starts the cell or any piece of it after a
// separator or line break, leading spaces and double quotes skipped. A
// spreadsheet shows such a piece as text, whatever separator it splits
// on. Text without a trigger at such a place is unchanged. "-5" becomes
// "'-5": a number in a text column is worth less than a formula run.
func CSVCell(s string) string {
	var b strings.Builder
	start := true // at the start of the cell or of a piece
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte(csvBreaks, c) >= 0:
			start = true
		case start && (c == ' ' || c == '"'):
			// Still before the piece's first character.
		case start && strings.IndexByte(csvTriggers, c) >= 0:
			b.WriteByte('\'')
			start = false
		default:
			start = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// CSVWriter writes spreadsheet-safe CSV (RFC 4180, CRLF line ends): every
// cell is neutralised by CSVCell and quoted, so a separator or line break
// inside a cell never splits it for a reader that honours quotes.
type CSVWriter struct {
	w   *bufio.Writer
	err error
}

// NewCSVWriter returns a CSVWriter writing to w. Call Flush at the end.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: bufio.NewWriter(w)}
}

// WriteRow writes one row of cells. After an error, every call returns it.
func (c *CSVWriter) WriteRow(cells ...string) error {
	if c.err != nil {
		return c.err
	}
	for i, cell := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(CSVCell(cell), `"`, `""`))
		_, c.err = c.w.WriteString(`"`)
	}
	if c.err == nil {
		_, c.err = c.w.WriteString("\r\n")
	}
	return c.err
}

// Flush writes what is buffered to the underlying writer.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	c.err = c.w.Flush()
	return c.err
}
