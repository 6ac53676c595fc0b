-- Accounts. `email` is stored normalised (trimmed, lower-cased) so uniqueness is case-insensitive.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
