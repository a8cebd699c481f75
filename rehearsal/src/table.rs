//! The rehearsal's one summary table.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::checks::{Counts, Integrity};
use crate::sms::Sent;

/// Lines gathered as the rehearsal goes, printed at the end.
#[derive(Default)]
pub struct Table {
    stages: Vec<(String, Duration, String)>,
    load: Vec<(String, String)>,
    integrity: Vec<(String, String)>,
    allocation: Vec<(String, String)>,
    sms: Vec<(String, String)>,
}

impl Table {
    /// A stage and how long it took.
    pub fn stage(&mut self, name: &str, took: Duration, detail: String) {
        self.stages.push((name.to_owned(), took, detail));
    }

    /// The load generator's summary.
    pub fn load(&mut self, load: &Value, urls: &[String]) {
        let seconds = load["seconds"].as_f64().unwrap_or(0.0).max(1e-9);
        let mut rows = vec![(
            "submissions sent".to_owned(),
            format!(
                "{} ({} repeats of earlier ones, {} invalid) in {seconds:.1}s; {} retries after 503 or a lost connection",
                load["sent"], load["duplicates_sent"], load["invalid_sent"], load["retries"]
            ),
        )];
        let mut total_ok = 0;
        for (n, url) in urls.iter().enumerate() {
            let ok = load["by_url"][url]["2xx"].as_u64().unwrap_or(0);
            let answers = load["by_url"][url]["answers"].as_u64().unwrap_or(0);
            total_ok += ok;
            rows.push((
                format!("instance {}", n + 1),
                format!("{:.0} 2xx/s ({ok} 2xx of {answers} final answers)", ok as f64 / seconds),
            ));
        }
        rows.push(("all instances".to_owned(), format!("{:.0} 2xx/s ({total_ok} 2xx)", total_ok as f64 / seconds)));
        if let Some(statuses) = load["by_status"].as_object() {
            for (status, figures) in statuses {
                let name = if status == "network_error" {
                    "attempts: connection lost".to_owned()
                } else {
                    format!("attempts: {status}")
                };
                rows.push((
                    name,
                    format!(
                        "{} (p50 {} ms, p99 {} ms, max {} ms)",
                        figures["count"], figures["p50_ms"], figures["p99_ms"], figures["max_ms"]
                    ),
                ));
            }
        }
        rows.push(("unanswered at the end".to_owned(), load["unresolved"].to_string()));
        self.load = rows;
    }

    /// Answers against the database.
    pub fn integrity(&mut self, integrity: &Integrity) {
        let mut rejected: Vec<_> = integrity.rejected.iter().collect();
        rejected.sort();
        let rejected: Vec<String> = rejected.iter().map(|(status, n)| format!("{n} x {status}")).collect();
        self.integrity = vec![
            (
                "acknowledged (2xx)".to_owned(),
                format!("{} answers, {} of them 200 for a repeat", integrity.acknowledged, integrity.repeats),
            ),
            ("acknowledged identities".to_owned(), integrity.identities.to_string()),
            ("stored applications".to_owned(), format!("{} (exactly the acknowledged ones)", integrity.applications)),
            (
                "rejected (4xx), none stored".to_owned(),
                if rejected.is_empty() { "0".into() } else { rejected.join(", ") },
            ),
        ];
    }

    /// The allocation and the outputs after it.
    pub fn allocation(&mut self, run: &store::RunRecord, counts: &Counts) {
        self.allocation = vec![
            ("applicants".to_owned(), run.applicants.to_string()),
            (
                "allocated".to_owned(),
                format!("{} ({:.1}%)", run.allocated, 100.0 * run.allocated as f64 / run.applicants.max(1) as f64),
            ),
            (
                "choice met".to_owned(),
                counts.by_choice.iter().map(|(choice, n)| format!("{choice} {n}")).collect::<Vec<_>>().join(", "),
            ),
            ("waitlisted".to_owned(), run.waitlisted.to_string()),
            ("seed".to_owned(), run.seed.clone()),
            ("confirmations".to_owned(), counts.messages.to_string()),
            ("day-list rows + waiting-list rows".to_owned(), (counts.day_list_rows + counts.waitlist_rows).to_string()),
        ];
    }

    /// A send through the local Kannel.
    pub fn sms(&mut self, sent: &Sent) {
        self.sms.push((
            format!("round {}: for, received, delivered", sent.round),
            format!("{}, {} (none twice), {} (outbox and report)", sent.people, sent.received, sent.delivered),
        ));
        self.sms.push((format!("round {}: allocator send", sent.round), sent.outcome.clone()));
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f)?;
        writeln!(f, "{:<34} {:>9}  detail", "stage", "seconds")?;
        for (name, took, detail) in &self.stages {
            writeln!(f, "{name:<34} {:>9.1}  {detail}", took.as_secs_f64())?;
        }
        for (title, rows) in [
            ("load", &self.load),
            ("answers vs database", &self.integrity),
            ("allocation", &self.allocation),
            ("confirmations by SMS (local Kannel, fake SMSC)", &self.sms),
        ] {
            if rows.is_empty() {
                continue;
            }
            writeln!(f)?;
            writeln!(f, "{title}")?;
            for (name, value) in rows {
                writeln!(f, "  {name:<34} {value}")?;
            }
        }
        writeln!(f)
    }
}
