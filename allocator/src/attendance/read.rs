//! Reads a returned day list, CSV or workbook, into rows: each row's day,
//! reference and attendance, or a problem naming its line and field.
//!
//! Only the `date`, `reference` and `attended` columns are read; the others
//! are there for the staff at the door. A workbook's day is its sheet's;
//! its waiting list and changes sheets are skipped.
//! A workbook cell holding a formula is refused, whatever it shows: the
//! value a spreadsheet last computed for it is never taken as an answer.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};
use campaign::{Lang, Messages};
use time::Date;

use super::cell::{parse_attended, parse_day, parse_reference};
use super::problem::{Place, Problems};
use crate::staff_list::DAY_LIST_COLUMNS;

/// One appointment row as the centre returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedRow {
    /// Where it is in the file.
    pub place: Place,
    /// Its day.
    pub date: Date,
    /// Its reference.
    pub reference: String,
    /// What the centre wrote: `None` is unknown.
    pub attended: Option<bool>,
}

const DATE: &str = "date";
const REFERENCE: &str = "reference";
const ATTENDED: &str = "attended";

/// Reads an exported CSV day list (with or without its byte-order mark).
pub fn read_csv(bytes: &[u8], problems: &mut Problems) -> Vec<ReturnedRow> {
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(error)) => {
            problems.add(&Place::Line(1), None, format!("not a CSV file: {error}"));
            return Vec::new();
        }
        None => {
            problems.add(&Place::File, None, "the file is empty");
            return Vec::new();
        }
    };
    let position = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(date), Some(reference), Some(attended)) = (position(DATE), position(REFERENCE), position(ATTENDED))
    else {
        problems.add(
            &Place::Line(1),
            None,
            format!("the header must name the columns {DATE}, {REFERENCE} and {ATTENDED}, as exported"),
        );
        return Vec::new();
    };
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = line_at(body, error.position());
                problems.add(&Place::Line(line), None, format!("unreadable: {error}"));
                continue;
            }
        };
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let place = Place::Line(line_at(body, record.position()));
        let cell = |i: usize| record.get(i).unwrap_or_default();
        let day = parse_day(cell(date)).map_err(|e| problems.add(&place, Some(DATE), e)).ok();
        if let Some(row) = row(place, day, cell(reference), cell(attended), problems) {
            rows.push(row);
        }
    }
    rows
}

/// The 1-based line a record starts on. The csv crate's own line count
/// places a record after a CRLF one line early (it starts counting at the
/// `\n`), and the exported files end lines with CRLF.
fn line_at(body: &[u8], position: Option<&csv::Position>) -> u64 {
    let Some(position) = position else { return 0 };
    let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX).min(body.len());
    while body.get(start).is_some_and(|b| *b == b'\r' || *b == b'\n') {
        start += 1;
    }
    1 + body[..start].iter().filter(|b| **b == b'\n').count() as u64
}

/// Parses one row's reference and attendance; `None` (with the problems
/// noted) when a cell is unreadable.
fn row(
    place: Place,
    date: Option<Date>,
    reference: &str,
    attended: &str,
    problems: &mut Problems,
) -> Option<ReturnedRow> {
    let reference = parse_reference(reference).map_err(|e| problems.add(&place, Some(REFERENCE), e)).ok();
    let attended = parse_attended(attended).map_err(|e| problems.add(&place, Some(ATTENDED), e)).ok();
    Some(ReturnedRow { date: date?, reference: reference?, attended: attended?, place })
}

/// Reads an exported workbook: a sheet per day, named for the day in
/// either language, and the waiting list, which is skipped.
pub fn read_xlsx(bytes: &[u8], days: impl Iterator<Item = Date>, problems: &mut Problems) -> Vec<ReturnedRow> {
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(error) => {
            problems.add(&Place::File, None, format!("not a readable workbook: {error}"));
            return Vec::new();
        }
    };
    let langs = [Lang::En, Lang::Ms];
    let sheet_days: HashMap<String, Date> = days
        .flat_map(|day| langs.map(|lang| (crate::workbook::sheet_name(&Messages::of(lang).date(day)), day)))
        .collect();
    // The sheets that are not days: the waiting list, and the changes since the last list.
    let other_sheets: Vec<String> = langs
        .iter()
        .flat_map(|lang| ["staff.waitlist", "staff.changes"].map(|key| Messages::of(*lang).text(key).to_owned()))
        .collect();
    let mut rows = Vec::new();
    for sheet in workbook.sheet_names() {
        if other_sheets.contains(&sheet) {
            continue;
        }
        let at_top = Place::Cell { sheet: sheet.clone(), row: 1 };
        let Some(&day) = sheet_days.get(&sheet) else {
            problems.add(&at_top, None, "the sheet is not named for a day of the campaign, as exported");
            continue;
        };
        let (values, formulas) = match (workbook.worksheet_range(&sheet), workbook.worksheet_formula(&sheet)) {
            (Ok(values), Ok(formulas)) => (values, formulas),
            (Err(error), _) | (_, Err(error)) => {
                problems.add(&at_top, None, format!("unreadable: {error}"));
                continue;
            }
        };
        rows.extend(read_day_sheet(&sheet, day, &values, &formulas, problems));
    }
    rows
}

