//! `campaign.toml`: the campaign's name, calendar, registration window and age rule.

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, Time};
use toml::Spanned;

use super::error::Problems;
use crate::calendar::{Campaign, Helpline, TimeWindow};
use crate::dates::{parse_date, parse_time};

/// The file as written; every value is checked in [`parse`] so each mistake
/// can be reported with its key and line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CampaignFile {
    name: Spanned<String>,
    first_day: Spanned<String>,
    weeks: Spanned<i64>,
    registration_opens: Spanned<String>,
    registration_closes: Spanned<String>,
    minimum_age: Spanned<i64>,
    age_reference_date: Spanned<String>,
    day_opens: Spanned<String>,
    day_closes: Spanned<String>,
    window_minutes: Spanned<i64>,
    helpline: HelplineFile,
    lottery_commitment: Option<Spanned<String>>,
    decline_until_hours: Option<Spanned<i64>>,
}

/// `[helpline]`: the number people call, and optionally when it answers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HelplineFile {
    phone: Spanned<String>,
    hours: Option<Spanned<String>>,
}

/// Hours before an appointment until which it may be declined, when
/// `campaign.toml` does not say: a day leaves time to offer the place again.
const DEFAULT_DECLINE_UNTIL_HOURS: u16 = 24;

/// A longer notice than four weeks would forbid declining most appointments.
const MAX_DECLINE_UNTIL_HOURS: u16 = 24 * 28;

/// Longest helpline number or hours text: it is shown in page footers.
const HELPLINE_MAX: usize = 40;

