//! The columns of the staff lists, one list for the CSV files and the
//! printed workbooks alike, so the two can never disagree.

/// Columns of a centre's day list.
pub const DAY_LIST_COLUMNS: [&str; 12] = [
    "date",
    "time_window",
    "reference",
    "full_name",
    "id_type",
    "id_number",
    "birth_date",
    "age",
    "phone",
    "choice_met",
    // The round that gave the appointment: 1 for the first run.
    "round",
    "attended",
];

/// Columns of a centre's waiting list.
pub const WAITLIST_COLUMNS: [&str; 8] =
    ["position", "reference", "full_name", "id_type", "id_number", "birth_date", "age", "phone"];

/// The fingerprint of a day list's appointments: SHA-256 over its
/// `date reference` pairs, sorted (so a list sorted in a spreadsheet still
/// matches). The manifest keeps it for each day list, and `allocator
/// attendance` recomputes it from the file a centre returns: the people on
/// the list must be the ones exported, whatever the attended column says.
pub fn list_digest<'a>(rows: impl IntoIterator<Item = (time::Date, &'a str)>) -> String {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<String> = rows
        .into_iter()
        .map(|(date, reference)| format!("{} {reference}\n", campaign::dates::format_date(date)))
        .collect();
    lines.sort_unstable();
    let mut digest = Sha256::new();
    for line in &lines {
        digest.update(line.as_bytes());
    }
    hex::encode(digest.finalize())
}
