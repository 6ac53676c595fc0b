-- A device-bound session (DPoP, RFC 9449) records the RFC 7638 thumbprint of its browser's
-- key; every refresh, sign-out and API call must then prove possession of that key.
ALTER TABLE sessions ADD COLUMN dpop_jkt TEXT;

-- DPoP proofs already used, by a hash of key and jti, until the proof could no longer be
-- accepted anyway. Only instances sharing PostgreSQL read it; a single SQLite instance keeps
-- them in memory.
CREATE TABLE dpop_proofs (
    id BLOB PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dpop_proofs_by_expiry ON dpop_proofs (expires_at);
