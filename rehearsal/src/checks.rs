//! What the rehearsal proves: the database holds exactly what was
//! acknowledged, and every later step counts the same people.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail, ensure};
use serde_json::Value;

/// The answers the crowd got, compared with what is stored.
pub struct Integrity {
    /// Rows in the database.
    pub applications: u64,
    /// 2xx answers received (201 and 200).
    pub acknowledged: u64,
    /// Of them, 200: a repeat answered with the stored reference.
    pub repeats: u64,
    /// Distinct identities acknowledged.
    pub identities: u64,
    /// Final 4xx answers, by status.
    pub rejected: HashMap<u16, u64>,
}

impl Integrity {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!("{} acknowledged identities = {} rows stored", self.identities, self.applications)
    }
}

/// Checks that every acknowledged identity is stored exactly once, under
/// the reference it was given, that nothing else is stored, and that no
/// rejected submission was.
pub async fn acknowledged_equals_stored(
    store: &store::Store,
    acks: &Path,
    rejected: &Path,
) -> anyhow::Result<Integrity> {
    let mut acked: HashMap<String, String> = HashMap::new();
    let (mut acknowledged, mut repeats) = (0, 0);
    for record in csv::Reader::from_path(acks).with_context(|| format!("cannot read {}", acks.display()))?.records() {
        let record = record?;
        let (reference, id, status) = (&record[0], &record[1], &record[2]);
        acknowledged += 1;
        repeats += u64::from(status == "200");
        if let Some(earlier) = acked.insert(id.to_owned(), reference.to_owned()) {
            ensure!(
                earlier == reference,
                "identity {id} was acknowledged under two references: {earlier}, {reference}"
            );
        }
    }
    let mut stored: HashMap<String, String> = HashMap::new();
    for row in store.all_applications().await? {
        if let Some(earlier) = stored.insert(row.id_number.clone(), row.reference.clone()) {
            bail!("identity {} is stored twice: {earlier} and {}", row.id_number, row.reference);
        }
    }
    let mut problems = Vec::new();
    for (id, reference) in &acked {
        match stored.get(id) {
            None => problems.push(format!("{id} was acknowledged ({reference}) but is not stored")),
            Some(kept) if kept != reference => {
                problems.push(format!("{id} was acknowledged as {reference} but is stored as {kept}"))
            }
            Some(_) => {}
        }
    }
    for (id, reference) in &stored {
        if !acked.contains_key(id) {
            problems.push(format!("{id} is stored ({reference}) but was never acknowledged"));
        }
    }
    let mut rejected_by_status: HashMap<u16, u64> = HashMap::new();
    for record in csv::Reader::from_path(rejected)?.records() {
        let record = record?;
        let status: u16 = record[1].parse()?;
        *rejected_by_status.entry(status).or_default() += 1;
        if status == 422 && stored.contains_key(&record[0]) {
            problems.push(format!("{} was rejected as invalid but is stored", &record[0]));
        }
    }
    if !problems.is_empty() {
        let shown: Vec<&str> = problems.iter().take(10).map(String::as_str).collect();
        bail!("{} disagreements between answers and database, first ones:\n  {}", problems.len(), shown.join("\n  "));
    }
    Ok(Integrity {
        applications: stored.len() as u64,
        acknowledged,
        repeats,
        identities: acked.len() as u64,
        rejected: rejected_by_status,
    })
}

/// The same people counted by each output.
pub struct Counts {
    /// Rows of confirmations.csv.
    pub messages: u64,
    /// Rows of the centres' day lists.
    pub day_list_rows: u64,
    /// Rows of the centres' waiting lists.
    pub waitlist_rows: u64,
    /// Files in the export manifest.
    pub export_files: u64,
    /// Allocated by the choice met (`week1` ... `other`), from the report.
    pub by_choice: Vec<(String, u64)>,
}

impl Counts {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!(
            "{} messages; {} files: {} on day lists, {} on waiting lists",
            self.messages, self.export_files, self.day_list_rows, self.waitlist_rows
        )
    }
}

