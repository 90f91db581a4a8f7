package demo

// Test hooks: the tables the country test holds to bridge.CountryCode.
var (
	CountryCodes = countryCodes
	Spellings    = func() []string {
		var out []string
		for _, l := range locales {
			out = append(out, l.spellings...)
		}
		for _, c := range curated {
			for _, a := range c.c.Addresses {
				out = append(out, a.Country)
			}
		}
		return out
	}
)
