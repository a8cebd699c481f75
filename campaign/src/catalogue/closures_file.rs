//! `closures.csv`: dated closures (public holidays, one-off events).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use time::Date;

use super::csv_rows::read_rows;
use super::error::Problems;
use crate::calendar::Campaign;
use crate::centre::CentreId;
use crate::dates::parse_date;

#[derive(Debug, Deserialize)]
struct ClosureRow {
    centre_id: String,
    date: String,
    reason: String,
}

/// Dated closures, for every centre or for one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closures {
    /// Days every centre is closed, with the reason.
    pub everywhere: BTreeMap<Date, String>,
    /// Days a single centre is closed, with the reason.
    pub by_centre: HashMap<CentreId, BTreeMap<Date, String>>,
}

impl Closures {
    /// Why `centre` is closed on `date`, if it is.
    pub fn reason(&self, centre: &CentreId, date: Date) -> Option<&str> {
        self.everywhere
            .get(&date)
            .or_else(|| self.by_centre.get(centre).and_then(|days| days.get(&date)))
            .map(String::as_str)
    }
}

/// Reads `closures.csv`, checking each centre exists and each date is a campaign day.
pub(crate) fn parse(
    text: &str,
    campaign: Option<&Campaign>,
    known_centre: impl Fn(&CentreId) -> bool,
    problems: &mut Problems<'_>,
) -> Closures {
    let mut closures = Closures::default();
    for (line, row) in read_rows::<ClosureRow>(text, &["centre_id", "date", "reason"], &[], problems) {
        let line = Some(line);
        let Some(date) = parse_date(&row.date) else {
            problems.at(line, Some("date"), format!("{:?} is not a date: write YYYY-MM-DD", row.date));
            continue;
        };
        if let Some(c) = campaign
            && c.week_of(date).is_none()
        {
            problems.at(
                line,
                Some("date"),
                format!("{} is outside the campaign ({} to {})", row.date, c.first_day(), c.last_day()),
            );
            continue;
        }
        let reason = if row.reason.is_empty() { "closed".to_owned() } else { row.reason };
        let days = if row.centre_id == "*" {
            &mut closures.everywhere
        } else {
            match CentreId::parse(&row.centre_id).filter(|id| known_centre(id)) {
                Some(id) => closures.by_centre.entry(id).or_default(),
                None => {
                    problems.at(
                        line,
                        Some("centre_id"),
                        format!("{:?} is not a centre in centres.csv (use * to close every centre)", row.centre_id),
                    );
                    continue;
                }
            }
        };
        if days.insert(date, reason).is_some() {
            problems.at(line, Some("date"), format!("{} is listed twice for {}", row.date, row.centre_id));
        }
    }
    closures
}
