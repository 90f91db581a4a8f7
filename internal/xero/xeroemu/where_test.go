package xeroemu

import "testing"

func TestParseWhere(t *testing.T) {
	t.Parallel()
	rec := &Contact{Name: "Liam", ContactStatus: "ACTIVE", EmailAddress: "l@x.com", IsCustomer: true, ContactID: "abc-1"}
	tests := []struct {
		expr  string
		match bool
		bad   bool
	}{
		{`Name=="Liam"`, true, false},
		{`Name == "liam"`, true, false},
		{`Name!="Liam"`, false, false},
		{`ContactStatus=="ACTIVE" && EmailAddress=="l@x.com"`, true, false},
		{`ContactStatus=="ARCHIVED" AND Name=="Liam"`, false, false},
		{`ContactStatus=="ARCHIVED" || Name=="Liam"`, true, false},
		{`ContactStatus=="ARCHIVED" OR Name=="Noel"`, false, false},
		{`ContactID==Guid("abc-1")`, true, false},
		{`ContactID == Guid( "abc-1" )`, true, false},
		{`IsCustomer==true`, true, false},
		{`IsSupplier==true`, false, false},
		{`ContactNumber==null`, true, false},
		{`Name=="Li\"am"`, false, false},
		{`Name="Liam"`, false, true},
		{`Name==`, false, true},
		{`Name=="Liam" &&`, false, true},
		{`Nope=="x"`, false, true},
		{`Name.Contains("L")`, false, true},
		{`(Name=="Liam")`, false, true},
		{`Name=="Liam`, false, true},
		{`ContactID==Guid(abc)`, false, true},
		{``, false, true},
	}
	for _, tt := range tests {
		w, err := parseWhere(tt.expr, contactField(nil))
		if (err != nil) != tt.bad {
			t.Errorf("%s: error %v, want error %v", tt.expr, err, tt.bad)
			continue
		}
		if err == nil && w.match(contactField(rec)) != tt.match {
			t.Errorf("%s: match %v, want %v", tt.expr, !tt.match, tt.match)
		}
	}
}
