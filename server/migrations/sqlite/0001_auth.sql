-- Latch's schema. Both backends share one set of SQL statements, so the columns use types both
-- understand the same way: ids are UUID strings, times are Unix milliseconds (UTC).

-- Accounts. `email` is stored normalised (trimmed, lower-cased): uniqueness is case-insensitive.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

-- One row per sign-in (per device). A session ends when revoked or past either lifetime.
CREATE TABLE sessions (
    id             TEXT PRIMARY KEY NOT NULL,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NOT NULL,
    -- the absolute limit; the idle limit is last_used_at + the configured idle time
    expires_at     INTEGER NOT NULL,
    user_agent     TEXT NOT NULL,
    ip             TEXT NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Every refresh token a session was ever given, by keyed hash (HMAC with a key that is not in
-- the database), so a retired token presented again is recognised as theft. Generation n+1
-- is the successor of generation n; the unique pair makes a second successor impossible.
CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    generation INTEGER NOT NULL,
    issued_at  INTEGER NOT NULL,
    retired_at INTEGER,
    UNIQUE (session_id, generation)
) STRICT;

-- Access-token signing keys (Ed25519). The private half is sealed with a key derived from the
-- server secret, so a copy of the database cannot mint tokens. The newest generation signs;
-- all listed keys verify and are published as JWKS.
CREATE TABLE signing_keys (
    kid                TEXT PRIMARY KEY NOT NULL,
    generation         INTEGER NOT NULL UNIQUE,
    public_key         BLOB NOT NULL,
    sealed_private_key BLOB NOT NULL,
    created_at         INTEGER NOT NULL
) STRICT;

-- What happened to an account, for the user to see: sign-ins, reuse detected, revocations.
CREATE TABLE security_events (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    ip         TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    session_id TEXT
) STRICT;
CREATE INDEX security_events_by_user ON security_events (user_id, at);
