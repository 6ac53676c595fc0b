-- Who last used each session: set at sign-in and at every rotation. A retired refresh token
-- replayed within the grace window from another browser is theft, not a retry; and the
-- security page can name the party that last refreshed.
ALTER TABLE sessions ADD COLUMN last_user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_ip TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_user_agent = user_agent, last_ip = ip;
