package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

func testXeroToken(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	wantNotFound(t, "SaveXeroToken without a connection", b.st.SaveXeroToken(b.ctx, a.ID, []byte(`{"t":1}`)))
	must(t, "SaveConnection", b.st.SaveConnection(b.ctx, a.ID, store.KindXero, store.ConnectionMetadata{TenantID: "t"}, []byte(`{"t":1}`)))
	must(t, "SetConnectionStatus", b.st.SetConnectionStatus(b.ctx, a.ID, store.KindXero, store.StatusReconnectNeeded, "expired"))
	// Each save is visible to the next read at once (it committed before
	// returning), and restores the connected state.
	for i := 2; i <= 4; i++ {
		tok := fmt.Sprintf(`{"t":%d}`, i)
		must(t, "SaveXeroToken", b.st.SaveXeroToken(b.ctx, a.ID, []byte(tok)))
		got, err := b.st.XeroToken(b.ctx, a.ID)
		must(t, "XeroToken", err)
		if string(got) != tok {
			t.Fatalf("XeroToken = %s, want %s", got, tok)
		}
	}
	c, err := b.st.Connection(b.ctx, a.ID, store.KindXero)
	must(t, "Connection", err)
	if c.Status != store.StatusConnected || c.StatusReason != "" || c.Metadata.TenantID != "t" {
		t.Errorf("after SaveXeroToken: %+v", c)
	}
	if err := b.st.SaveXeroToken(b.ctx, a.ID, nil); err == nil {
		t.Error("SaveXeroToken(empty) succeeded")
	}
}

func testSettings(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	got, err := b.st.Settings(b.ctx, a.ID)
	must(t, "Settings", err)
	if !reflect.DeepEqual(got, store.DefaultSettings()) {
		t.Errorf("Settings before save = %+v, want defaults", got)
	}
	d := store.DefaultSettings()
	if d.SyncInterval != 5*time.Minute || !d.TrackingRuleEnabled || d.TrackingOptionName != "ShipStation" ||
		!slices.Equal(d.InvoiceStatuses, []string{"AUTHORISED", "PAID"}) {
		t.Errorf("DefaultSettings = %+v", d)
	}

	want := store.Settings{
		SyncEnabled:          true,
		SyncInterval:         2 * time.Minute,
		SafetySweepInterval:  30 * time.Minute,
		TrackingRuleEnabled:  false,
		TrackingOptionName:   "Ship me",
		TrackingCategoryName: "Channel",
		InvoiceStatuses:      []string{"AUTHORISED"},
		ShippingItemCode:     "SHIP",
		ShipStationStoreID:   12345,
		WriteBackEnabled:     true,
		ShippingLine:         store.ShippingLineSettings{Enabled: true, ItemCode: "FREIGHT", AccountCode: "425", TaxType: "OUTPUT2"},
		LogRetentionDays:     30,
	}
	must(t, "SaveSettings", b.st.SaveSettings(b.ctx, a.ID, want))
	got, err = b.st.Settings(b.ctx, a.ID)
	must(t, "Settings", err)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Settings = %+v\nwant %+v", got, want)
	}

	// Values that cannot work fall back to the defaults.
	must(t, "SaveSettings", b.st.SaveSettings(b.ctx, a.ID, store.Settings{SyncEnabled: true}))
	got, err = b.st.Settings(b.ctx, a.ID)
	must(t, "Settings", err)
	if got.SyncInterval != store.DefaultSyncInterval || got.SafetySweepInterval != store.DefaultSafetySweepInterval || got.TrackingOptionName != "ShipStation" ||
		got.LogRetentionDays != store.DefaultLogRetentionDays || len(got.InvoiceStatuses) != 2 || !got.SyncEnabled || got.TrackingRuleEnabled {
		t.Errorf("Settings after a sparse save = %+v", got)
	}

	// The safety sweep is never more frequent than the sync interval.
	must(t, "SaveSettings", b.st.SaveSettings(b.ctx, a.ID, store.Settings{SyncInterval: 2 * time.Hour, SafetySweepInterval: time.Hour}))
	got, err = b.st.Settings(b.ctx, a.ID)
	must(t, "Settings", err)
	if got.SafetySweepInterval != 2*time.Hour {
		t.Errorf("safety sweep interval %s under a 2h sync interval, want raised to 2h", got.SafetySweepInterval)
	}
}

