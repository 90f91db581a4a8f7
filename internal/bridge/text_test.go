package bridge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Widget  ", "Widget"},
		{"Blue\n\twidget\r\n large", "Blue widget large"},
		{"a\x00b", "a b"},
		{"日本語の 説明", "日本語の 説明"},
		{"ул.  Тверская,\n7", "ул. Тверская, 7"},
		{"bad \xff byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in); got != tt.want {
			t.Errorf("oneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMultiLine(t *testing.T) {
	t.Parallel()
	if got, want := multiLine(" Leave at\tdoor \n\n  Fragile "), "Leave at door\nFragile"; got != want {
		t.Errorf("multiLine = %q, want %q", got, want)
	}
}

func TestCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		limit   int
		mark    bool
		want    string
		wantCut bool
	}{
		{"fits", "Widget", 6, false, "Widget", false},
		{"ascii", "Widget deluxe", 6, false, "Widget", true},
		{"ascii marked", "Widget deluxe", 8, true, "Widget…", true}, // trailing space trimmed before the mark
		{"cjk", "日本語の長い商品名", 4, false, "日本語の", true},
		{"cjk marked", "日本語の長い商品名", 4, true, "日本語…", true},
		{"cyrillic", "Тверская улица", 8, false, "Тверская", true},
		// An emoji outside the BMP is two UTF-16 units: it must not be
		// split, and it counts double against the limit.
		{"astral", "ab😀cd", 3, false, "ab", true},
		{"astral fits", "ab😀", 4, false, "ab😀", false},
		{"empty", "", 5, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, wasCut := cut(tt.in, tt.limit, tt.mark)
			if got != tt.want || wasCut != tt.wantCut {
				t.Errorf("cut(%q, %d, %v) = %q, %v; want %q, %v", tt.in, tt.limit, tt.mark, got, wasCut, tt.want, tt.wantCut)
			}
			if !utf8.ValidString(got) || utf16Len(got) > tt.limit {
				t.Errorf("cut result %q is invalid or %d units long (limit %d)", got, utf16Len(got), tt.limit)
			}
		})
	}
}

func TestCutLongNonLatin(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("商品", 300) // 600 runes
	got, wasCut := cut(in, maxItemName, true)
	if !wasCut || utf16Len(got) != maxItemName || !strings.HasSuffix(got, ellipsis) || !utf8.ValidString(got) {
		t.Errorf("cut: %d units, cut=%v, valid=%v, ends %q", utf16Len(got), wasCut, utf8.ValidString(got), got[len(got)-6:])
	}
	if !strings.HasPrefix(in, strings.TrimSuffix(got, ellipsis)) {
		t.Error("cut text is not a prefix of the original")
	}
}

func TestSameName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"ShipStation", "ShipStation", true},
		{"ShipStation", "shipstation", true},
		{"  ShipStation ", "SHIPSTATION", true},
		{"Ship  Station", "ship station", true},
		{"ShipStation", "Ship Station", false},
		{"ShipStation", "ShipStation2", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := sameName(tt.a, tt.b); got != tt.want {
			t.Errorf("sameName(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
