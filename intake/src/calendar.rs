//! The calendar file (`.ics`, RFC 5545) of an appointment, for the result
//! page without JavaScript: the same event the page's script builds. It is
//! embedded in the page as a `data:` link, so neither the reference nor the
//! birth date ever appears in an address that reaches a log.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// What the event says.
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    /// The application's reference (also the event's UID, with `host`).
    pub reference: &'a str,
    /// The day.
    pub date: Date,
    /// The time window, `HH:MM-HH:MM` in the campaign's local time.
    pub window: &'a str,
    /// The campaign's offset from UTC.
    pub offset: UtcOffset,
    /// "Vaccination appointment: SGR-0001 Dewan ...".
    pub summary: String,
    /// The centre's address (or its code when unknown).
    pub location: String,
    /// What to bring, and the reference.
    pub description: String,
    /// The site's host name, for a UID unique to it.
    pub host: &'a str,
    /// `en` or `ms`, as the page's script names it.
    pub lang: &'a str,
}

/// The file's text, lines ended by CRLF; `None` when the window cannot be read.
pub fn ics(appointment: &Appointment<'_>, now: OffsetDateTime) -> Option<String> {
    let (start, end) = appointment.window.split_once('-')?;
    let at = |hhmm: &str| -> Option<String> {
        let (h, m) = hhmm.trim().split_once(':')?;
        let local = PrimitiveDateTime::new(appointment.date, Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?);
        utc(local.assume_offset(appointment.offset))
    };
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        format!("PRODID:-//Temujanji//Result//{}", appointment.lang.to_uppercase()),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@{}", appointment.reference, appointment.host),
        format!("DTSTAMP:{}", utc(now)?),
        format!("DTSTART:{}", at(start)?),
        format!("DTEND:{}", at(end)?),
        format!("SUMMARY:{}", text(&appointment.summary)),
        format!("LOCATION:{}", text(&appointment.location)),
        format!("DESCRIPTION:{}", text(&appointment.description)),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    Some(lines.into_iter().map(|line| line + "\r\n").collect())
}

/// The file as a `data:` URL, every byte but letters and digits escaped.
pub fn data_url(ics: &str) -> String {
    format!("data:text/calendar;charset=utf-8,{}", utf8_percent_encode(ics, NON_ALPHANUMERIC))
}

fn utc(at: OffsetDateTime) -> Option<String> {
    at.to_offset(UtcOffset::UTC).format(format_description!("[year][month][day]T[hour][minute][second]Z")).ok()
}

/// RFC 5545 TEXT: backslash, semicolon and comma escaped, newlines as `\n`.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, offset};

    #[test]
    fn the_window_is_given_in_utc_and_text_is_escaped() {
        let appointment = Appointment {
            reference: "ABCDE-23456",
            date: date!(2028 - 01 - 10),
            window: "09:00-10:00",
            offset: offset!(+8),
            summary: "Vaccination appointment: SGR-0001 Dewan; Orang Ramai, Shah Alam".into(),
            location: "Jalan 1\nShah Alam".into(),
            description: "Bring your MyKad".into(),
            host: "daftar.example.my",
            lang: "ms",
        };
        let file = ics(&appointment, datetime!(2028-01-02 03:04:05 UTC)).expect("a calendar");
        assert!(file.contains("\r\nDTSTART:20280110T010000Z\r\nDTEND:20280110T020000Z\r\n"), "{file}");
        assert!(file.contains("DTSTAMP:20280102T030405Z"));
        assert!(file.contains("UID:ABCDE-23456@daftar.example.my"));
        assert!(file.contains("PRODID:-//Temujanji//Result//MS"));
        assert!(file.contains(r"SUMMARY:Vaccination appointment: SGR-0001 Dewan\; Orang Ramai\, Shah Alam"));
        assert!(file.contains(r"LOCATION:Jalan 1\nShah Alam"));
        assert!(file.ends_with("END:VCALENDAR\r\n"));
        assert!(ics(&Appointment { window: "nine", ..appointment.clone() }, OffsetDateTime::UNIX_EPOCH).is_none());
        let url = data_url(&file);
        assert!(url.starts_with("data:text/calendar;charset=utf-8,BEGIN%3AVCALENDAR%0D%0A"), "{url}");
        assert!(!url.contains(['"', '<', '>', '&', '\'', ' ']), "safe inside an attribute as it is");
    }
}