func testInvoiceLinks(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	_, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-1")
	wantNotFound(t, "InvoiceLink before upsert", err)

	l := store.InvoiceLink{
		AccountID: a.ID, InvoiceID: "inv-1", InvoiceNumber: "INV-0001", OrderKey: "ob-t-inv-1",
		OrderID: 987654, OrderStatus: "awaiting_shipment", Decision: store.DecisionExported,
		Reason: "", ContentHash: "sha256:aaa",
	}
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l))
	first, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-1")
	must(t, "InvoiceLink", err)
	if first.CreatedAt.IsZero() || !first.UpdatedAt.Equal(first.CreatedAt) {
		t.Errorf("timestamps = %v, %v", first.CreatedAt, first.UpdatedAt)
	}
	l.CreatedAt, l.UpdatedAt = first.CreatedAt, first.UpdatedAt
	if first != l {
		t.Errorf("InvoiceLink = %+v\nwant %+v", first, l)
	}

	// Upsert replaces every field but CreatedAt.
	l2 := l
	l2.OrderStatus, l2.Decision, l2.Reason, l2.ContentHash = "cancelled", store.DecisionCancelled, "Invoice voided in Xero", "sha256:bbb"
	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, l2))
	got, err := b.st.InvoiceLink(b.ctx, a.ID, "inv-1")
	must(t, "InvoiceLink", err)
	if got.Decision != store.DecisionCancelled || got.Reason != "Invoice voided in Xero" || got.ContentHash != "sha256:bbb" ||
		got.OrderStatus != "cancelled" || !got.CreatedAt.Equal(first.CreatedAt) || got.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("after second upsert: %+v", got)
	}

	byKey, err := b.st.InvoiceLinkByOrderKey(b.ctx, a.ID, "ob-t-inv-1")
	must(t, "InvoiceLinkByOrderKey", err)
	if byKey.InvoiceID != "inv-1" {
		t.Errorf("by order key = %+v", byKey)
	}
	_, err = b.st.InvoiceLinkByOrderKey(b.ctx, a.ID, "nope")
	wantNotFound(t, "InvoiceLinkByOrderKey(nope)", err)
	_, err = b.st.InvoiceLinkByOrderKey(b.ctx, a.ID, "")
	wantNotFound(t, "InvoiceLinkByOrderKey(empty)", err)

	must(t, "UpsertInvoiceLink", b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: a.ID, InvoiceID: "inv-2", InvoiceNumber: "INV-0002",
		Decision: store.DecisionSkipped, Reason: "No line carries the tracking option ShipStation", ReasonCode: "tracking_rule"}))
	byNum, err := b.st.InvoiceLinksByNumber(b.ctx, a.ID, "INV-0002")
	must(t, "InvoiceLinksByNumber", err)
	if len(byNum) != 1 || byNum[0].InvoiceID != "inv-2" || byNum[0].OrderID != 0 || byNum[0].ReasonCode != "tracking_rule" {
		t.Errorf("by number = %+v", byNum)
	}

	all, err := b.st.ListInvoiceLinks(b.ctx, a.ID, store.LinkFilter{})
	must(t, "ListInvoiceLinks", err)
	if len(all) != 2 {
		t.Errorf("ListInvoiceLinks = %d links, want 2", len(all))
	}
	skipped, err := b.st.ListInvoiceLinks(b.ctx, a.ID, store.LinkFilter{Decision: store.DecisionSkipped})
	must(t, "ListInvoiceLinks(skipped)", err)
	if len(skipped) != 1 || skipped[0].InvoiceID != "inv-2" {
		t.Errorf("ListInvoiceLinks(skipped) = %+v", skipped)
	}
	if err := b.st.UpsertInvoiceLink(b.ctx, store.InvoiceLink{AccountID: a.ID}); err == nil {
		t.Error("UpsertInvoiceLink without invoice id succeeded")
	}
}

