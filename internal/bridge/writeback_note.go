package bridge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orderbridge/orderbridge/internal/shipstation"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// The note texts. Each is one History record, so at most
// xero.MaxNoteLength characters; when the parts do not fit, the least
// useful are shortened first (service, insurance, the cost's wording, then
// long names cut with an ellipsis) and the tracking number last of all.

// noteFields are the parts of a note, already on one line each.
type noteFields struct {
	head      string // "Shipped 2026-11-24", "Label voided 2026-11-25"...
	carrier   string
	service   string
	tracking  string
	noTrack   string // what to say without a tracking number
	costWord  string // "Shipping cost", shortened to "Cost"
	cost      string // "12.50" or "12.50 USD"; "" for none
	insurance string // "2.00" when part of cost
	order     string // ShipStation order number
	void      bool
	shortHead string // the head when space runs out ("Label voided 2026-11-25")
	invalid   string // " is no longer valid", dropped when space runs out
}

// shippedNote is the note of a live label or fulfillment:
// "Shipped 2026-11-24 via UPS Ground. Tracking 1Z999AA10123456784.
// Shipping cost 12.50. ShipStation order INV-0042."
func shippedNote(ev ShipmentEvent, carriers map[string]string, s WriteBackSettings) string {
	f := baseFields(ev, carriers)
	f.head = "Shipped"
	if ev.Kind == EventFulfillment {
		f.head = "Marked shipped"
	}
	if d := ev.ShipDate.String(); d != "" {
		f.head += " " + d
	}
	if ev.Kind == EventLabel && ev.CostCents() > 0 {
		cur := ""
		if c := oneLine(s.CostCurrency); c != "" {
			cur = " " + strings.ToUpper(c)
		}
		f.cost = money(ev.CostCents()) + cur
		if ev.InsuranceCents > 0 {
			f.insurance = money(ev.InsuranceCents)
		}
	}
	return fitNote(f)
}

// voidedNote is the note of a voided label: "Label voided 2026-11-25: UPS
// tracking 1Z999AA10123456784 is no longer valid. ShipStation order
// INV-0042." With bought, the label's first note was never written, and
// the note says both: "Label bought 2026-11-24 and voided 2026-11-25: ...".
func voidedNote(ev ShipmentEvent, carriers map[string]string, bought bool) string {
	f := baseFields(ev, carriers)
	f.void = true
	f.service = "" // the carrier is enough to recognise a dead number
	what := "Label"
	if ev.Kind == EventFulfillment {
		what = "Shipment"
	}
	voided := "voided"
	if d := dateOf(ev.VoidDate); d != "" {
		voided += " " + d
	}
	f.head = what + " " + voided
	f.shortHead = f.head
	f.invalid = " is no longer valid"
	if bought {
		verb := "bought"
		if ev.Kind == EventFulfillment {
			verb = "marked shipped"
		}
		if d := ev.ShipDate.String(); d != "" {
			verb += " " + d
		}
		f.head = what + " " + verb + " and " + voided
	}
	f.noTrack = "the " + strings.TrimSpace(f.carrier+" "+strings.ToLower(what)) + " (ShipStation " + strings.Replace(ev.ID, ":", " ", 1) + ")"
	return fitNote(f)
}

func baseFields(ev ShipmentEvent, carriers map[string]string) noteFields {
	return noteFields{
		carrier:  CarrierName(ev.CarrierCode, carriers),
		service:  ServiceName(ev.ServiceCode),
		tracking: oneLine(ev.TrackingNumber),
		noTrack:  "No tracking number",
		costWord: "Shipping cost",
		order:    oneLine(ev.OrderNumber),
	}
}

// dateOf is the calendar date a ShipStation datetime names, as written
// (Pacific for ShipStation's own readings).
func dateOf(d shipstation.DateTime) string {
	s := d.String()
	if len(s) < 10 {
		return ""
	}
	if _, err := shipstation.ParseDate(s[:10]); err != nil {
		return ""
	}
	return s[:10]
}

