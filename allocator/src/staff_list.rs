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