func testContacts(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	contact := func(id string, updated time.Time) store.CachedContact {
		doc, _ := json.Marshal(map[string]any{"ContactID": id, "Name": "Contact " + id, "Addresses": []any{}})
		return store.CachedContact{ContactID: id, JSON: doc, UpdatedDateUTC: updated, FetchedAt: ts(time.Hour)}
	}
	c1, c2 := contact("c1", ts(0)), contact("c2", ts(time.Minute))
	must(t, "PutContacts", b.st.PutContacts(b.ctx, a.ID, []store.CachedContact{c1, c2}))
	got, err := b.st.Contacts(b.ctx, a.ID, []string{"c1", "c2", "c3"})
	must(t, "Contacts", err)
	if len(got) != 2 || string(got["c1"].JSON) != string(c1.JSON) || !got["c2"].UpdatedDateUTC.Equal(c2.UpdatedDateUTC) ||
		!got["c1"].FetchedAt.Equal(c1.FetchedAt) {
		t.Errorf("Contacts = %+v", got)
	}

	tests := []struct {
		name         string
		want         []store.ContactWant
		fetchedAfter time.Time
		stale        []string
	}{
		{"fresh", []store.ContactWant{{ContactID: "c1"}, {ContactID: "c2", UpdatedDateUTC: ts(time.Minute)}}, time.Time{}, nil},
		{"missing", []store.ContactWant{{ContactID: "c3"}, {ContactID: "c1"}, {ContactID: "c3"}}, time.Time{}, []string{"c3"}},
		{"newer version", []store.ContactWant{{ContactID: "c1", UpdatedDateUTC: ts(time.Second)}, {ContactID: "c2"}}, time.Time{}, []string{"c1"}},
		{"fetched too long ago", []store.ContactWant{{ContactID: "c2"}, {ContactID: "c1"}}, ts(2 * time.Hour), []string{"c2", "c1"}},
		{"fetched recently", []store.ContactWant{{ContactID: "c2"}}, ts(time.Hour), nil},
		{"empty", nil, time.Time{}, nil},
	}
	for _, tc := range tests {
		stale, err := b.st.StaleContacts(b.ctx, a.ID, tc.want, tc.fetchedAfter)
		must(t, "StaleContacts", err)
		if !slices.Equal(stale, tc.stale) {
			t.Errorf("%s: StaleContacts = %v, want %v", tc.name, stale, tc.stale)
		}
	}

	// Replacing a contact updates it; forgetting one makes it missing.
	c1b := contact("c1", ts(time.Hour))
	must(t, "PutContacts", b.st.PutContacts(b.ctx, a.ID, []store.CachedContact{c1b}))
	got, err = b.st.Contacts(b.ctx, a.ID, []string{"c1"})
	must(t, "Contacts", err)
	if !got["c1"].UpdatedDateUTC.Equal(ts(time.Hour)) {
		t.Errorf("replaced contact = %+v", got["c1"])
	}
	must(t, "ForgetContacts", b.st.ForgetContacts(b.ctx, a.ID, []string{"c1"}))
	stale, err := b.st.StaleContacts(b.ctx, a.ID, []store.ContactWant{{ContactID: "c1"}, {ContactID: "c2"}}, time.Time{})
	must(t, "StaleContacts", err)
	if !slices.Equal(stale, []string{"c1"}) {
		t.Errorf("after ForgetContacts: %v", stale)
	}

	// More ids than one query carries.
	var many []store.CachedContact
	var wants []store.ContactWant
	for i := range 1200 {
		id := fmt.Sprintf("bulk-%04d", i)
		if i%2 == 0 {
			many = append(many, contact(id, ts(0)))
		}
		wants = append(wants, store.ContactWant{ContactID: id})
	}
	must(t, "PutContacts(bulk)", b.st.PutContacts(b.ctx, a.ID, many))
	stale, err = b.st.StaleContacts(b.ctx, a.ID, wants, time.Time{})
	must(t, "StaleContacts(bulk)", err)
	if len(stale) != 600 || stale[0] != "bulk-0001" || stale[599] != "bulk-1199" {
		t.Errorf("bulk stale = %d ids (%v...)", len(stale), stale[:min(3, len(stale))])
	}
}

