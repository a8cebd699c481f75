//! `allocator report`: what an auditor asks of an allocation.
//!
//! This module computes the figures; [`files`] writes them out (JSON, CSV,
//! and through [`html`] the page with bar charts). Both stand on the
//! figures and nothing here uses them, so the page can grow without
//! reaching back into how the figures are made.

pub mod files;
pub mod html;
pub mod messages;
pub mod rounds;
pub mod rounds_html;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::Context;
use campaign::application::DayPick;
use campaign::{Catalogue, State};
use serde_json::{Value, json};
use store::{AllocationRow, ApplicationRow, RunRecord};
use time::Date;

/// Age bands of the report.
pub const AGE_BANDS: [(&str, i32, i32); 5] =
    [("18-29", 0, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59), ("60+", 60, i32::MAX)];

/// How many over-subscribed centres and days to list.
const TOP: usize = 10;

/// Outcome counts for a group of applicants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Applicants in the group.
    pub applicants: u64,
    /// Of them, allocated.
    pub allocated: u64,
    /// Of them, waitlisted.
    pub waitlisted: u64,
    /// Allocated by the choice met: `week1` ... `weekN`, `other`.
    pub by_choice: BTreeMap<String, u64>,
}

impl Outcomes {
    fn add(&mut self, allocation: &AllocationRow) {
        self.applicants += 1;
        if let Some(appointment) = &allocation.appointment {
            self.allocated += 1;
            *self.by_choice.entry(appointment.met.to_string()).or_default() += 1;
        } else {
            self.waitlisted += 1;
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({ "applicants": self.applicants, "allocated": self.allocated, "waitlisted": self.waitlisted, "by_choice": self.by_choice })
    }
}

/// The whole report.
#[derive(Debug, Clone)]
pub struct Report {
    /// The run reported on.
    pub run: RunRecord,
    /// The run's seed against its lottery commitment.
    pub lottery: crate::seed::SeedAudit,
    /// Everyone.
    pub overall: Outcomes,
    /// By age band on the campaign's reference date.
    pub by_age: Vec<(&'static str, Outcomes)>,
    /// Per state: (state, places offered, allocated, waitlisted).
    pub states: Vec<(State, u64, u64, u64)>,
    /// Centres with the most applicants per place: (id, name, applicants, places, waitlisted).
    pub busiest_centres: Vec<(String, String, u64, u64, u64)>,
    /// Centre days most asked for as a first choice: (centre, date, first choices, places).
    pub busiest_days: Vec<(String, Date, u64, u64)>,
    /// The choice columns, in order: week1 ... weekN, other.
    pub choices: Vec<String>,
    /// What applicants changed and withdrew before registration closed.
    pub history: store::HistoryCounts,
    /// Declines, later rounds and attendance (set by the caller, like `history`).
    pub rounds: rounds::RoundFigures,
    /// The outbox's messages of the run (set by the caller, like `history`).
    pub messages: Vec<store::OutboxCount>,
}

impl Report {
    /// Builds the report from what is stored.
    pub fn build(
        catalogue: &Catalogue,
        run: RunRecord,
        applications: &[ApplicationRow],
        allocations: &[AllocationRow],
    ) -> anyhow::Result<Report> {
        let campaign = catalogue.campaign();
        let on = campaign.age_reference_date();
        let by_reference: HashMap<&str, &ApplicationRow> =
            applications.iter().map(|a| (a.reference.as_str(), a)).collect();
        let mut overall = Outcomes::default();
        let mut by_age: Vec<(&'static str, Outcomes)> =
            AGE_BANDS.iter().map(|(n, _, _)| (*n, Outcomes::default())).collect();
        let mut per_centre: HashMap<&str, (u64, u64, u64)> = HashMap::new();
        let mut first_choices: HashMap<(&str, Date), u64> = HashMap::new();
        for allocation in allocations {
            let application = by_reference
                .get(allocation.reference.as_str())
                .with_context(|| format!("allocation {} has no application", allocation.reference))?;
            overall.add(allocation);
            let age = campaign::dates::age_on(application.birth_date, on);
            if let Some(band) = AGE_BANDS.iter().position(|(_, lo, hi)| (*lo..=*hi).contains(&age)) {
                by_age[band].1.add(allocation);
            }
            let centre = per_centre.entry(allocation.centre_id.as_str()).or_default();
            centre.0 += 1;
            centre.1 += u64::from(allocation.appointment.is_some());
            centre.2 += u64::from(allocation.appointment.is_none());
            if let Some(DayPick::Date(date)) = application.choices.first().copied() {
                *first_choices.entry((application.centre_id.as_str(), date)).or_default() += 1;
            }
        }
        let places = |centre: &campaign::Centre| -> u64 {
            campaign.days().filter(|d| catalogue.is_open(centre, *d)).count() as u64 * u64::from(centre.daily_capacity)
        };
        let states = catalogue
            .centres_by_state()
            .into_iter()
            .map(|(state, centres)| {
                let offered: u64 = centres.iter().map(|c| places(c)).sum();
                let (allocated, waitlisted) = centres.iter().fold((0, 0), |(a, w), c| {
                    let (_, ca, cw) = per_centre.get(c.id.as_str()).copied().unwrap_or_default();
                    (a + ca, w + cw)
                });
                (state, offered, allocated, waitlisted)
            })
            .collect();
        let mut busiest_centres: Vec<(String, String, u64, u64, u64)> = catalogue
            .centres()
            .iter()
            .filter_map(|c| {
                let (applicants, _, waitlisted) = per_centre.get(c.id.as_str()).copied()?;
                Some((c.id.to_string(), c.name.clone(), applicants, places(c), waitlisted))
            })
            .collect();
        // Most applicants per place first; the id breaks ties so the report is reproducible.
        busiest_centres.sort_by(|a, b| (b.2 * a.3.max(1)).cmp(&(a.2 * b.3.max(1))).then_with(|| a.0.cmp(&b.0)));
        busiest_centres.truncate(TOP);
        let mut busiest_days: Vec<(String, Date, u64, u64)> = first_choices
            .into_iter()
            .filter_map(|((centre, date), wanted)| {
                let c = catalogue.centre(centre)?;
                let day_places = if catalogue.is_open(c, date) { u64::from(c.daily_capacity) } else { 0 };
                Some((centre.to_owned(), date, wanted, day_places))
            })
            .collect();
        busiest_days.sort_by(|a, b| {
            (b.2 * a.3.max(1)).cmp(&(a.2 * b.3.max(1))).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1))
        });
        busiest_days.truncate(TOP);
        let mut choices: Vec<String> = campaign.weeks().map(|w| w.field_name()).collect();
        choices.push("other".into());
        let lottery = crate::seed::SeedAudit::of(&run);
        let history = store::HistoryCounts::default();
        let rounds = rounds::RoundFigures::default();
        Ok(Report {
            run,
            lottery,
            overall,
            by_age,
            states,
            busiest_centres,
            busiest_days,
            choices,
            history,
            rounds,
            messages: Vec::new(),
        })
    }

