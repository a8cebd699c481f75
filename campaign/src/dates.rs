//! Strict calendar-date and clock-time text formats, and age arithmetic.
//!
//! Dates travel as `YYYY-MM-DD` everywhere (forms, JSON, CSV, storage), times of
//! day as `HH:MM`. Parsing is strict on purpose: `2028-1-5` is a typo to report,
//! not something to guess at.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, Month, OffsetDateTime, Time};

const DATE: &[BorrowedFormatItem<'_>] = format_description!("[year]-[month]-[day]");
const TIME: &[BorrowedFormatItem<'_>] = format_description!("[hour]:[minute]");
const INSTANT: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute] UTC[offset_hour sign:mandatory]:[offset_minute]");
const INSTANT_WITH_SECONDS: &[BorrowedFormatItem<'_>] = format_description!(
    "[year]-[month]-[day] [hour]:[minute]:[second] UTC[offset_hour sign:mandatory]:[offset_minute]"
);

/// Parses exactly `YYYY-MM-DD` into a real calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = Month::try_from(u8::try_from(digits(&b[5..7])?).ok()?).ok()?;
    let day = u8::try_from(digits(&b[8..10])?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, day).ok()
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    date.format(DATE).expect("a date has a year, a month and a day")
}

/// Parses exactly `HH:MM` (24-hour clock).
pub fn parse_time(text: &str) -> Option<Time> {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let hour = u8::try_from(digits(&b[0..2])?).ok()?;
    let minute = u8::try_from(digits(&b[3..5])?).ok()?;
    Time::from_hms(hour, minute, 0).ok()
}

/// Formats a time of day as `HH:MM`.
pub fn format_time(time: Time) -> String {
    time.format(TIME).expect("a time has an hour and a minute")
}

/// An instant for operators, in the offset it was written with:
/// `2027-12-31 23:59:59 UTC+08:00` (seconds only when not zero).
pub fn format_instant(at: OffsetDateTime) -> String {
    let format = if at.second() == 0 { INSTANT } else { INSTANT_WITH_SECONDS };
    at.format(format).expect("an offset date-time has every part of an instant")
}

/// Whole years between `birth` and `on`: the age a person has on that day.
///
/// Someone born on 29 February turns a year older on 1 March in common years.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let before_birthday = (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day());
    on.year() - birth.year() - i32::from(before_birthday)
}

/// Parses a run of ASCII digits, rejecting anything else (signs, spaces).
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, time};

    #[test]
    fn instants_read_as_date_time_and_offset() {
        use time::macros::datetime;
        assert_eq!(format_instant(datetime!(2027-12-31 23:59:59 +08:00)), "2027-12-31 23:59:59 UTC+08:00");
        assert_eq!(format_instant(datetime!(2027-01-02 08:00 -03:30)), "2027-01-02 08:00 UTC-03:30");
        assert_eq!(format_instant(datetime!(2027-01-02 08:00 -00:30)), "2027-01-02 08:00 UTC-00:30");
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(parse_date("2028-01-10"), Some(date!(2028 - 01 - 10)));
        assert_eq!(parse_date("2028-02-29"), Some(date!(2028 - 02 - 29)));
        for bad in ["2027-02-29", "2028-13-01", "2028-00-10", "2028-1-10", "28-01-10", "+028-01-10", "2028-01-1a", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        let d = date!(1931 - 07 - 04);
        assert_eq!(format_date(d), "1931-07-04");
        assert_eq!(parse_date(&format_date(d)), Some(d));
        assert_eq!(format_date(date!(0931 - 01 - 02)), "0931-01-02");
    }

    #[test]
    fn times_parse_strictly() {
        assert_eq!(parse_time("09:30"), Some(time!(09:30)));
        assert_eq!(format_time(time!(17:00)), "17:00");
        for bad in ["9:30", "24:00", "12:60", "12-00", "ab:cd"] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn age_counts_whole_years() {
        let on = date!(2028 - 01 - 10);
        assert_eq!(age_on(date!(2010 - 01 - 10), on), 18);
        assert_eq!(age_on(date!(2010 - 01 - 11), on), 17);
        // Leap-day birthdays: a year older on 1 March in a common year.
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2027 - 02 - 28)), 18);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2026 - 03 - 01)), 18);
    }
}