/// Checks the run, the outbox, the exports and the report against each
/// other and against the number of stored applications.
pub fn outputs_agree(run: &store::RunRecord, applications: u64, out: &Path) -> anyhow::Result<Counts> {
    ensure!(
        run.applicants == applications,
        "the run allocated {} applicants, {applications} are stored",
        run.applicants
    );
    ensure!(run.allocated + run.waitlisted == run.applicants, "allocated + waitlisted != applicants in the run record");

    let mut messages = 0;
    let mut by_status: HashMap<String, u64> = HashMap::new();
    let mut outbox = csv::Reader::from_path(out.join("confirmations.csv"))?;
    let status = column(outbox.headers()?, "status")?;
    for record in outbox.records() {
        messages += 1;
        *by_status.entry(record?[status].to_owned()).or_default() += 1;
    }
    ensure!(messages == run.applicants, "{messages} confirmations for {} applicants", run.applicants);
    ensure!(by_status.get("allocated").copied().unwrap_or(0) == run.allocated, "confirmations: allocated differs");
    ensure!(by_status.get("waitlisted").copied().unwrap_or(0) == run.waitlisted, "confirmations: waitlisted differs");

    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(out.join("export/manifest.json"))?)?;
    let files = manifest["files"].as_array().context("manifest.json lists no files")?;
    let (mut day_list_rows, mut waitlist_rows, mut workbook_rows) = (0, 0, 0);
    for file in files {
        let path = file["path"].as_str().unwrap_or("");
        let rows = file["rows"].as_u64().context("a manifest entry without rows")?;
        if path.ends_with("-waitlist.csv") {
            waitlist_rows += rows;
        } else if path.ends_with(".xlsx") {
            workbook_rows += rows;
        } else if path != "summary.csv" {
            day_list_rows += rows;
        }
    }
    ensure!(day_list_rows == run.allocated, "day lists hold {day_list_rows} rows, {} were allocated", run.allocated);
    ensure!(waitlist_rows == run.waitlisted, "waiting lists hold {waitlist_rows}, {} were waitlisted", run.waitlisted);
    ensure!(workbook_rows == run.applicants, "workbooks hold {workbook_rows} rows for {} applicants", run.applicants);

    let mut summary = csv::Reader::from_path(out.join("export/summary.csv"))?;
    let headers = summary.headers()?.clone();
    let (date, allocated, waitlisted) =
        (column(&headers, "date")?, column(&headers, "allocated")?, column(&headers, "waitlisted")?);
    let (mut summary_allocated, mut summary_waitlisted) = (0u64, 0u64);
    for record in summary.records() {
        let record = record?;
        if &record[date] == "total" {
            summary_allocated += record[allocated].parse::<u64>()?;
            summary_waitlisted += record[waitlisted].parse::<u64>()?;
        }
    }
    ensure!(summary_allocated == run.allocated, "summary.csv totals {summary_allocated} allocated");
    ensure!(summary_waitlisted == run.waitlisted, "summary.csv totals {summary_waitlisted} waitlisted");

    let report: Value = serde_json::from_str(&std::fs::read_to_string(out.join("report.json"))?)?;
    for (field, expected) in
        [("applicants", run.applicants), ("allocated", run.allocated), ("waitlisted", run.waitlisted)]
    {
        ensure!(report["overall"][field].as_u64() == Some(expected), "report.json: overall.{field} differs");
    }
    let mut by_choice: Vec<(String, u64)> = report["overall"]["by_choice"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect())
        .unwrap_or_default();
    // week1 ... weekN, then other.
    by_choice.sort_by_key(|(choice, _)| (choice == "other", choice.len(), choice.clone()));
    Ok(Counts { messages, day_list_rows, waitlist_rows, export_files: files.len() as u64, by_choice })
}

/// The index of the column named `name` (a byte-order mark before the first is ignored).
pub(crate) fn column(headers: &csv::StringRecord, name: &str) -> anyhow::Result<usize> {
    headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name).with_context(|| format!("no {name} column"))
}
