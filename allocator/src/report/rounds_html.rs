//! The report page's section on what happened after the first run: rounds,
//! declines, and per centre what the day lists came back with.

use askama::Template;

use super::rounds::{RoundFigures, Totals};

struct CentreRow {
    centre: String,
    totals: Totals,
}

#[derive(Template)]
#[template(path = "report/rounds.html")]
struct RoundsSection<'a> {
    figures: &'a RoundFigures,
    totals: Totals,
    centres: Vec<CentreRow>,
}

impl RoundsSection<'_> {
    fn day(&self, date: &time::Date) -> String {
        campaign::dates::format_date(*date)
    }
}

/// The section as an HTML fragment for the report page.
pub fn render(figures: &RoundFigures) -> Result<String, askama::Error> {
    let centres = figures.centres().into_iter().map(|(centre, totals)| CentreRow { centre, totals }).collect();
    RoundsSection { figures, totals: figures.totals(), centres }.render()
}
