//! The report's files: `report.json`, the CSVs and `report.html`.

use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

use super::{Report, ratio};

impl Report {
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
        let page = super::html::render(self).context("cannot render report.html")?;
        std::fs::write(out.join("report.html"), page)?;
        Ok(())
    }
}
