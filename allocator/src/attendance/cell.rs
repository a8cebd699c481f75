//! The cells of a returned day list that matter, parsed from text.

use time::{Date, Month};

/// What a centre wrote in the `attended` column: `y` or `ya` (came), `n` or
/// `tidak` (did not), in any case and with spaces around; empty is unknown.
/// Anything else is refused rather than guessed.
pub fn parse_attended(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "y" | "ya" => Ok(Some(true)),
        "n" | "tidak" => Ok(Some(false)),
        _ => Err(format!("{:?} is not y, n, ya or tidak (leave it empty when not known)", shorten(text))),
    }
}

/// A day as exported (`2028-01-10`), or as a spreadsheet with a day-first
/// locale saves it back into a CSV (`10/01/2028`).
pub fn parse_day(text: &str) -> Result<Date, String> {
    let text = text.trim();
    campaign::dates::parse_date(text)
        .or_else(|| day_first(text))
        .ok_or_else(|| format!("{:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)", shorten(text)))
}

fn day_first(text: &str) -> Option<Date> {
    let mut parts = text.split('/').map(|p| p.parse::<u16>().ok());
    let (day, month, year) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || year < 1000 {
        return None;
    }
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

/// A reference as typed: spaces around dropped, letters upper-cased.
pub fn parse_reference(text: &str) -> Result<String, String> {
    let reference = text.trim().to_ascii_uppercase();
    if reference.is_empty() {
        return Err("is empty".into());
    }
    if !reference.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!("{:?} is not a reference", shorten(text)));
    }
    Ok(reference)
}

/// At most 40 characters of a cell, for an error message.
fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::{parse_attended, parse_day, parse_reference};

    #[test]
    fn attended_takes_both_languages_in_any_case_and_nothing_else() {
        for yes in ["y", "Y", " ya ", "YA", "Ya\t"] {
            assert_eq!(parse_attended(yes), Ok(Some(true)), "{yes:?}");
        }
        for no in ["n", "N", "tidak", " TIDAK ", "Tidak"] {
            assert_eq!(parse_attended(no), Ok(Some(false)), "{no:?}");
        }
        for unknown in ["", "  ", "\t"] {
            assert_eq!(parse_attended(unknown), Ok(None), "{unknown:?}");
        }
        for bad in ["yes", "no", "1", "0", "x", "✓", "=HYPERLINK(\"http://x\",\"y\")", "'y", "y y"] {
            assert!(parse_attended(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn days_read_back_as_exported_or_day_first() {
        assert_eq!(parse_day("2028-01-10"), Ok(date!(2028 - 01 - 10)));
        assert_eq!(parse_day("10/01/2028"), Ok(date!(2028 - 01 - 10)));
        assert_eq!(parse_day(" 3/1/2028 "), Ok(date!(2028 - 01 - 03)));
        for bad in ["", "01/13/2028", "10/01/28", "2028/01/10", "Mon 10 Jan 2028", "10/01/2028/1"] {
            assert!(parse_day(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn references_are_trimmed_and_upper_cased() {
        assert_eq!(parse_reference(" abcd2-efgh3 "), Ok("ABCD2-EFGH3".into()));
        assert!(parse_reference("").is_err());
        assert!(parse_reference("=1+1").is_err());
    }
}
