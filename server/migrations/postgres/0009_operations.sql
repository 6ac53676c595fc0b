-- An operator may disable an account (`latch users disable`): it cannot sign in or refresh
-- until enabled again. Unix ms; NULL while enabled.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
