package web

import "testing"

func TestTrackingURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		carrier, number, want string
	}{
		{"stamps_com", "9400111899223100001234", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223100001234"},
		{"usps", "9400 1118", "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400+1118"},
		{"ups_walleted", "1Z999AA10123456784", "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
		{"UPS", " 1Z999AA10123456784 ", "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
		{"fedex", "783408231234", "https://www.fedex.com/fedextrack/?trknbr=783408231234"},
		{"dhl_express_worldwide", "1234567890", "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567890"},
		{"canada_post", "1234&x=1", "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor=1234%26x%3D1"},
		{"australia_post", "AB/12 3", "https://auspost.com.au/mypost/track/details/AB%2F12%203"},
		{"royal_mail", "AB123456789GB", "https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB"},
		{"nz_post", "NZ<script>", "https://www.nzpost.co.nz/tools/tracking?trackid=NZ%3Cscript%3E"},
		{"ontrac", "C10000000000000", "https://www.ontrac.com/tracking/?number=C10000000000000"},
		{"apc", "123", ""},
		{"some_local_courier", "123", ""},
		{"fedex", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.carrier+"/"+tt.number, func(t *testing.T) {
			t.Parallel()
			if got := trackingURL(tt.carrier, tt.number); got != tt.want {
				t.Errorf("trackingURL(%q, %q) = %q; want %q", tt.carrier, tt.number, got, tt.want)
			}
		})
	}
}

func TestCarrierAndServiceNames(t *testing.T) {
	t.Parallel()
	tests := []struct{ carrier, service, wantCarrier, wantService string }{
		{"ups_walleted", "ups_ground", "UPS", "Ground"},
		{"stamps_com", "usps_priority_mail", "USPS", "Priority Mail"},
		{"fedex", "fedex_2day", "FedEx", "2day"},
		{"local_courier", "overnight_bag", "local_courier", "Overnight Bag"},
		{"fedex", "", "FedEx", ""},
	}
	for _, tt := range tests {
		if got := carrierName(tt.carrier); got != tt.wantCarrier {
			t.Errorf("carrierName(%q) = %q; want %q", tt.carrier, got, tt.wantCarrier)
		}
		if got := serviceName(tt.carrier, tt.service); got != tt.wantService {
			t.Errorf("serviceName(%q) = %q; want %q", tt.service, got, tt.wantService)
		}
	}
}

func TestXeroInvoiceURL(t *testing.T) {
	t.Parallel()
	if got, want := xeroInvoiceURL("!kT9pq", "9f1c2d3e-0000-4000-8000-000000000036"),
		"https://go.xero.com/organisationlogin/default.aspx?shortcode=%21kT9pq&redirecturl=/AccountsReceivable/View.aspx?InvoiceID=9f1c2d3e-0000-4000-8000-000000000036"; got != want {
		t.Errorf("with short code: %q; want %q", got, want)
	}
	if got, want := xeroInvoiceURL("", "abc"), "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=abc"; got != want {
		t.Errorf("without short code: %q; want %q", got, want)
	}
}
