package shipstationemu

import (
	"net/http"
	"slices"
)

// carrierOption is one entry of GET /carriers/listservices or
// /carriers/listpackages, in the documented JSON.
type carrierOption struct {
	CarrierCode   string `json:"carrierCode"`
	Code          string `json:"code"`
	Name          string `json:"name"`
	Domestic      bool   `json:"domestic"`
	International bool   `json:"international"`
}

// catalogue is a carrier's services or packages: code, name, domestic,
// international.
type catalogue []struct {
	code, name string
	dom, intl  bool
}

// carrierServices are the services of the default carriers. FedEx's are
// the documented example's (swagger.yaml, listservices); USPS and UPS use
// the codes the reference lists (shipstation-api.md §5.3) and ShipStation's
// naming.
func carrierServices() map[string]catalogue {
	return map[string]catalogue{
		"stamps_com": {
			{"usps_first_class_mail", "USPS First Class Mail", true, false},
			{"usps_media_mail", "USPS Media Mail", true, false},
			{"usps_parcel_select", "USPS Parcel Select Ground", true, false},
			{"usps_priority_mail", "USPS Priority Mail", true, false},
			{"usps_priority_mail_express", "USPS Priority Mail Express", true, false},
			{"usps_first_class_mail_international", "USPS First Class Mail Intl", false, true},
			{"usps_priority_mail_international", "USPS Priority Mail Intl", false, true},
			{"usps_priority_mail_express_international", "USPS Priority Mail Express Intl", false, true},
		},
		"ups_walleted": {
			{"ups_ground", "UPS® Ground", true, false},
			{"ups_ground_saver", "UPS® Ground Saver", true, false},
			{"ups_3_day_select", "UPS 3 Day Select®", true, false},
			{"ups_2nd_day_air", "UPS 2nd Day Air®", true, false},
			{"ups_next_day_air", "UPS Next Day Air®", true, false},
			{"ups_standard_international", "UPS Standard®", false, true},
			{"ups_worldwide_expedited", "UPS Worldwide Expedited®", false, true},
			{"ups_worldwide_saver", "UPS Worldwide Saver®", false, true},
		},
		"fedex": {
			{"fedex_ground", "FedEx Ground®", true, false},
			{"fedex_home_delivery", "FedEx Home Delivery®", true, false},
			{"fedex_2day", "FedEx 2Day®", true, false},
			{"fedex_2day_am", "FedEx 2Day® A.M.", true, false},
			{"fedex_express_saver", "FedEx Express Saver®", true, false},
			{"fedex_standard_overnight", "FedEx Standard Overnight®", true, false},
			{"fedex_priority_overnight", "FedEx Priority Overnight®", true, false},
			{"fedex_first_overnight", "FedEx First Overnight®", true, false},
			{"fedex_ground_international", "FedEx Ground® International", false, true},
			{"fedex_international_economy", "FedEx International Economy®", false, true},
			{"fedex_international_priority", "FedEx International Priority®", false, true},
		},
	}
}

// carrierPackages are the packages of the default carriers; USPS's follow
// the documented example (swagger.yaml, listpackages, for express_1, also
// USPS).
func carrierPackages() map[string]catalogue {
	return map[string]catalogue{
		"stamps_com": {
			{"package", "Package", true, true},
			{"cubic", "Cubic", true, false},
			{"flat_rate_envelope", "Flat Rate Envelope", true, true},
			{"flat_rate_padded_envelope", "Flat Rate Padded Envelope", true, true},
			{"large_envelope_or_flat", "Large Envelope or Flat", true, true},
			{"letter", "Letter", true, true},
			{"small_flat_rate_box", "Small Flat Rate Box", true, true},
			{"medium_flat_rate_box", "Medium Flat Rate Box", true, true},
			{"large_flat_rate_box", "Large Flat Rate Box", true, true},
			{"regional_rate_box_a", "Regional Rate Box A", true, false},
			{"regional_rate_box_b", "Regional Rate Box B", true, false},
		},
		"ups_walleted": {
			{"package", "Package", true, true},
			{"ups_letter", "UPS Letter", true, true},
			{"ups__express_box_small", "UPS Express® Box - Small", true, true},
			{"ups__pak", "UPS Pak", true, true},
		},
		"fedex": {
			{"package", "Package", true, true},
			{"fedex_envelope", "FedEx® Envelope", true, true},
			{"fedex_pak", "FedEx® Pak", true, true},
			{"fedex_small_box_onerate", "FedEx® Small Box", true, true},
			{"fedex_tube", "FedEx® Tube", true, true},
		},
	}
}

// connectedCarrier finds the carrier the request's carrierCode names and
// writes the refusal when there is none. ShipStation's answers for a
// missing or unconnected carrier are undocumented: the emulator refuses
// both with a 400, the status the docs give for bad parameters.
func (e *Emulator) connectedCarrier(w http.ResponseWriter, r *http.Request) (Carrier, bool) {
	code := newQuery(r).get("carrierCode")
	if code == "" {
		writeError(w, errFields(map[string][]string{"carrierCode": {"The carrierCode field is required."}}))
		return Carrier{}, false
	}
	e.mu.Lock()
	i := slices.IndexFunc(e.carriers, func(c Carrier) bool { return c.Code == code })
	var c Carrier
	if i >= 0 {
		c = e.carriers[i]
	}
	e.mu.Unlock()
	if i < 0 {
		writeError(w, errStatus(http.StatusBadRequest, "The carrier '%s' is not connected to this account.", code))
		return Carrier{}, false
	}
	return c, true
}

// getCarrier answers GET /carriers/getcarrier?carrierCode=: one carrier
// object, as in /carriers (the documented example).
func (e *Emulator) getCarrier(w http.ResponseWriter, r *http.Request) {
	c, ok := e.connectedCarrier(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, carrierJSON{
		Name: c.Name, Code: c.Code, AccountNumber: c.AccountNumber, RequiresFundedAccount: c.RequiresFundedAccount,
		Balance: c.Balance, Nickname: nullStr(c.Nickname), ShippingProviderID: c.ShippingProviderID, Primary: c.Primary,
	})
}

// listCarrierOptions answers GET /carriers/listservices and
// /carriers/listpackages from the given catalogue.
func (e *Emulator) listCarrierOptions(cat map[string]catalogue) handler {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := e.connectedCarrier(w, r)
		if !ok {
			return
		}
		// A connected carrier without a catalogue answers an empty list
		// rather than an invented one.
		entries := cat[c.Code]
		out := make([]carrierOption, len(entries))
		for i, s := range entries {
			out[i] = carrierOption{CarrierCode: c.Code, Code: s.code, Name: s.name, Domestic: s.dom, International: s.intl}
		}
		writeJSON(w, http.StatusOK, out)
	}
}
