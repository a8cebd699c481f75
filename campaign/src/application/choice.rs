//! The applicant's choice of day for each campaign week.

use std::fmt;

use time::Date;

use super::problem::Problem;
use crate::calendar::CampaignWeek;
use crate::catalogue::Catalogue;
use crate::centre::Centre;
use crate::dates::{format_date, parse_date};

/// The word that means "any open day of that week", in forms, JSON and storage.
pub const ANY_DAY: &str = "any";

/// What the applicant picked for one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayPick {
    /// A specific day, on which the centre is open.
    Date(Date),
    /// Any open day of that week at the centre.
    AnyDay,
}

impl fmt::Display for DayPick {
    /// `YYYY-MM-DD` or `any`, the wire and storage form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayPick::Date(d) => f.write_str(&format_date(*d)),
            DayPick::AnyDay => f.write_str(ANY_DAY),
        }
    }
}

/// One week's choice, checked against the week and the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekChoice {
    /// The campaign week.
    pub week: CampaignWeek,
    /// The day picked in it.
    pub pick: DayPick,
}

impl WeekChoice {
    /// Reads one week's field. With `centre` unknown (itself an error), only
    /// the week is checked, so the person still learns about a bad date.
    pub fn parse(
        text: &str,
        week: CampaignWeek,
        centre: Option<&Centre>,
        catalogue: &Catalogue,
    ) -> Result<WeekChoice, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Problem::WeekMissing { week });
        }
        if text.eq_ignore_ascii_case(ANY_DAY) {
            return Ok(WeekChoice { week, pick: DayPick::AnyDay });
        }
        let date = parse_date(text).ok_or(Problem::WeekShape { week })?;
        let campaign = catalogue.campaign();
        if campaign.week_of(date) != Some(week) {
            let mut days = campaign.days_of(week);
            let from = days.next().unwrap_or(date);
            let to = days.last().unwrap_or(from);
            return Err(Problem::WeekDateOutside { week, from, to });
        }
        if let Some(centre) = centre
            && !catalogue.is_open(centre, date)
        {
            return Err(Problem::WeekDateClosed { week, date });
        }
        Ok(WeekChoice { week, pick: DayPick::Date(date) })
    }
}
