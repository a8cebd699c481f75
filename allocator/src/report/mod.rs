//! `allocator report`: what an auditor asks of an allocation.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
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
        if allocation.appointment.is_some() {
            self.allocated += 1;
            *self.by_choice.entry(allocation.choice_met.clone()).or_default() += 1;
        } else {
            self.waitlisted += 1;
        }
    }

    fn to_json(&self) -> Value {
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
            if let Some(date) = application.choices.split(',').next().and_then(campaign::dates::parse_date) {
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
        Ok(Report { run, lottery, overall, by_age, states, busiest_centres, busiest_days, choices })
    }

    /// Everything, as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "run": {
                "run_id": self.run.run_id, "seed": self.run.seed, "rule": self.run.rule,
                "input_fingerprint": self.run.input_fingerprint, "trial": self.run.trial,
                "lottery_commitment": self.lottery.commitment, "seed_sha256": self.lottery.seed_sha256.to_string(),
                "seed_matches_commitment": self.lottery.matches(),
            },
            "overall": self.overall.to_json(),
            "by_age": self.by_age.iter().map(|(band, o)| { let mut v = o.to_json(); v["band"] = json!(band); v }).collect::<Vec<_>>(),
            "states": self.states.iter().map(|(s, offered, allocated, waitlisted)| json!({
                "state": s.name(), "places": offered, "allocated": allocated, "waitlisted": waitlisted,
                "fill_rate": ratio(*allocated, *offered),
            })).collect::<Vec<_>>(),
            "busiest_centres": self.busiest_centres.iter().map(|(id, name, applicants, places, waitlisted)| json!({
                "centre_id": id, "name": name, "applicants": applicants, "places": places, "waitlisted": waitlisted,
                "applicants_per_place": ratio(*applicants, *places),
            })).collect::<Vec<_>>(),
            "busiest_days": self.busiest_days.iter().map(|(id, date, wanted, places)| json!({
                "centre_id": id, "date": campaign::dates::format_date(*date), "first_choices": wanted, "places": places,
                "first_choices_per_place": ratio(*wanted, *places),
            })).collect::<Vec<_>>(),
        })
    }

    /// Writes `report.json`, `outcomes.csv`, `states.csv`, `busiest_centres.csv`, `busiest_days.csv`
    /// and `report.html` (the same, with bar charts) into `out`.
    pub fn write(&self, out: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&self.to_json())? + "\n")?;
        let mut outcomes = csv::Writer::from_path(out.join("outcomes.csv"))?;
        let mut header = vec!["group".to_owned(), "applicants".into(), "allocated".into(), "waitlisted".into()];
        header.extend(self.choices.iter().cloned());
        outcomes.write_record(&header)?;
        for (group, o) in std::iter::once(("all", &self.overall)).chain(self.by_age.iter().map(|(b, o)| (*b, o))) {
            let mut row =
                vec![group.to_owned(), o.applicants.to_string(), o.allocated.to_string(), o.waitlisted.to_string()];
            row.extend(self.choices.iter().map(|c| o.by_choice.get(c).copied().unwrap_or(0).to_string()));
            outcomes.write_record(&row)?;
        }
        outcomes.flush()?;
        let mut states = csv::Writer::from_path(out.join("states.csv"))?;
        states.write_record(["state", "places", "allocated", "waitlisted", "fill_rate"])?;
        for (s, offered, allocated, waitlisted) in &self.states {
            let fill = format!("{:.4}", ratio(*allocated, *offered));
            states.write_record([
                s.name(),
                &offered.to_string(),
                &allocated.to_string(),
                &waitlisted.to_string(),
                &fill,
            ])?;
        }
        states.flush()?;
        let mut centres = csv::Writer::from_path(out.join("busiest_centres.csv"))?;
        centres.write_record(["centre_id", "name", "applicants", "places", "waitlisted", "applicants_per_place"])?;
        for (id, name, applicants, places, waitlisted) in &self.busiest_centres {
            let per = format!("{:.4}", ratio(*applicants, *places));
            centres.write_record([
                id,
                name,
                &applicants.to_string(),
                &places.to_string(),
                &waitlisted.to_string(),
                &per,
            ])?;
        }
        centres.flush()?;
        let mut days = csv::Writer::from_path(out.join("busiest_days.csv"))?;
        days.write_record(["centre_id", "date", "first_choices", "places", "first_choices_per_place"])?;
        for (id, date, wanted, places) in &self.busiest_days {
            let per = format!("{:.4}", ratio(*wanted, *places));
            days.write_record([
                id,
                &campaign::dates::format_date(*date),
                &wanted.to_string(),
                &places.to_string(),
                &per,
            ])?;
        }
        days.flush()?;
        let page = crate::report_html::render(self).context("cannot render report.html")?;
        std::fs::write(out.join("report.html"), page)?;
        Ok(())
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

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
