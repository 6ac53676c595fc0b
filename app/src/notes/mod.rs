//! The worked example of building on Latch: a signed-in user's own notes, on a page of their
//! own and through an API of the product's own (`server/src/notes`). It uses only what a
//! product may: `contract::{FromJson, ToJson}` and the client API of `auth`. Deleting it is
//! this folder, `server/src/notes`, and one line in each crate's list of the product's parts.

mod contract;
mod elsewhere;
mod page;

pub use contract::{NOTE_MAX_CHARS, NOTES_PER_ACCOUNT, NewNote, Note};
pub use page::NotesPage;
