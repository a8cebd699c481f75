//! `centres.csv`: one row per vaccination centre.

use std::collections::HashMap;

use serde::Deserialize;

use super::csv_rows::read_rows;
use super::error::Problems;
use crate::centre::{Centre, CentreId, ClosedWeekdays, Location, Postcode, State};

/// The columns operators fill in; see `data/README.md`.
#[derive(Debug, Deserialize)]
struct CentreRow {
    id: String,
    state: String,
    district: String,
    name: String,
    address: String,
    daily_capacity: String,
    closed_weekdays: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
}

/// The most one centre can take in a day; more is a typo (an extra zero).
const MAX_DAILY_CAPACITY: u32 = 100_000;

/// The header of `centres.csv`.
pub(crate) const COLUMNS: &[&str] =
    &["id", "state", "district", "name", "address", "daily_capacity", "closed_weekdays"];

/// Columns a file may add after [`COLUMNS`]; a row may leave them empty.
pub(crate) const OPTIONAL_COLUMNS: &[&str] = &["postcode", "latitude", "longitude"];

/// Reads every row, reporting each bad one; returns the good centres with their lines.
pub(crate) fn parse(text: &str, problems: &mut Problems<'_>) -> Vec<(u64, Centre)> {
    let mut centres = Vec::new();
    let mut first_line_of: HashMap<CentreId, u64> = HashMap::new();
    // Names as people read them (case and spacing aside), per district.
    let mut named: HashMap<(String, String, String), (u64, String)> = HashMap::new();
    for (line_no, row) in read_rows::<CentreRow>(text, COLUMNS, OPTIONAL_COLUMNS, problems) {
        let line = Some(line_no);
        let mut field_error = |field: &str, message: String| problems.at(line, Some(field), message);

        let id = CentreId::parse(&row.id);
        if id.is_none() {
            field_error("id", format!("{:?} is not a centre id: use 2-16 of A-Z, 0-9 and '-', like SGR-0012", row.id));
        }
        let state = row.state.parse::<State>().map_err(|e| field_error("state", e.to_string())).ok();
        for (field, value) in [("district", &row.district), ("name", &row.name), ("address", &row.address)] {
            if value.is_empty() {
                field_error(field, "must not be empty".into());
            }
        }
        let capacity = match row.daily_capacity.parse::<i64>() {
            Ok(n) if n <= 0 => {
                field_error("daily_capacity", format!("is {n}: a centre must take at least 1 person a day"));
                None
            }
            Ok(n) if n > i64::from(MAX_DAILY_CAPACITY) => {
                field_error("daily_capacity", format!("is {n}: more than {MAX_DAILY_CAPACITY} a day is surely a typo"));
                None
            }
            Ok(n) => u32::try_from(n).ok(),
            Err(_) => {
                field_error("daily_capacity", format!("{:?} is not a whole number", row.daily_capacity));
                None
            }
        };
        let closed = ClosedWeekdays::parse(&row.closed_weekdays).map_err(|e| field_error("closed_weekdays", e)).ok();
        let postcode = match row.postcode.as_str() {
            "" => Ok(None),
            text => Postcode::parse(text).map(Some).map_err(|e| field_error("postcode", e)),
        };
        let location = match (row.latitude.as_str(), row.longitude.as_str()) {
            ("", "") => Ok(None),
            ("", _) => Err(vec![("latitude", "is empty but longitude is given: give both or neither".to_owned())]),
            (_, "") => Err(vec![("longitude", "is empty but latitude is given: give both or neither".to_owned())]),
            (lat, lon) => Location::parse(lat, lon).map(Some),
        }
        .map_err(|errors| {
            for (field, message) in errors {
                field_error(field, message);
            }
        });
        if closed.is_some_and(ClosedWeekdays::is_every_day) {
            field_error("closed_weekdays", "closes the centre on every day of the week".into());
            continue;
        }
        if let Some(id) = &id
            && let Some(first) = first_line_of.get(id)
        {
            field_error("id", format!("{id} is used twice: first on line {first}"));
            continue;
        }
        if let Some(state) = state
            && !row.name.is_empty()
        {
            let key = (state.name().to_owned(), spoken(&row.district), spoken(&row.name));
            if let Some((first, other)) = named.get(&key) {
                field_error(
                    "name",
                    format!(
                        "{:?} is already the name of {other} on line {first}, in the same district: people could not tell the two apart in their SMS; add the street or area to one of them",
                        row.name
                    ),
                );
                continue;
            }
            named.insert(key, (line_no, row.id.clone()));
        }
        if let (Some(id), Some(state), Some(daily_capacity), Some(closed_weekdays), Ok(postcode), Ok(location)) =
            (id, state, capacity, closed, postcode, location)
        {
            first_line_of.insert(id.clone(), line_no);
            centres.push((
                line_no,
                Centre {
                    id,
                    state,
                    district: row.district,
                    name: row.name,
                    address: row.address,
                    daily_capacity,
                    closed_weekdays,
                    postcode,
                    location,
                },
            ));
        }
    }
    if centres.is_empty() && problems.found.is_empty() {
        problems.whole_file("lists no centres");
    }
    centres
}

/// A name as people read it: case and runs of spaces do not tell centres apart.
fn spoken(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}
