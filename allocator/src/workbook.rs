//! The staff copy of a centre's lists as a workbook to print for the door:
//! one sheet per day, the waiting list on its own sheet. Every cell is
//! written as text (never a formula or a number), so names cannot run and
//! identity and phone numbers keep their leading zeros; the header row is
//! frozen and repeated on every printed page, landscape A4, one page wide.

use campaign::{Lang, Messages};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use time::Date;

use crate::staff_changes::CHANGE_COLUMNS;
use crate::staff_list::{DAY_LIST_COLUMNS, WAITLIST_COLUMNS};

/// One appointment row of a day sheet: time, reference, name, id type,
/// id number, birth date, age, phone, choice met.
pub type DayRow = [String; 10];

/// One waiting-list row: position, reference, name, id type, id number, birth date, age, phone.
pub type WaitRow = [String; 8];

/// One changes row: date, time, change (in words), reference, name, id number, round.
pub type ChangeRow = [String; 7];

/// What a centre's workbook holds besides its title.
pub struct Sheets<'a> {
    /// A sheet per day.
    pub days: &'a [(Date, Vec<DayRow>)],
    /// The changes since the previous export (none on the first).
    pub changes: Option<&'a [ChangeRow]>,
    /// The waiting list.
    pub waitlist: &'a [WaitRow],
}

/// The workbook for one centre, as bytes.
pub fn centre_workbook(
    lang: Lang,
    first_day: Date,
    centre_name: &str,
    centre_id: &str,
    trial: bool,
    sheets: &Sheets<'_>,
) -> Result<Vec<u8>, XlsxError> {
    let m = Messages::of(lang);
    let t = |key: &str| m.text(&format!("staff.{key}")).to_owned();
    let mut workbook = Workbook::new();
    // A fixed creation date (the campaign's first day) instead of the clock,
    // so the same allocation always exports to the same bytes.
    let created = ExcelDateTime::from_ymd(
        u16::try_from(first_day.year()).unwrap_or(2000),
        u8::from(first_day.month()),
        first_day.day(),
    )?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let header = Format::new().set_bold().set_text_wrap().set_num_format("@");
    let text = Format::new().set_num_format("@");
    let title = Format::new().set_bold().set_font_size(13);
    let args = [("centre", centre_name), ("centre_id", centre_id)];
    // A trial's lists must not be mistaken at the door for the real ones.
    let marked = |title: String| if trial { m.render("staff.trial", &[("title", &title)]) } else { title };
    for (date, rows) in sheets.days {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&m.date(*date)))?;
        // The day is the sheet's: every column of the day list but the date.
        let headings: Vec<String> = DAY_LIST_COLUMNS[1..].iter().map(|k| t(k)).collect();
        let heading = marked(format!("{} {}", m.render("staff.title", &args), m.long_date(*date)));
        fill(sheet, &heading, &headings, rows.iter().map(|r| r.as_slice()), &title, &header, &text)?;
    }
    if let Some(changes) = sheets.changes {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&t("changes")))?;
        let headings: Vec<String> = CHANGE_COLUMNS.iter().map(|k| t(k)).collect();
        let heading = marked(m.render("staff.changes_title", &args));
        fill(sheet, &heading, &headings, changes.iter().map(|r| r.as_slice()), &title, &header, &text)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&t("waitlist")))?;
    let headings: Vec<String> = WAITLIST_COLUMNS.iter().map(|k| t(k)).collect();
    fill(
        sheet,
        &marked(m.render("staff.waitlist_title", &args)),
        &headings,
        sheets.waitlist.iter().map(|r| r.as_slice()),
        &title,
        &header,
        &text,
    )?;
    workbook.save_to_buffer()
}

fn fill<'a>(
    sheet: &mut Worksheet,
    title_text: &str,
    headings: &[String],
    rows: impl Iterator<Item = &'a [String]>,
    title: &Format,
    header: &Format,
    text: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, title_text, title)?;
    for (col, heading) in headings.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, heading, header)?;
    }
    for (r, row) in rows.enumerate() {
        for (col, cell) in row.iter().enumerate() {
            sheet.write_string_with_format(r as u32 + 2, col as u16, cell, text)?;
        }
    }
    // The attended column stays empty: a box to tick on paper.
    sheet.set_freeze_panes(2, 0)?;
    sheet.set_repeat_rows(0, 1)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_gridlines(true);
    sheet.autofit();
    Ok(())
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
pub(crate) fn sheet_name(text: &str) -> String {
    text.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect()
}
