-- A reuse event names both parties: the one presenting the retired refresh token (ip,
-- user_agent) and the one that had last refreshed the session. One of the two is the thief.
ALTER TABLE security_events ADD COLUMN last_refreshed_ip TEXT;
ALTER TABLE security_events ADD COLUMN last_refreshed_user_agent TEXT;

-- The upkeep job deletes events past their retention by time alone.
CREATE INDEX security_events_by_time ON security_events (at);
