//! How the admin commands answer: aligned columns for people, one JSON document for scripts.

use serde::Serialize;

/// Prints `rows` as a table (the header, then a line per row) or as a JSON array.
pub fn table<T: Serialize>(json: bool, header: &[&str], rows: &[T], cells: impl Fn(&T) -> Vec<String>) {
    if json {
        println!("{}", serde_json::to_string_pretty(rows).unwrap_or_default());
        return;
    }
    if rows.is_empty() {
        println!("(none)");
        return;
    }
    let lines: Vec<Vec<String>> = std::iter::once(header.iter().map(|h| h.to_string()).collect())
        .chain(rows.iter().map(&cells))
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            lines
                .iter()
                .map(|line| line.get(i).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in lines {
        let padded: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    }
}

/// Prints one record as `name: value` lines, or as a JSON object.
pub fn record<T: Serialize>(json: bool, value: &T, fields: &[(&str, String)]) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        return;
    }
    let width = fields.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, value) in fields {
        println!("{:<width$}  {value}", format!("{name}:"), width = width + 1);
    }
}

/// Says what a command did: a sentence, or `{"done": …}` plus details.
pub fn done(json: bool, sentence: &str, details: serde_json::Value) {
    if json {
        let mut object = serde_json::json!({ "done": sentence });
        if let (Some(object), Some(details)) = (object.as_object_mut(), details.as_object()) {
            object.extend(details.clone());
        }
        println!("{object}");
    } else {
        println!("{sentence}");
    }
}
