-- Runs and reason codes: each transaction-log line records the run (the
-- River job id) that wrote it, so a run's page lists its own lines; a log
-- line and an invoice link keep the mapper's reason as a stable code next
-- to the sentence, so the dashboard counts and lists by code, never by
-- matching words. Lines and links written before have run 0 and no code.

ALTER TABLE transaction_log ADD COLUMN run_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE transaction_log ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
CREATE INDEX transaction_log_run ON transaction_log (account_id, run_id) WHERE run_id <> 0;

ALTER TABLE invoice_link ADD COLUMN reason_code TEXT NOT NULL DEFAULT '';
CREATE INDEX invoice_link_reason_code ON invoice_link (account_id, reason_code) WHERE reason_code <> '';
