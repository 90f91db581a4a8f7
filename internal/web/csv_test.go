package web_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/orderbridge/orderbridge/internal/web"
)

func TestCSVCell(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"INV-0001", "INV-0001"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-5.00", "'-5.00"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"  =1+1", "  '=1+1"},
		{`"=1+1"`, `"'=1+1"`},
		{"X;=1+1", "X;'=1+1"},
		{"X,=1+1", "X,'=1+1"},
		{"X\t=1+1", "X\t'=1+1"},
		{"X|@A1", "X|'@A1"},
		{"X\n=1", "X\n'=1"},
		{"X\r\n+1", "X\r\n'+1"},
		{"X; \"-2", "X; \"'-2"},
		{"a=b", "a=b"},
		{"1+1", "1+1"},
		{"\t=1", "\t'=1"},
		{"'=1", "'=1"},
	} {
		if got := web.CSVCell(tt.in); got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCSVWriterQuotesEveryCell(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := web.NewCSVWriter(&b)
	if err := w.WriteRow("a", `say "hi"`, "X;=1", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow("2"); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "\"a\",\"say \"\"hi\"\"\",\"X;'=1\",\"\"\r\n\"2\"\r\n"; b.String() != want {
		t.Errorf("CSV = %q, want %q", b.String(), want)
	}
}

// FuzzCSVWriter checks, for any cells, that the CSV reads back (with a
// reader that honours quotes) as exactly CSVCell of each cell, that
// CSVCell only adds single quotes, and that no piece of the text starts a
// formula however a spreadsheet splits it (comma, ;, tab, |, lines).
func FuzzCSVWriter(f *testing.F) {
	for _, seed := range [][2]string{{"plain", "INV-1"}, {"X;=1+1", "=cmd|' /C calc'!A0"}, {"a\r\nb", `"=1"`},
		{"-2", "@x"}, {"\t=1", "X|+1"}, {"", "\""}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var out strings.Builder
		w := web.NewCSVWriter(&out)
		if err := w.WriteRow(a, b); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		for _, in := range []string{a, b} {
			if strings.ReplaceAll(web.CSVCell(in), "'", "") != strings.ReplaceAll(in, "'", "") {
				t.Errorf("CSVCell(%q) = %q changes more than quotes", in, web.CSVCell(in))
			}
		}
		for _, sep := range []rune{',', ';', '\t', '|'} {
			if bad := formulaStarts(out.String(), sep); len(bad) > 0 {
				t.Fatalf("row %q split on %q: pieces start a formula: %q", out.String(), sep, bad)
			}
		}
		recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
		if err != nil {
			t.Fatalf("%q does not read back: %v", out.String(), err)
		}
		// encoding/csv reads a quoted \r\n as \n.
		norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
		if len(recs) != 1 || len(recs[0]) != 2 || recs[0][0] != norm(web.CSVCell(a)) || recs[0][1] != norm(web.CSVCell(b)) {
			t.Fatalf("%q reads back as %q", out.String(), recs)
		}
	})
}
