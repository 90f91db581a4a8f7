package web

import (
	"net/url"
	"strings"
)

// carrier is what the pages know of a ShipStation carrier code: its name
// for a person and how to build its public tracking page.
type carrier struct {
	name string
	// track builds the tracking page's URL from an escaped tracking
	// number; nil when the carrier has no public page we know of.
	track func(n string) string
	// escape is url.QueryEscape for a number in a query, url.PathEscape
	// for one in a path or fragment.
	escape func(string) string
}

// prefixed builds a tracking URL by appending the escaped number to prefix.
func prefixed(prefix string) func(string) string { return func(n string) string { return prefix + n } }

// carriers maps ShipStation's carrier codes (GET /carriers "code"; the
// walleted and regional variants are the same carrier to a customer).
var carriers = map[string]carrier{
	"stamps_com":            {"USPS", prefixed("https://tools.usps.com/go/TrackConfirmAction?tLabels="), url.QueryEscape},
	"usps":                  {"USPS", prefixed("https://tools.usps.com/go/TrackConfirmAction?tLabels="), url.QueryEscape},
	"endicia":               {"USPS", prefixed("https://tools.usps.com/go/TrackConfirmAction?tLabels="), url.QueryEscape},
	"ups":                   {"UPS", prefixed("https://www.ups.com/track?tracknum="), url.QueryEscape},
	"ups_walleted":          {"UPS", prefixed("https://www.ups.com/track?tracknum="), url.QueryEscape},
	"fedex":                 {"FedEx", prefixed("https://www.fedex.com/fedextrack/?trknbr="), url.QueryEscape},
	"fedex_walleted":        {"FedEx", prefixed("https://www.fedex.com/fedextrack/?trknbr="), url.QueryEscape},
	"dhl_express":           {"DHL Express", prefixed("https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id="), url.QueryEscape},
	"dhl_express_worldwide": {"DHL Express", prefixed("https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id="), url.QueryEscape},
	"dhl_express_au":        {"DHL Express", prefixed("https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id="), url.QueryEscape},
	"dhl_express_uk":        {"DHL Express", prefixed("https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id="), url.QueryEscape},
	"dhl_express_ca":        {"DHL Express", prefixed("https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id="), url.QueryEscape},
	"dhl_global_mail":       {"DHL eCommerce", prefixed("https://webtrack.dhlecs.com/?trackingnumber="), url.QueryEscape},
	"canada_post":           {"Canada Post", prefixed("https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor="), url.QueryEscape},
	"australia_post":        {"Australia Post", prefixed("https://auspost.com.au/mypost/track/details/"), url.PathEscape},
	"nz_post":               {"NZ Post", prefixed("https://www.nzpost.co.nz/tools/tracking?trackid="), url.QueryEscape},
	"royal_mail":            {"Royal Mail", prefixed("https://www.royalmail.com/track-your-item#/tracking-results/"), url.PathEscape},
	"ontrac":                {"OnTrac", prefixed("https://www.ontrac.com/tracking/?number="), url.QueryEscape},
	"apc":                   {"APC", nil, nil},
	"globegistics":          {"Globegistics", nil, nil},
	"other":                 {"Other carrier", nil, nil},
}

// carrierName is the carrier's name for a person; an unknown code is shown
// as ShipStation gave it.
func carrierName(code string) string {
	if c, ok := carriers[strings.ToLower(strings.TrimSpace(code))]; ok {
		return c.name
	}
	return code
}

// trackingURL is the carrier's public tracking page for a tracking number,
// with the number escaped for where it goes; "" when the carrier is
// unknown or has no page, or there is no number (the page then shows the
// number without a link).
func trackingURL(carrierCode, number string) string {
	number = strings.TrimSpace(number)
	c, ok := carriers[strings.ToLower(strings.TrimSpace(carrierCode))]
	if !ok || c.track == nil || number == "" {
		return ""
	}
	return c.track(c.escape(number))
}

// serviceName turns a ShipStation service code ("ups_ground",
// "usps_priority_mail") into words ("Ground", "Priority Mail"): the
// carrier's name is shown beside it, so its prefix goes.
func serviceName(carrierCode, service string) string {
	s := strings.ToLower(strings.TrimSpace(service))
	if s == "" {
		return ""
	}
	for _, p := range []string{"usps_", "ups_", "fedex_", "dhl_express_", "dhl_", "canada_post_", "australia_post_", "royal_mail_", "ontrac_"} {
		if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
			s = rest
			break
		}
	}
	words := strings.Fields(strings.ReplaceAll(s, "_", " "))
	for i, w := range words {
		switch w {
		case "us", "uk", "eu", "nz", "au", "ups", "usps", "dhl":
			words[i] = strings.ToUpper(w)
		default:
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// xeroInvoiceURL is Xero's documented deep link to an invoice: through
// go.xero.com's organisation login with the organisation's short code, so
// a merchant with several organisations lands in the right one. Without a
// short code it opens the invoice in whichever organisation the merchant
// last used.
func xeroInvoiceURL(shortCode, invoiceID string) string {
	view := "/AccountsReceivable/View.aspx?InvoiceID=" + url.QueryEscape(invoiceID)
	if shortCode == "" {
		return "https://go.xero.com" + view
	}
	return "https://go.xero.com/organisationlogin/default.aspx?shortcode=" + url.QueryEscape(shortCode) + "&redirecturl=" + view
}

// shipStationOrderURL opens ShipStation's order search at the order's
// number, which finds the order in any of its status tabs. ShipStation
// documents no deep link to an order; the search is the web app's own.
func shipStationOrderURL(orderNumber string) string {
	return "https://ship.shipstation.com/orders/all-orders-search-result?quickSearch=" + url.QueryEscape(orderNumber)
}
