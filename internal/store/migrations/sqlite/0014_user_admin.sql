-- Operators' marks on users (the `orderbridge users` commands):
-- is_admin marks an installation's administrator (what it grants today:
-- doc/operations.md "Accounts, users and keys"); disabled_at, when set,
-- refuses the user's sign-in and sessions without deleting their account.
ALTER TABLE app_user ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_user ADD COLUMN disabled_at TEXT;