func testLogAppendAndFilter(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	entries := []store.LogEntry{
		{AccountID: a.ID, At: ts(1 * time.Second), Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, InvoiceID: "i1", InvoiceNumber: "INV-001", OrderNumber: "INV-001", Message: "Order created", Detail: `{"orderKey":"k1"}`},
		{AccountID: a.ID, At: ts(2 * time.Second), Direction: store.XeroToShipStation, Outcome: store.OutcomeSkipped, InvoiceID: "i2", InvoiceNumber: "INV-002", Message: "No line carries the tracking option ShipStation", RunID: 7, ReasonCode: "tracking_rule"},
		{AccountID: a.ID, At: ts(3 * time.Second), Direction: store.XeroToShipStation, Outcome: store.OutcomeSkipped, InvoiceID: "i3", InvoiceNumber: "INV-003", Message: "Contact Bob has no address: add one in Xero", RunID: 8, ReasonCode: "no_address"},
		{AccountID: a.ID, At: ts(4 * time.Second), Direction: store.ShipStationToXero, Outcome: store.OutcomeSuccess, InvoiceID: "i1", InvoiceNumber: "INV-001", OrderNumber: "INV-001", Message: "Tracking 1Z999 written"},
		{AccountID: a.ID, At: ts(5 * time.Second), Direction: store.XeroToShipStation, Outcome: store.OutcomeWarning, InvoiceID: "i4", InvoiceNumber: "INV-004", Message: "Only a STREET address: used for both (100% match_)", RunID: 8},
	}
	ids, err := b.st.AppendLog(b.ctx, entries...)
	must(t, "AppendLog", err)
	if len(ids) != len(entries) {
		t.Fatalf("AppendLog returned %d ids", len(ids))
	}
	all, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{})
	must(t, "ListLog", err)
	if all.Total != 5 || len(all.Entries) != 5 || all.Page != 1 || all.PageSize != 50 {
		t.Fatalf("ListLog = total %d, %d entries", all.Total, len(all.Entries))
	}
	newest := all.Entries[0]
	entries[4].ID = ids[4]
	if newest != entries[4] {
		t.Errorf("newest = %+v\nwant %+v", newest, entries[4])
	}
	entries[2].ID = ids[2]
	if got := all.Entries[2]; got != entries[2] {
		t.Errorf("a line with a run and a reason code = %+v\nwant %+v", got, entries[2])
	}

	tests := []struct {
		name string
		q    store.LogQuery
		want []string // invoice ids, newest first
	}{
		{"direction", store.LogQuery{Direction: store.ShipStationToXero}, []string{"i1"}},
		{"outcome", store.LogQuery{Outcome: store.OutcomeSuccess}, []string{"i1", "i1"}},
		{"direction and outcome", store.LogQuery{Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess}, []string{"i1"}},
		{"invoice number", store.LogQuery{InvoiceNumber: "INV-003"}, []string{"i3"}},
		{"run", store.LogQuery{RunID: 8}, []string{"i4", "i3"}},
		{"run and outcome", store.LogQuery{RunID: 8, Outcome: store.OutcomeSkipped}, []string{"i3"}},
		{"search message, any case", store.LogQuery{Search: "TRACKING"}, []string{"i1", "i2"}},
		{"search invoice number", store.LogQuery{Search: "inv-00"}, []string{"i4", "i1", "i3", "i2", "i1"}},
		{"search treats % literally", store.LogQuery{Search: "100%"}, []string{"i4"}},
		{"search treats _ literally", store.LogQuery{Search: "h_"}, []string{"i4"}},
		{"no match", store.LogQuery{Search: "zzz"}, nil},
	}
	for _, tc := range tests {
		page, err := b.st.ListLog(b.ctx, a.ID, tc.q)
		must(t, "ListLog", err)
		var got []string
		for _, e := range page.Entries {
			got = append(got, e.InvoiceID)
		}
		if !slices.Equal(got, tc.want) || page.Total != len(tc.want) {
			t.Errorf("%s: got %v (total %d), want %v", tc.name, got, page.Total, tc.want)
		}
	}
	if _, err := b.st.AppendLog(b.ctx, store.LogEntry{AccountID: a.ID, Direction: "sideways", Outcome: store.OutcomeSuccess}); err == nil {
		t.Error("AppendLog with an unknown direction succeeded")
	}
}

