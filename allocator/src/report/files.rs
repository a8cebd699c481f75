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
            "before_close": { "versions_replaced": self.history.changes, "withdrawn": self.history.withdrawals },
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
            "after_first_run": self.rounds.to_json(),
            "messages": super::messages::to_json(&self.messages),
        })
    }

    /// Writes `report.json`, `outcomes.csv`, `states.csv`, `busiest_centres.csv`, `busiest_days.csv`
    /// and `report.html` (the same, with bar charts) into `out`.
    pub fn write(&self, out: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&self.to_json())? + "\n")?;
        let mut header = vec!["group".to_owned(), "applicants".into(), "allocated".into(), "waitlisted".into()];
        header.extend(self.choices.iter().cloned());
        let groups = std::iter::once(("all", &self.overall)).chain(self.by_age.iter().map(|(b, o)| (*b, o)));
        write_table(
            &out.join("outcomes.csv"),
            header,
            groups.map(|(group, o)| {
                let by_choice = self.choices.iter().map(|c| o.by_choice.get(c).copied().unwrap_or(0));
                (group, o.applicants, o.allocated, o.waitlisted, by_choice.collect::<Vec<_>>())
            }),
        )?;
        write_table(
            &out.join("states.csv"),
            ["state", "places", "allocated", "waitlisted", "fill_rate"],
            self.states.iter().map(|(state, offered, allocated, waitlisted)| {
                (state.name(), offered, allocated, waitlisted, format!("{:.4}", ratio(*allocated, *offered)))
            }),
        )?;
        write_table(
            &out.join("busiest_centres.csv"),
            ["centre_id", "name", "applicants", "places", "waitlisted", "applicants_per_place"],
            self.busiest_centres.iter().map(|(id, name, applicants, places, waitlisted)| {
                (id, name, applicants, places, waitlisted, format!("{:.4}", ratio(*applicants, *places)))
            }),
        )?;
        write_table(
            &out.join("busiest_days.csv"),
            ["centre_id", "date", "first_choices", "places", "first_choices_per_place"],
            self.busiest_days.iter().map(|(id, date, wanted, places)| {
                (id, campaign::dates::format_date(*date), wanted, places, format!("{:.4}", ratio(*wanted, *places)))
            }),
        )?;
        let page = super::html::render(self).context("cannot render report.html")?;
        std::fs::write(out.join("report.html"), page)?;
        Ok(())
    }
}

/// Writes a CSV file: `header`, then one record per row, each serialised as
/// it stands. The header is written even when there are no rows, so an
/// empty table still says what it would hold.
fn write_table<R: serde::Serialize>(
    path: &Path,
    header: impl IntoIterator<Item = impl AsRef<[u8]>>,
    rows: impl Iterator<Item = R>,
) -> anyhow::Result<()> {
    let mut writer = csv::WriterBuilder::new().has_headers(false).from_path(path)?;
    writer.write_record(header)?;
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}
