-- The invoices page: one row per invoice with what the merchant recognises
-- it by (customer, date, total, where it ships, its tracking numbers), and
-- whether its shipment was written back to Xero. The export keeps the
-- invoice's columns each time it decides the invoice; the write-back keeps
-- tracking and written_back. Links written before have them empty until
-- the export next looks at the invoice (a re-sync, or a change in Xero).
-- total_cents is the invoice's Total in hundredths of its currency.
ALTER TABLE invoice_link ADD COLUMN customer TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_link ADD COLUMN invoice_date TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_link ADD COLUMN currency TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_link ADD COLUMN total_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoice_link ADD COLUMN ship_city TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_link ADD COLUMN ship_country TEXT NOT NULL DEFAULT '';
-- space-separated tracking numbers of the invoice's live labels
ALTER TABLE invoice_link ADD COLUMN tracking TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_link ADD COLUMN written_back INTEGER NOT NULL DEFAULT 0;
-- What the page's search matches: the number, customer and tracking
-- numbers, lower-cased, one to a line (the store keeps it with them), so
-- a search tests one column for a substring instead of three for a pattern.
ALTER TABLE invoice_link ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE invoice_link SET search_text = lower(invoice_number) || E'\n' || E'\n';
-- Keyset pagination in each sort order: the page reads its rows straight
-- from one of these and stops at the page's end.
-- The date index, the page's default order, also holds the columns of an
-- invoice's state: the counts per state and a state filter read the index
-- alone, never the wider rows.
CREATE INDEX invoice_link_list_date ON invoice_link (account_id, invoice_date, invoice_id,
    decision, order_status, written_back, order_id, reason_code);
-- The state's columns alone: counting an account's invoices per state
-- (the page's counts, the dashboard's) reads this narrow index.
CREATE INDEX invoice_link_state ON invoice_link (account_id, decision, order_status, written_back, order_id, reason_code);
CREATE INDEX invoice_link_list_number ON invoice_link (account_id, invoice_number, invoice_id);
CREATE INDEX invoice_link_list_customer ON invoice_link (account_id, lower(customer), invoice_id);
CREATE INDEX invoice_link_list_total ON invoice_link (account_id, total_cents, invoice_id);
-- (SQLite's 0016 adds invoice_link_search here, for its searches;
-- PostgreSQL's planner scans the table for a search instead.)