/// A day sheet: the title on row 1, the headings on row 2, then one row per appointment.
fn read_day_sheet(
    sheet: &str,
    day: Date,
    values: &Range<Data>,
    formulas: &Range<String>,
    problems: &mut Problems,
) -> Vec<ReturnedRow> {
    let place = |row: u32| Place::Cell { sheet: sheet.to_owned(), row: row + 1 };
    let text = |row: u32, col: u32| match values.get_value((row, col)) {
        None | Some(Data::Empty) => Ok(String::new()),
        Some(Data::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{other:?} is not text: type the value as text")),
    };
    let width = values.end().map_or(0, |(_, col)| col + 1);
    let heading_of = heading_keys();
    let column = |key: &str| {
        (0..width).find(|&col| text(1, col).is_ok_and(|h| heading_of.get(h.trim()).is_some_and(|k| *k == key)))
    };
    let (Some(reference), Some(attended)) = (column(REFERENCE), column(ATTENDED)) else {
        problems.add(&place(1), None, "the headings must name the reference and attended columns, as exported");
        return Vec::new();
    };
    let last = values.end().map_or(0, |(row, _)| row);
    let mut rows = Vec::new();
    for r in 2..=last {
        let cells: Vec<Result<String, String>> = (0..width).map(|col| text(r, col)).collect();
        let formula = (0..width).find(|&col| formulas.get_value((r, col)).is_some_and(|f| !f.is_empty()));
        if cells.iter().all(|c| c.as_ref().is_ok_and(|t| t.trim().is_empty())) && formula.is_none() {
            continue;
        }
        if let Some(col) = formula {
            let field = heading_key(&text(1, col).unwrap_or_default(), &heading_of);
            problems.add(&place(r), field, "a formula is not accepted: type the value itself (y, n, ya or tidak)");
            continue;
        }
        let cell = |col: u32, field: &'static str, problems: &mut Problems| {
            cells[col as usize].clone().map_err(|e| problems.add(&place(r), Some(field), e)).unwrap_or_default()
        };
        let (reference, attended) = (cell(reference, REFERENCE, problems), cell(attended, ATTENDED, problems));
        if let Some(row) = row(place(r), Some(day), &reference, &attended, problems) {
            rows.push(row);
        }
    }
    rows
}

/// Each column heading, in either language, to its column's name.
fn heading_keys() -> HashMap<String, &'static str> {
    [Lang::En, Lang::Ms]
        .into_iter()
        .flat_map(|lang| {
            DAY_LIST_COLUMNS.iter().map(move |key| (Messages::of(lang).text(&format!("staff.{key}")).to_owned(), *key))
        })
        .collect()
}

fn heading_key(heading: &str, keys: &HashMap<String, &'static str>) -> Option<&'static str> {
    keys.get(heading.trim()).copied()
}

#[cfg(test)]
mod tests {
    use super::read_csv;
    use crate::attendance::problem::{Place, Problems};

    #[test]
    fn csv_lines_are_counted_as_an_editor_shows_them() {
        for end in ["\n", "\r\n"] {
            let text =
                ["date,reference,attended,full_name", "2028-01-10,A1,y,\"Two", "Lines\"", "2028-01-10,A2,x,B", ""]
                    .join(end);
            let mut problems = Problems::new("f.csv");
            let rows = read_csv(text.as_bytes(), &mut problems);
            assert_eq!(rows.len(), 1);
            assert_eq!(rows[0].place, Place::Line(2), "{end:?}");
            assert_eq!(problems.found.len(), 1);
            assert_eq!(problems.found[0].place, Place::Line(4), "{end:?}");
        }
    }
}
