package web

import (
	"context"
	"html/template"
	"time"

	"github.com/orderbridge/orderbridge/internal/problems"
	"github.com/orderbridge/orderbridge/internal/store"
)

// zone is the time zone the merchant's pages show times in
// (problems.ZoneOf: the Xero organisation's).
type zone = problems.Zone

// zoneOfConnection reads the zone from the account's Xero connection (nil:
// not connected).
func zoneOfConnection(c *store.Connection) zone { return problems.ZoneOf(c) }

// zoneOf is the account's zone; a store error shows UTC (and is logged),
// rather than failing the page.
func (s *Server) zoneOf(ctx context.Context, acct int64) zone {
	c, err := s.connection(ctx, acct, store.KindXero)
	if err != nil {
		s.log.WarnContext(ctx, "web: time zone", "account", acct, "err", err)
		return zone{Loc: time.UTC, Note: "Times are in UTC: the organisation's time zone could not be read."}
	}
	return zoneOfConnection(c)
}

// timeFuncs are the template functions that write times, in z, relative to
// now: the one way every page writes a time.
//
//   - datetime: the absolute time ("14 Mar 2026 13:00 NZDT"; "never" for
//     the zero time)
//   - date: the calendar day in z (YYYY-MM-DD)
//   - when: a <time> element saying how long ago (or until) within a week
//     ("3 minutes ago"), the absolute time beyond, with the absolute time in
//     its title and the instant in its datetime attribute
func timeFuncs(z zone, now time.Time) template.FuncMap {
	abs := func(t time.Time) string { return problems.WhenText(t, z.Loc) }
	return template.FuncMap{
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return abs(t)
		},
		"date": func(t time.Time) string { return t.In(z.Loc).Format(time.DateOnly) },
		"when": func(t time.Time) template.HTML {
			if t.IsZero() {
				return "never"
			}
			iso := template.HTMLEscapeString(t.UTC().Format(time.RFC3339))
			a := template.HTMLEscapeString(abs(t))
			rel, ok := relativeText(t, now)
			if !ok {
				return template.HTML(`<time datetime="` + iso + `">` + a + `</time>`)
			}
			return template.HTML(`<time datetime="` + iso + `" title="` + a + `">` + template.HTMLEscapeString(rel) + `</time>`)
		},
	}
}

// relativeText says how long ago (or until) t is from now, when within a
// week: "just now", "3 minutes ago", "in 2 hours", "5 days ago".
func relativeText(t, now time.Time) (string, bool) {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var text string
	switch {
	case d < time.Minute:
		return "just now", true
	case d < time.Hour:
		text = plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		text = plural(int(d/time.Hour), "hour")
	case d < 7*24*time.Hour:
		text = plural(int(d/(24*time.Hour)), "day")
	default:
		return "", false
	}
	if future {
		return "in " + text, true
	}
	return text + " ago", true
}
