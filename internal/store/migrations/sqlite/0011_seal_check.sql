-- The sealed check value: one value sealed with the secret key when the
-- database first meets a key, so that a process started with another key
-- (a missing ORDERBRIDGE_SECRET_KEY, a typo, a key file generated anew)
-- is refused at start instead of running on secrets it cannot open.
-- ResealSecrets re-seals it with the rest after a rotation.
CREATE TABLE seal_check (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL
);