func (f noteFields) render() string {
	var b strings.Builder
	b.WriteString(f.head)
	via := combine(f.carrier, f.service)
	if f.void {
		b.WriteString(": ")
		if f.tracking != "" {
			b.WriteString(strings.TrimSpace(f.carrier + " tracking " + f.tracking))
		} else {
			b.WriteString(f.noTrack)
		}
		b.WriteString(f.invalid + ".")
	} else {
		if via != "" {
			b.WriteString(" via " + via)
		}
		b.WriteString(". ")
		if f.tracking != "" {
			b.WriteString("Tracking " + f.tracking + ".")
		} else {
			b.WriteString(f.noTrack + ".")
		}
		if f.cost != "" {
			b.WriteString(" " + f.costWord + " " + f.cost)
			if f.insurance != "" {
				b.WriteString(" incl. insurance " + f.insurance)
			}
			b.WriteString(".")
		}
	}
	if f.order != "" {
		b.WriteString(" ShipStation order " + f.order + ".")
	}
	return upperFirst(b.String())
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// fitNote renders f within xero.MaxNoteLength, shortening the least
// useful parts first. The tracking number is cut only when it alone would
// not fit (no real one comes close).
func fitNote(f noteFields) string {
	const limit = xero.MaxNoteLength
	steps := []func(f *noteFields, over int){
		func(f *noteFields, _ int) { f.service = "" },
		func(f *noteFields, _ int) { f.insurance = "" },
		func(f *noteFields, _ int) { f.costWord = "Cost" },
		func(f *noteFields, over int) { f.order = shrink(f.order, over, 16) },
		func(f *noteFields, over int) { f.carrier = shrink(f.carrier, over, 16) },
		func(f *noteFields, _ int) { f.cost = "" },
		func(f *noteFields, over int) { f.order = shrink(f.order, over, 0) },
		func(f *noteFields, over int) { f.carrier = shrink(f.carrier, over, 0) },
		func(f *noteFields, _ int) {
			if f.shortHead != "" {
				f.head, f.invalid = f.shortHead, ""
			}
		},
		func(f *noteFields, over int) { f.tracking = shrink(f.tracking, over, 1) },
	}
	text := f.render()
	for _, step := range steps {
		over := utf16Len(text) - limit
		if over <= 0 {
			return text
		}
		step(&f, over)
		text = f.render()
	}
	text, _ = cut(text, limit, true) // only with an absurd head; kept as a guarantee
	return text
}

// shrink cuts s by over UTF-16 units (with an ellipsis), but not below
// floor units; floor 0 may drop it altogether.
func shrink(s string, over, floor int) string {
	n := utf16Len(s)
	target := n - over
	if target < floor {
		target = floor
	}
	if target >= n {
		return s
	}
	if target <= utf16Len(ellipsis) {
		return ""
	}
	out, _ := cut(s, target, true)
	return out
}

// combine joins a carrier and a service: "UPS Ground" when the service
// already names the carrier, else "Stamps.com (USPS First Class Mail)".
func combine(carrier, service string) string {
	switch {
	case service == "":
		return carrier
	case carrier == "":
		return service
	case len(service) >= len(carrier) && strings.EqualFold(service[:len(carrier)], carrier):
		return service
	}
	return carrier + " (" + service + ")"
}

// carrierAndService is the event's carrier and service for a line's
// description.
func carrierAndService(ev ShipmentEvent, carriers map[string]string) string {
	if s := combine(CarrierName(ev.CarrierCode, carriers), ServiceName(ev.ServiceCode)); s != "" {
		return s
	}
	return "ShipStation"
}

// eventLabel names the event's parcel in warnings: "UPS 1Z999...".
func eventLabel(ev ShipmentEvent, carriers map[string]string) string {
	what := oneLine(ev.TrackingNumber)
	if what == "" {
		what = strings.Replace(ev.ID, ":", " ", 1)
	}
	return strings.TrimSpace(CarrierName(ev.CarrierCode, carriers) + " " + what)
}

// CarrierNames maps the account's carriers (GET /carriers) from code to
// display name, for DecideWriteBack. A code listed twice (two accounts
// with one carrier) keeps its first name.
func CarrierNames(cs []shipstation.Carrier) map[string]string {
	out := make(map[string]string, len(cs))
	for _, c := range cs {
		code, name := strings.ToLower(strings.TrimSpace(c.Code)), oneLine(c.Name)
		if code == "" || name == "" {
			continue
		}
		if _, ok := out[code]; !ok {
			out[code] = name
		}
	}
	return out
}

// CarrierName is the display name of a carrier code: the account's own
// name for it from carriers, else a name for a few codes ShipStation
// documents, else the code itself.
func CarrierName(code string, carriers map[string]string) string {
	code = oneLine(code)
	if code == "" {
		return ""
	}
	if n := oneLine(carriers[code]); n != "" {
		return n
	}
	if n := oneLine(carriers[strings.ToLower(code)]); n != "" {
		return n
	}
	switch strings.ToLower(code) {
	case "stamps_com", "endicia", "usps":
		return "USPS"
	case "express_1":
		return "Express 1"
	case "ups", "ups_walleted":
		return "UPS"
	case "fedex", "fedex_walleted":
		return "FedEx"
	case "dhl_express", "dhl_express_worldwide", "dhl_express_walleted":
		return "DHL Express"
	case "dhl_ecommerce":
		return "DHL eCommerce"
	case "ontrac":
		return "OnTrac"
	case "amazon_buy_shipping":
		return "Amazon Buy Shipping"
	}
	return code
}

// ServiceName makes a service code readable: "ups_ground" becomes "UPS
// Ground" and "usps_first_class_mail" "USPS First Class Mail". A code that
// already reads as words (it has a space) is kept as it is.
func ServiceName(code string) string {
	code = oneLine(code)
	if code == "" || strings.Contains(code, " ") {
		return code
	}
	words := strings.FieldsFunc(code, func(r rune) bool { return r == '_' })
	for i, w := range words {
		words[i] = serviceWord(w)
	}
	return strings.Join(words, " ")
}

func serviceWord(w string) string {
	switch lw := strings.ToLower(w); lw {
	case "ups", "usps", "dhl", "tnt", "dpd", "gls", "usa", "us", "uk", "nz", "au", "eu", "ca", "gb", "ddp", "ddu", "apo", "fpo", "sm":
		return strings.ToUpper(lw)
	case "fedex":
		return "FedEx"
	case "2day":
		return "2Day"
	case "smartpost":
		return "SmartPost"
	case "ecommerce":
		return "eCommerce"
	case "ontrac":
		return "OnTrac"
	}
	return upperFirst(w)
}
