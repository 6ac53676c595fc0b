-- An operator may disable an account (`latch users disable`): it cannot sign in or refresh
-- until enabled again. Unix ms; NULL while enabled.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- What PostgreSQL's NOTIFY does for several instances, for the processes sharing one SQLite
-- file (a server and the admin commands): a session ended, an account changed. Written in
-- the changing transaction; each server follows the rows past the newest it has seen, and
-- forgets them once no access token they concern can still be live. AUTOINCREMENT: an id is
-- never reused, so a follower's place stays meaningful after old rows go.
CREATE TABLE instance_notices (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT    NOT NULL,
    payload TEXT    NOT NULL,
    at      INTEGER NOT NULL
);