    /// A plain-text summary for the terminal.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let o = &self.overall;
        let pct = |n: u64| 100.0 * ratio(n, o.applicants.max(1));
        if self.run.trial {
            let _ = writeln!(s, "TRIAL RUN, made before registration closed: not the real allocation");
        }
        let _ = writeln!(s, "run {} (seed {}, rule {})", self.run.run_id, self.run.seed, self.run.rule);
        let lottery = &self.lottery;
        let _ = writeln!(
            s,
            "lottery commitment {}, seed's {}: {}",
            lottery.commitment_text(),
            lottery.seed_sha256,
            lottery.verdict()
        );
        let _ = writeln!(
            s,
            "{} applicants: {} allocated ({:.1}%), {} waitlisted ({:.1}%)",
            o.applicants,
            o.allocated,
            pct(o.allocated),
            o.waitlisted,
            pct(o.waitlisted)
        );
        let _ = writeln!(
            s,
            "before registration closed: {} versions replaced by a change, {} applications withdrawn",
            self.history.changes, self.history.withdrawals
        );
        let _ = write!(s, "{:<8} {:>10} {:>10} {:>10}", "age", "applicants", "allocated", "waitlisted");
        for c in &self.choices {
            let _ = write!(s, " {c:>8}");
        }
        let _ = writeln!(s);
        for (band, b) in std::iter::once(("all", o)).chain(self.by_age.iter().map(|(n, b)| (*n, b))) {
            let _ = write!(s, "{band:<8} {:>10} {:>10} {:>10}", b.applicants, b.allocated, b.waitlisted);
            for c in &self.choices {
                let _ = write!(s, " {:>8}", b.by_choice.get(c).copied().unwrap_or(0));
            }
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "fill rate by state:");
        for (state, offered, allocated, _) in &self.states {
            let _ =
                writeln!(s, "  {:<20} {:>6.2}% of {offered} places", state.name(), 100.0 * ratio(*allocated, *offered));
        }
        let _ = writeln!(s, "most applicants per place:");
        for (id, name, applicants, places, waitlisted) in &self.busiest_centres {
            let _ = writeln!(s, "  {id} {name}: {applicants} for {places} places, {waitlisted} waitlisted");
        }
        s
    }
}

pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
