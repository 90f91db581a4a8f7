package problems

import (
	"time"
	_ "time/tzdata" // the organisation's zone loads on a host without a zone database

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// Zone is the time zone a merchant reads times in: the Xero
// organisation's. Note says why it is UTC when it is not the
// organisation's ("" when it is).
type Zone struct {
	Loc  *time.Location
	Note string
}

// ZoneOf is the zone of the account whose Xero connection is c (nil: not
// connected), from the organisation's Timezone stored with it.
func ZoneOf(c *store.Connection) Zone {
	if c == nil || c.Status == store.StatusDisconnected || c.Metadata.TenantID == "" {
		return Zone{Loc: time.UTC, Note: "Times are in UTC until Xero is connected: orderbridge shows them in the organisation's time zone."}
	}
	tz := c.Metadata.Timezone
	if tz == "" {
		return Zone{Loc: time.UTC, Note: "Times are in UTC: Xero has not told orderbridge the organisation's time zone yet (the next sync reads it)."}
	}
	name, ok := xero.ZoneOf(tz)
	if !ok {
		return Zone{Loc: time.UTC, Note: "Times are in UTC: the organisation's time zone in Xero (" + tz + ") is not one orderbridge knows."}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return Zone{Loc: time.UTC, Note: "Times are in UTC: the organisation's time zone (" + name + ") could not be loaded."}
	}
	return Zone{Loc: loc}
}

// TimeLayout is how a merchant reads an instant: the day, the time and the
// zone's abbreviation ("14 Mar 2026 13:00 NZDT").
const TimeLayout = "2 Jan 2006 15:04 MST"

// WhenText is an instant as a merchant reads it, in loc (nil: UTC): the
// one way the pages (web's time functions), the problems' texts and the
// mails write a time, so the dashboard and a mail never give one instant
// two ways.
func WhenText(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayout)
}
