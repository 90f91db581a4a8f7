package worker

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/store"
	"github.com/orderbridge/orderbridge/internal/xero"
)

// ReadOrganisation reads what orderbridge keeps of the Xero organisation
// tenantID into meta: its time zone (the merchant's pages and mails show
// times in it) and its short code (links into Xero name the organisation
// with it). Connecting Xero calls it; an export run calls it once for a
// connection saved before these were kept (Clients.prepare). One
// Organisation call.
func ReadOrganisation(ctx context.Context, xc *xero.Client, tenantID string, meta *store.ConnectionMetadata) error {
	org, err := xc.Organisation(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("worker: xero organisation: %w", err)
	}
	meta.Timezone, meta.ShortCode = org.Timezone, org.ShortCode
	return nil
}

// fillOrganisation reads and stores the organisation's time zone and short
// code for a connection that lacks them (made before they were kept), so
// such a connection pays the one call once, not per page view or run. A
// failure costs nothing but the call: times stay UTC and the Xero link
// without its organisation until a later run.
func (c *Clients) fillOrganisation(ctx context.Context, r *run, meta store.ConnectionMetadata) string {
	err := ReadOrganisation(ctx, r.xc, r.tenant, &meta)
	r.sum.XeroCalls++
	if err == nil {
		err = c.st.SetXeroOrganisation(ctx, r.acct, r.tenant, meta.Timezone, meta.ShortCode)
	}
	if err != nil {
		c.log.WarnContext(ctx, "worker: xero organisation not stored; a later run tries again", "account", r.acct, "err", err)
	}
	return meta.ShortCode
}
