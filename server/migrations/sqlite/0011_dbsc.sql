-- Device Bound Session Credentials: the public key a browser registered for the session (a
-- canonical JWK, ES256 or RS256), until when its refresh cookie works (Unix ms) before a
-- renewal signed by that key must extend it, and when the challenge of the last renewal was
-- issued (Unix s): only a later one is accepted, so a signed renewal cannot be replayed.
ALTER TABLE sessions ADD COLUMN dbsc_key TEXT;
ALTER TABLE sessions ADD COLUMN dbsc_until INTEGER;
ALTER TABLE sessions ADD COLUMN dbsc_challenge_at INTEGER;
