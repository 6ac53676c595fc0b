-- Passkeys (WebAuthn discoverable credentials). An account's WebAuthn user handle is random
-- (16 bytes, never derived from the address) and made with its first passkey.
ALTER TABLE users ADD COLUMN passkey_handle BLOB;
CREATE UNIQUE INDEX users_by_passkey_handle ON users (passkey_handle);

-- `passkey` is webauthn-rs's record of the credential as JSON (public key, sign counter,
-- backup flags), rewritten after each use; `credential_id` is unique across all accounts.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id BLOB NOT NULL UNIQUE,
    passkey       TEXT NOT NULL,
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    backed_up     INTEGER NOT NULL
) STRICT;
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A WebAuthn ceremony between its options and its finish: single-use, five minutes. Stored
-- by a hash of the id the browser holds. `holder` is what caps how many one party may keep
-- open (the account for a registration, the client address for a sign-in); a new one past
-- the cap replaces that holder's oldest, so nobody can fill the table for everybody.
CREATE TABLE passkey_ceremonies (
    id_hash    BLOB PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL,
    holder     TEXT NOT NULL,
    user_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_ceremonies_by_holder ON passkey_ceremonies (holder, created_at);
CREATE INDEX passkey_ceremonies_by_expiry ON passkey_ceremonies (expires_at);
