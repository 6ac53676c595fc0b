//! The notes API's wire types, for the server (serde, OpenAPI) and the browser (`FromJson`,
//! `ToJson`, read and written by hand like Latch's own).

use serde::{Deserialize, Serialize};

use crate::contract::{FromJson, Json, ToJson, text};

/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 1000;
/// Notes one account may keep.
pub const NOTES_PER_ACCOUNT: usize = 500;

/// A note as `GET /api/notes` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: String,
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
}

/// `{text}` for `POST /api/notes`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewNote {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 1000))]
    pub text: Option<String>,
}

impl FromJson for Note {
    fn from_json<J: Json>(json: &J) -> Option<Self> {
        Some(Note {
            id: text(json, "id")?,
            text: text(json, "text")?,
            created_at: text(json, "created_at")?,
        })
    }
}

impl ToJson for NewNote {
    fn members(&self) -> Vec<(&'static str, Option<&str>)> {
        vec![("text", self.text.as_deref())]
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_note_reads_as_serde_writes_it() {
        let note = Note {
            id: "7".into(),
            text: "buy milk".into(),
            created_at: "2026-12-07T10:00:00Z".into(),
        };
        assert_eq!(Note::from_json(&serde_json::to_value(&note).unwrap()), Some(note));
        assert_eq!(Note::from_json(&json!({"id": "7"})), None, "a missing member");
    }
}
