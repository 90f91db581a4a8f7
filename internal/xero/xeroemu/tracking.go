package xeroemu

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Xero allows two ACTIVE tracking categories and four in all.
const (
	maxActiveCategories = 2
	maxCategories       = 4
)

func (e *Emulator) listTracking(w http.ResponseWriter, r *http.Request, c *callInfo) {
	q := r.URL.Query()
	includeArchived := strings.EqualFold(q.Get("includeArchived"), "true")
	var where whereExpr
	if s := q.Get("where"); s != "" {
		var err error
		if where, err = parseWhere(s, trackingField(nil)); err != nil {
			writeResult(w, queryParseError("Invalid where clause: "+err.Error()))
			return
		}
	}
	e.mu.RLock()
	out := []wireTrackingCategory{}
	for _, tc := range c.org.tracking {
		if (tc.Status != "ACTIVE" && !includeArchived) || !where.match(trackingField(tc)) {
			continue
		}
		out = append(out, renderTrackingCategory(tc, includeArchived))
	}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("TrackingCategories", out, nil))
}

func trackingField(tc *TrackingCategory) fieldFunc {
	return func(f string) (any, bool) {
		if tc == nil {
			tc = &TrackingCategory{}
		}
		switch strings.ToLower(f) {
		case "name":
			return tc.Name, true
		case "status":
			return tc.Status, true
		case "trackingcategoryid":
			return tc.TrackingCategoryID, true
		}
		return nil, false
	}
}

func (o *org) trackingCategory(id string) *TrackingCategory {
	for _, tc := range o.tracking {
		if strings.EqualFold(tc.TrackingCategoryID, id) {
			return tc
		}
	}
	return nil
}

func (e *Emulator) getTracking(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.mu.RLock()
	tc := c.org.trackingCategory(r.PathValue("id"))
	if tc == nil {
		e.mu.RUnlock()
		writeResult(w, notFound())
		return
	}
	out := []wireTrackingCategory{renderTrackingCategory(tc, true)}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("TrackingCategories", out, nil))
}

// addCategory creates a category after checking the limits. Called with
// e.mu held.
func (o *org) addCategory(name string, options []string) (*TrackingCategory, errs) {
	var bad errs
	name = strings.TrimSpace(name)
	active := 0
	for _, tc := range o.tracking {
		if tc.Status == "ACTIVE" {
			active++
		}
		if strings.EqualFold(tc.Name, name) {
			bad.add("A tracking category with the name '%s' already exists.", name)
		}
	}
	switch {
	case name == "":
		bad.add("The Name field is required.")
	case utf8.RuneCountInString(name) > 100:
		bad.add("The Name field must be 100 characters or less.")
	}
	if len(o.tracking) >= maxCategories {
		bad.add("You can only have %d tracking categories in total (active and archived).", maxCategories)
	} else if active >= maxActiveCategories {
		bad.add("You can only have %d active tracking categories.", maxActiveCategories)
	}
	if len(bad) > 0 {
		return nil, bad
	}
	tc := &TrackingCategory{TrackingCategoryID: newID(), Name: name, Status: "ACTIVE"}
	for _, opt := range options {
		if _, b := addOption(tc, opt); len(b) > 0 {
			return nil, b
		}
	}
	o.tracking = append(o.tracking, tc)
	o.changed()
	return tc, nil
}

func addOption(tc *TrackingCategory, name string) (TrackingOption, errs) {
	var bad errs
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		bad.add("The Name field is required.")
	case utf8.RuneCountInString(name) > 100:
		bad.add("The Name field must be 100 characters or less.")
	}
	for _, o := range tc.Options {
		if strings.EqualFold(o.Name, name) {
			bad.add("A tracking option with the name '%s' already exists in '%s'.", name, tc.Name)
		}
	}
	if len(bad) > 0 {
		return TrackingOption{}, bad
	}
	opt := TrackingOption{TrackingOptionID: newID(), Name: name, Status: "ACTIVE"}
	tc.Options = append(tc.Options, opt)
	return opt, nil
}

// putTracking creates a category. The body is a bare TrackingCategory
// ({"Name":"Region"}), as in the spec; the wrapped form is accepted too.
func (e *Emulator) putTracking(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.writeCall(w, r, c, func(body []byte) result {
		raws, err := elements(body, "TrackingCategories")
		if err != nil || len(raws) != 1 {
			return postDataInvalid("Send one tracking category as a JSON object.")
		}
		in, err := decodeObj(raws[0])
		if err != nil {
			return postDataInvalid("Send one tracking category as a JSON object.")
		}
		name, _, _ := in.str("Name")
		e.mu.Lock()
		defer e.mu.Unlock()
		tc, bad := c.org.addCategory(name, nil)
		if len(bad) > 0 {
			return validationFailure([]map[string]any{echoElement(raws[0], bad)})
		}
		return e.okEnvelope("TrackingCategories", []wireTrackingCategory{renderTrackingCategory(tc, true)}, nil)
	})
}

