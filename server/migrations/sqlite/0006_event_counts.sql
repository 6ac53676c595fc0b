-- Repeats of an attempt an outsider can make again and again (a copied refresh cookie sent
-- without its device key) are one row that counts them, so they cannot push the rest of an
-- account's history off its security page. `coalesce_key` is a hash of what makes two
-- attempts the same (kind, account, session, address, user agent), never the raw text; it is
-- NULL for the kinds that never coalesce, and NULLs never conflict in a UNIQUE index.
ALTER TABLE security_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE security_events ADD COLUMN coalesce_key TEXT;
CREATE UNIQUE INDEX security_events_coalesced ON security_events (coalesce_key);
