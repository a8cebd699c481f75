//! Reading a CSV data file into typed rows, each with its line number.

use serde::de::DeserializeOwned;

use super::error::Problems;

/// Deserialises every row of `text` whose header is exactly `columns`,
/// then any of the `optional` columns (each at most once, in any order).
///
/// A wrong header is reported once (not once per row); a bad row is
/// reported with its line and skipped, so the rest is still checked.
pub(crate) fn read_rows<T: DeserializeOwned>(
    text: &str,
    columns: &[&str],
    optional: &[&str],
    problems: &mut Problems<'_>,
) -> Vec<(u64, T)> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.at(Some(1), None, message(&e));
            return Vec::new();
        }
    };
    let found: Vec<&str> = headers.iter().collect();
    let (required, extra) = found.split_at(found.len().min(columns.len()));
    let extra_ok = extra.iter().enumerate().all(|(i, c)| optional.contains(c) && !extra[..i].contains(c));
    if required != columns || !extra_ok {
        let also = if optional.is_empty() {
            String::new()
        } else {
            format!(", optionally followed by any of `{}`", optional.join(","))
        };
        problems.at(
            Some(1),
            None,
            format!("the header must be `{}`{also} (found `{}`)", columns.join(","), found.join(",")),
        );
        return Vec::new();
    }
    let mut rows = Vec::new();
    for result in reader.records() {
        let parsed = result.and_then(|record| {
            let line = record.position().map_or(0, csv::Position::line);
            record.deserialize::<T>(Some(&headers)).map(|row| (line, row))
        });
        match parsed {
            Ok(row) => rows.push(row),
            Err(e) => problems.at(e.position().map(csv::Position::line), None, message(&e)),
        }
    }
    rows
}

/// A csv error without the crate's own position prefix (we print the line).
fn message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("column {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("has {len} columns where the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8: save the file as UTF-8".into(),
        _ => e.to_string(),
    }
}