func testLogPaging(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	var entries []store.LogEntry
	for i := range 23 {
		entries = append(entries, store.LogEntry{AccountID: a.ID, At: ts(time.Duration(i) * time.Minute),
			Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, Message: fmt.Sprintf("line %02d", i)})
	}
	// Two lines at the same instant still page in a stable order (by id).
	entries = append(entries, store.LogEntry{AccountID: a.ID, At: ts(22 * time.Minute),
		Direction: store.XeroToShipStation, Outcome: store.OutcomeSuccess, Message: "line 22b"})
	_, err := b.st.AppendLog(b.ctx, entries...)
	must(t, "AppendLog", err)
	var seen []string
	for page := 1; page <= 3; page++ {
		p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{Page: page, PageSize: 10})
		must(t, "ListLog", err)
		if p.Total != 24 || p.Page != page || p.PageSize != 10 {
			t.Errorf("page %d: total %d page %d size %d", page, p.Total, p.Page, p.PageSize)
		}
		for _, e := range p.Entries {
			seen = append(seen, e.Message)
		}
	}
	if len(seen) != 24 || seen[0] != "line 22b" || seen[1] != "line 22" || seen[23] != "line 00" {
		t.Errorf("paged through %d lines: %v", len(seen), seen)
	}
	p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{Page: 4, PageSize: 10})
	must(t, "ListLog", err)
	if len(p.Entries) != 0 || p.Total != 24 {
		t.Errorf("page past the end: %d entries, total %d", len(p.Entries), p.Total)
	}
}

func testLogPurgeAndCounts(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	day := func(d int, h int) time.Time { return time.Date(2026, 3, d, h, 30, 0, 0, time.UTC) }
	var entries []store.LogEntry
	add := func(at time.Time, o store.Outcome, n int, more ...func(*store.LogEntry)) {
		for range n {
			e := store.LogEntry{AccountID: a.ID, At: at, Direction: store.XeroToShipStation, Outcome: o}
			for _, f := range more {
				f(&e)
			}
			entries = append(entries, e)
		}
	}
	writeBack := func(e *store.LogEntry) { e.Direction = store.ShipStationToXero }
	alert := func(e *store.LogEntry) { e.ReasonCode = "voided_after_ship" }
	add(day(1, 10), store.OutcomeSuccess, 2)
	add(day(2, 0), store.OutcomeSuccess, 3)
	add(day(2, 23), store.OutcomeFailed, 1)
	add(day(2, 12), store.OutcomeSkipped, 4)
	add(day(4, 8), store.OutcomeWarning, 1)
	add(day(4, 9), store.OutcomeWarning, 1, alert)
	add(day(4, 10), store.OutcomeSuccess, 1, writeBack)
	add(day(4, 11), store.OutcomeFailed, 1, writeBack)
	_, err := b.st.AppendLog(b.ctx, entries...)
	must(t, "AppendLog", err)

	counts, err := b.st.LogCountsPerDay(b.ctx, a.ID, day(2, 0).Truncate(24*time.Hour))
	must(t, "LogCountsPerDay", err)
	want := []store.DayCount{
		{Day: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Success: 3, Skipped: 4, Failed: 1, Sent: 3, SendFailed: 1},
		// An order sent with warnings is sent; an alert and a write-back are not.
		{Day: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Success: 1, Warning: 2, Failed: 1, Sent: 1},
	}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("LogCountsPerDay = %+v\nwant %+v", counts, want)
	}

	n, err := b.st.PurgeLog(b.ctx, a.ID, day(2, 12))
	must(t, "PurgeLog", err)
	if n != 5 {
		t.Errorf("PurgeLog removed %d, want 5 (day 1 and day 2 before noon)", n)
	}
	p, err := b.st.ListLog(b.ctx, a.ID, store.LogQuery{})
	must(t, "ListLog", err)
	if p.Total != 9 {
		t.Errorf("after purge: %d lines, want 9", p.Total)
	}
}

