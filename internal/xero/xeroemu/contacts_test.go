package xeroemu_test

import (
	"net/url"
	"testing"

	"github.com/orderbridge/orderbridge/internal/xero/xeroemu"
)

func TestContacts(t *testing.T) {
	t.Parallel()
	b := setup(t, xeroemu.Options{})
	in := map[string]any{"Contacts": []any{map[string]any{
		"Name": "Liam Gallagher", "FirstName": "Liam", "LastName": "Gallagher", "EmailAddress": "liam@rockstar.com",
		"ContactNumber": "C-42",
		"Addresses": []any{
			map[string]any{"AddressType": "STREET", "AddressLine1": "1 Main St", "City": "Anytown", "Region": "NY", "PostalCode": "10101", "Country": "USA"},
			map[string]any{"AddressType": "POBOX", "AddressLine1": "PO Box 7", "City": "Anytown"},
		},
		"Phones":         []any{map[string]any{"PhoneType": "MOBILE", "PhoneNumber": "444-3433", "PhoneAreaCode": "212"}},
		"ContactPersons": []any{map[string]any{"FirstName": "Debbie", "LastName": "Gwyther", "EmailAddress": "debbie@rockstar.com", "IncludeInEmails": true}},
	}}}
	c := b.do(t, "PUT", "/api.xro/2.0/Contacts", in).must(t, 200).one(t, "Contacts")
	id := c["ContactID"].(string)
	if c["ContactStatus"] != "ACTIVE" || len(c["Addresses"].([]any)) != 2 || len(c["Phones"].([]any)) != 4 || len(c["ContactPersons"].([]any)) != 1 {
		t.Fatalf("created contact = %v", c)
	}
	phones := map[string]string{}
	for _, p := range c["Phones"].([]any) {
		p := p.(map[string]any)
		phones[p["PhoneType"].(string)] = p["PhoneNumber"].(string)
	}
	if phones["MOBILE"] != "444-3433" || phones["DEFAULT"] != "" || len(phones) != 4 {
		t.Errorf("phones = %v", phones)
	}

	// GET by id and by ContactNumber.
	for _, key := range []string{id, "C-42"} {
		got := b.do(t, "GET", "/api.xro/2.0/Contacts/"+key, nil).must(t, 200).one(t, "Contacts")
		if got["ContactID"] != id {
			t.Errorf("GET %s = %v", key, got["ContactID"])
		}
	}
	// Update by POST /Contacts/{id}: addresses merge by type, persons replace.
	got := b.do(t, "POST", "/api.xro/2.0/Contacts/"+id, map[string]any{"Contacts": []any{map[string]any{
		"Addresses":      []any{map[string]any{"AddressType": "STREET", "AddressLine1": "2 New Rd", "City": "Newtown"}},
		"ContactPersons": []any{},
	}}}).must(t, 200).one(t, "Contacts")
	addrs := map[string]string{}
	for _, a := range got["Addresses"].([]any) {
		a := a.(map[string]any)
		addrs[a["AddressType"].(string)] = a["AddressLine1"].(string)
	}
	if addrs["STREET"] != "2 New Rd" || addrs["POBOX"] != "PO Box 7" || len(got["ContactPersons"].([]any)) != 0 || got["Name"] != "Liam Gallagher" {
		t.Errorf("after update: %v", got)
	}
	// POST /Contacts upserts by ContactNumber.
	got = b.do(t, "POST", "/api.xro/2.0/Contacts", map[string]any{"Contacts": []any{map[string]any{"ContactNumber": "C-42", "Name": "Liam G"}}}).must(t, 200).one(t, "Contacts")
	if got["ContactID"] != id || got["Name"] != "Liam G" {
		t.Errorf("upsert by number: %v", got)
	}
	if _, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: "Archived One", ContactStatus: "ARCHIVED", EmailAddress: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.emu.SeedContact(b.tenant, xeroemu.Contact{Name: "Noel", EmailAddress: "noel@example.com"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		query string
		want  int
	}{
		{"", 2},
		{"includeArchived=true", 3},
		{"where=" + url.QueryEscape(`ContactStatus=="ACTIVE"`), 2},
		{"where=" + url.QueryEscape(`Name=="Liam G"`), 1},
		{"where=" + url.QueryEscape(`EmailAddress=="noel@example.com"`), 1},
		{"where=" + url.QueryEscape(`ContactNumber=="C-42" && ContactStatus=="ACTIVE"`), 1},
		{"IDs=" + id, 1},
		{"searchTerm=noel", 1},
		{"page=1&pageSize=1&order=Name%20DESC", 1},
	}
	for _, tt := range tests {
		r := b.do(t, "GET", "/api.xro/2.0/Contacts?"+tt.query, nil).must(t, 200)
		if got := len(r.items(t, "Contacts")); got != tt.want {
			t.Errorf("%s: %d contacts, want %d", tt.query, got, tt.want)
		}
	}
	r := b.do(t, "GET", "/api.xro/2.0/Contacts?page=1&pageSize=1&order=Name%20DESC", nil).must(t, 200)
	if first := r.items(t, "Contacts")[0]; first["Name"] != "Noel" || r.body["pagination"].(map[string]any)["itemCount"] != float64(2) {
		t.Errorf("ordered page = %s", r.raw)
	}
	b.do(t, "GET", "/api.xro/2.0/Contacts?where="+url.QueryEscape(`Name="x"`), nil).must(t, 400)

	for name, body := range map[string]map[string]any{
		"duplicate name": {"Name": "Noel"},
		"no name":        {"EmailAddress": "x@example.com"},
		"bad email":      {"Name": "Bad Email", "EmailAddress": "not an email"},
		"bad phone type": {"Name": "Bad Phone", "Phones": []any{map[string]any{"PhoneType": "PAGER"}}},
	} {
		if msgs := b.do(t, "PUT", "/api.xro/2.0/Contacts", map[string]any{"Contacts": []any{body}}).validationMessages(t); len(msgs) == 0 {
			t.Errorf("%s accepted", name)
		}
	}
}
