-- When the person behind a session last proved themselves (a sign-in, or a re-authentication
-- on that session), Unix ms: the sensitive actions need it within the last five minutes, and
-- access tokens carry it as `auth_time`. Sessions from before this column count from the
-- sign-in that opened them.
ALTER TABLE sessions ADD COLUMN auth_time BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET auth_time = created_at;