// postTracking renames a category or changes its Status (ACTIVE/ARCHIVED),
// subject to the same limits.
func (e *Emulator) postTracking(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.writeCall(w, r, c, func(body []byte) result {
		raws, err := elements(body, "TrackingCategories")
		if err != nil || len(raws) != 1 {
			return postDataInvalid("Send one tracking category as a JSON object.")
		}
		in, err := decodeObj(raws[0])
		if err != nil {
			return postDataInvalid("Send one tracking category as a JSON object.")
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		o := c.org
		tc := o.trackingCategory(r.PathValue("id"))
		if tc == nil {
			return notFound()
		}
		var bad errs
		name, hasName, _ := in.str("Name")
		status, hasStatus, _ := in.str("Status")
		status = strings.ToUpper(status)
		if hasName {
			for _, other := range o.tracking {
				if other != tc && strings.EqualFold(other.Name, name) {
					bad.add("A tracking category with the name '%s' already exists.", name)
				}
			}
			if strings.TrimSpace(name) == "" {
				bad.add("The Name field is required.")
			}
		}
		if hasStatus && status != tc.Status {
			switch status {
			case "ARCHIVED":
			case "ACTIVE":
				active := 0
				for _, other := range o.tracking {
					if other.Status == "ACTIVE" {
						active++
					}
				}
				if active >= maxActiveCategories {
					bad.add("You can only have %d active tracking categories.", maxActiveCategories)
				}
			default:
				bad.add("Status must be ACTIVE or ARCHIVED.")
			}
		}
		if len(bad) > 0 {
			return validationFailure([]map[string]any{echoElement(raws[0], bad)})
		}
		if hasName {
			tc.Name = strings.TrimSpace(name)
		}
		if hasStatus {
			tc.Status = status
		}
		o.changed()
		return e.okEnvelope("TrackingCategories", []wireTrackingCategory{renderTrackingCategory(tc, true)}, nil)
	})
}

// putOptions adds options: a bare {"Name":"North"} as in the spec, or
// {"Options":[...]}.
func (e *Emulator) putOptions(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.writeCall(w, r, c, func(body []byte) result {
		raws, err := elements(body, "Options")
		if err != nil {
			return postDataInvalid("The request body could not be read as JSON: " + err.Error())
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		tc := c.org.trackingCategory(r.PathValue("id"))
		if tc == nil {
			return notFound()
		}
		saved := tc.Options
		tc.Options = append([]TrackingOption(nil), saved...)
		var out []wireTrackingOption
		var failed []map[string]any
		for _, raw := range raws {
			in, err := decodeObj(raw)
			if err != nil {
				tc.Options = saved
				return postDataInvalid("Each option must be a JSON object.")
			}
			name, _, _ := in.str("Name")
			opt, bad := addOption(tc, name)
			if len(bad) > 0 {
				failed = append(failed, echoElement(raw, bad))
				continue
			}
			out = append(out, renderOption(opt))
		}
		if len(failed) > 0 {
			tc.Options = saved
			return validationFailure(failed)
		}
		c.org.changed()
		return e.okEnvelope("Options", out, nil)
	})
}

// SeedTrackingCategory creates a category with options from Go, within the
// same limits as the API.
func (e *Emulator) SeedTrackingCategory(tenantID, name string, options ...string) (TrackingCategory, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[tenantID]
	if o == nil {
		return TrackingCategory{}, fmt.Errorf("xeroemu: seed tracking category: unknown tenant %q", tenantID)
	}
	tc, bad := o.addCategory(name, options)
	if len(bad) > 0 {
		return TrackingCategory{}, fmt.Errorf("xeroemu: seed tracking category %q: %s", name, strings.Join(bad, "; "))
	}
	return tc.clone(), nil
}

func (e *Emulator) getOrganisation(w http.ResponseWriter, r *http.Request, c *callInfo) {
	e.mu.RLock()
	o := c.org
	out := []wireOrganisation{{
		APIKey: strings.ToUpper(o.id[:8]), Name: o.name, LegalName: o.name, PaysTax: true, Version: "GLOBAL",
		OrganisationType: "COMPANY", BaseCurrency: "USD", CountryCode: "US", IsDemoCompany: true,
		OrganisationStatus: "ACTIVE", TaxNumber: "", FinancialYearEndDay: 31, FinancialYearEndMonth: 12,
		SalesTaxBasis: "ACCRUALS", SalesTaxPeriod: "QUARTERLY1", DefaultSalesTax: "Tax Exclusive",
		DefaultPurchasesTax: "Tax Exclusive", PeriodLockDate: msDate(time.Unix(0, 0)),
		EndOfYearLockDate: msDate(time.Unix(0, 0)),
		CreatedDateUTC:    msDateNoZone(o.created), OrganisationEntityType: "COMPANY", Timezone: o.timezone,
		ShortCode: o.shortCode, OrganisationID: o.id, Edition: "BUSINESS", Class: "PREMIUM",
		Addresses: emptyList{}, Phones: emptyList{}, ExternalLinks: emptyList{},
	}}
	e.mu.RUnlock()
	writeResult(w, e.okEnvelope("Organisations", out, nil))
}
