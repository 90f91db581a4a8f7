-- The write-back has one name everywhere: its River job kind was
-- import_shipments, its work requests import_shipments and import_windows,
-- and its sweep's cursor import_sweep_enqueued. Jobs queued (or snoozed,
-- or waiting for a retry) under the old kind would find no worker, so they
-- are renamed too. River's tables exist by now: Migrate applies River's
-- migrations before these.
UPDATE river_job SET kind = 'write_back' WHERE kind = 'import_shipments';
UPDATE work_demand SET kind = 'write_back' WHERE kind = 'import_shipments';
UPDATE work_demand SET kind = 'write_back_windows' WHERE kind = 'import_windows';
UPDATE sync_cursor SET name = 'write_back_sweep_enqueued' WHERE name = 'import_sweep_enqueued';
