-- Account recovery. An address is confirmed once a link mailed to it is opened; accounts that
-- existed before confirmation was asked for count as confirmed from their creation.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at;

-- Single-use links mailed to an address: confirm a sign-up, reset the password, confirm a
-- new address, undo a change of address. The token is stored only as a keyed hash (HMAC with
-- a key outside the database), so a copy of this table cannot be used to open the links.
-- `email` is where the link was sent; a change or undo makes it the account's address in
-- place of `replaces`. A sign-up's link carries the password typed with it, applied only when
-- the link is opened. A newer link of the same purpose supersedes older ones (not for undo
-- links: a second change must not cancel the first one's undo).
CREATE TABLE email_links (
    token_hash BLOB PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    replaces   TEXT,
    password_hash TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX email_links_by_user ON email_links (user_id, purpose);
CREATE INDEX email_links_by_expiry ON email_links (expires_at);