/// Reads and checks `campaign.toml`; `None` when any problem was recorded.
pub(crate) fn parse(text: &str, problems: &mut Problems<'_>) -> Option<Campaign> {
    let file: CampaignFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            problems.at(line, None, e.message().trim().to_owned());
            return None;
        }
    };
    let before = problems.found.len();
    let mut report = |value_span: std::ops::Range<usize>, key: &str, message: String| {
        problems.at(Some(line_of(text, value_span.start)), Some(key), message);
    };

    let name = file.name.get_ref().trim().to_owned();
    if name.is_empty() {
        report(file.name.span(), "name", "must not be empty".into());
    }
    let mut date = |value: &Spanned<String>, key: &str| {
        let parsed = parse_date(value.get_ref());
        if parsed.is_none() {
            report(value.span(), key, format!("{:?} is not a date: write YYYY-MM-DD", value.get_ref()));
        }
        parsed
    };
    let first_day = date(&file.first_day, "first_day");
    let age_reference_date = date(&file.age_reference_date, "age_reference_date");
    let mut instant = |value: &Spanned<String>, key: &str| {
        let parsed = OffsetDateTime::parse(value.get_ref(), &Rfc3339).ok();
        if parsed.is_none() {
            report(
                value.span(),
                key,
                format!("{:?} is not an RFC 3339 instant: write e.g. 2027-01-01T08:00:00+08:00", value.get_ref()),
            );
        }
        parsed
    };
    let opens = instant(&file.registration_opens, "registration_opens");
    let closes = instant(&file.registration_closes, "registration_closes");
    let mut clock = |value: &Spanned<String>, key: &str| {
        let parsed = parse_time(value.get_ref());
        if parsed.is_none() {
            report(value.span(), key, format!("{:?} is not a time of day: write HH:MM", value.get_ref()));
        }
        parsed
    };
    let day_opens = clock(&file.day_opens, "day_opens");
    let day_closes = clock(&file.day_closes, "day_closes");

    let weeks = u8::try_from(*file.weeks.get_ref()).ok().filter(|w| (1..=52).contains(w));
    if weeks.is_none() {
        report(file.weeks.span(), "weeks", "must be a whole number from 1 to 52".into());
    }
    let minimum_age = u8::try_from(*file.minimum_age.get_ref()).ok().filter(|a| *a <= 100);
    if minimum_age.is_none() {
        report(file.minimum_age.span(), "minimum_age", "must be a whole number from 0 to 100".into());
    }
    let window_minutes = u16::try_from(*file.window_minutes.get_ref()).ok().filter(|m| (5..=720).contains(m));
    if window_minutes.is_none() {
        report(file.window_minutes.span(), "window_minutes", "must be a whole number of minutes from 5 to 720".into());
    }

    let decline_until_hours = match &file.decline_until_hours {
        None => Some(DEFAULT_DECLINE_UNTIL_HOURS),
        Some(value) => {
            let hours = u16::try_from(*value.get_ref()).ok().filter(|h| *h <= MAX_DECLINE_UNTIL_HOURS);
            if hours.is_none() {
                report(
                    value.span(),
                    "decline_until_hours",
                    format!("must be a whole number of hours from 0 to {MAX_DECLINE_UNTIL_HOURS}"),
                );
            }
            hours
        }
    };

    if let (Some(o), Some(c)) = (opens, closes)
        && o >= c
    {
        report(file.registration_closes.span(), "registration_closes", "must be after registration_opens".into());
    }
    if let (Some(c), Some(first)) = (closes, first_day)
        && c >= first.midnight().assume_offset(c.offset())
    {
        report(
            file.registration_closes.span(),
            "registration_closes",
            "must be before first_day: the allocation runs between the two".into(),
        );
    }
    let mut windows = Vec::new();
    if let (Some(start), Some(end), Some(minutes)) = (day_opens, day_closes, window_minutes) {
        let open_minutes = minutes_of(end) - minutes_of(start);
        if open_minutes <= 0 {
            report(file.day_closes.span(), "day_closes", "must be after day_opens".into());
        } else if open_minutes % i64::from(minutes) != 0 {
            report(
                file.window_minutes.span(),
                "window_minutes",
                format!("must divide the {open_minutes} minutes between day_opens and day_closes evenly"),
            );
        } else {
            let step = Duration::minutes(i64::from(minutes));
            let mut at = start;
            while at < end {
                windows.push(TimeWindow { start: at, end: at + step });
                at += step;
            }
        }
    }
    let phone = file.helpline.phone.get_ref().trim().to_owned();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if digits < 3 || phone.len() > HELPLINE_MAX || !phone.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
        report(
            file.helpline.phone.span(),
            "helpline.phone",
            format!(
                "{phone:?} is not a phone number: write it as people dial it, with digits, spaces, + - ( ) only, like \"03-8000 8000\""
            ),
        );
    }
    let hours = file.helpline.hours.as_ref().map(|h| (h.span(), h.get_ref().trim().to_owned()));
    if let Some((span, text)) = &hours
        && (text.is_empty() || text.chars().count() > HELPLINE_MAX || text.contains(['\n', '\r']))
    {
        report(
            span.clone(),
            "helpline.hours",
            format!("must be one short line of up to {HELPLINE_MAX} characters, like \"08:00-20:00\", or left out"),
        );
    }
    let lottery_commitment = file.lottery_commitment.as_ref().and_then(|value| {
        crate::LotteryCommitment::parse(value.get_ref())
            .map_err(|e| report(value.span(), "lottery_commitment", e.to_string()))
            .ok()
    });
    if problems.found.len() > before {
        return None;
    }
    Some(Campaign {
        name,
        first_day: first_day?,
        weeks: weeks?,
        registration_opens: opens?,
        registration_closes: closes?,
        minimum_age: minimum_age?,
        age_reference_date: age_reference_date?,
        windows,
        helpline: Helpline { phone, hours: hours.map(|(_, text)| text) },
        lottery_commitment,
        decline_until_hours: decline_until_hours?,
    })
}

fn minutes_of(t: Time) -> i64 {
    i64::from(t.hour()) * 60 + i64::from(t.minute())
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> u64 {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() as u64
}