func testCursors(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	_, ok, err := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices)
	must(t, "Cursor", err)
	if ok {
		t.Error("cursor set before any run")
	}
	advance := func(v time.Time) {
		t.Helper()
		must(t, "AdvanceCursor", b.st.WithTx(b.ctx, func(tx *store.Tx) error {
			return tx.AdvanceCursor(b.ctx, a.ID, store.CursorXeroInvoices, v)
		}))
	}
	check := func(want time.Time) {
		t.Helper()
		got, ok, err := b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices)
		must(t, "Cursor", err)
		if !ok || !got.Equal(want) {
			t.Errorf("cursor = %v (set %v), want %v", got, ok, want)
		}
	}
	advance(ts(time.Hour))
	check(ts(time.Hour))
	advance(ts(2 * time.Hour))
	check(ts(2 * time.Hour))
	advance(ts(90 * time.Minute)) // a late run never moves it back
	check(ts(2 * time.Hour))
	// Other cursors are independent.
	_, ok, err = b.st.Cursor(b.ctx, a.ID, store.CursorShipStationShipments)
	must(t, "Cursor", err)
	if ok {
		t.Error("shipments cursor set by the invoices cursor")
	}
	// A backfill moves it back on purpose; zero removes it.
	must(t, "ResetCursor", b.st.ResetCursor(b.ctx, a.ID, store.CursorXeroInvoices, ts(0)))
	check(ts(0))
	must(t, "ResetCursor(zero)", b.st.ResetCursor(b.ctx, a.ID, store.CursorXeroInvoices, time.Time{}))
	_, ok, err = b.st.Cursor(b.ctx, a.ID, store.CursorXeroInvoices)
	must(t, "Cursor", err)
	if ok {
		t.Error("cursor still set after ResetCursor(zero)")
	}
}

func testWrittenShipments(t *testing.T, open Opener) {
	b := setup(t, open)
	a := b.account(t, "Acme")
	w := store.WrittenShipment{AccountID: a.ID, ShipmentID: "123456", Kind: store.WriteBackNote, InvoiceID: "inv-1", WrittenAt: ts(0)}
	done, err := b.st.ShipmentWritten(b.ctx, a.ID, "123456", store.WriteBackNote)
	must(t, "ShipmentWritten", err)
	if done {
		t.Error("written before marking")
	}
	isNew, err := b.st.MarkShipmentWritten(b.ctx, w)
	must(t, "MarkShipmentWritten", err)
	if !isNew {
		t.Error("first MarkShipmentWritten reported not new")
	}
	isNew, err = b.st.MarkShipmentWritten(b.ctx, w)
	must(t, "MarkShipmentWritten again", err)
	if isNew {
		t.Error("second MarkShipmentWritten reported new: a retry would write twice")
	}
	line := w
	line.Kind, line.WrittenAt = store.WriteBackLine, ts(time.Second)
	isNew, err = b.st.MarkShipmentWritten(b.ctx, line)
	must(t, "MarkShipmentWritten(line)", err)
	if !isNew {
		t.Error("the line write-back is independent of the note")
	}
	done, err = b.st.ShipmentWritten(b.ctx, a.ID, "123456", store.WriteBackNote)
	must(t, "ShipmentWritten", err)
	if !done {
		t.Error("not written after marking")
	}
	list, err := b.st.WrittenShipments(b.ctx, a.ID, "inv-1")
	must(t, "WrittenShipments", err)
	if !reflect.DeepEqual(list, []store.WrittenShipment{w, line}) {
		t.Errorf("WrittenShipments = %+v", list)
	}
	if _, err := b.st.MarkShipmentWritten(b.ctx, store.WrittenShipment{AccountID: a.ID, ShipmentID: "1", Kind: "fax"}); err == nil {
		t.Error("MarkShipmentWritten(unknown kind) succeeded")
	}
}
