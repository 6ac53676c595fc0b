-- The worked example of building on Latch (server/src/notes, app/src/notes): each account's
-- own notes, gone with the account. Removing the example leaves this table: drop it in a
-- migration of your own.
CREATE TABLE notes (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_user ON notes (user_id, created_at);
