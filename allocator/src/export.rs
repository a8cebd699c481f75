//! Staff exports: per-centre day lists and waiting lists, a summary, and a
//! manifest to check a copy is complete and untampered.
//!
//! The CSVs open cleanly in Excel: UTF-8 with a byte-order mark (so Malay,
//! Chinese and Tamil names show), CRLF line ends, a header row, RFC 4180
//! quoting. A cell that a spreadsheet would run as a formula (starting with
//! `=`, `+`, `-`, `@`, tab or carriage return) is written with a leading
//! apostrophe ([`neutralise`]); the stored data is untouched.
//! Identity numbers are written as printed on the card (`900101-14-5678`)
//! and phones as dialled at home (`012-345 6789`), which spreadsheets keep as
//! text with their leading zeros.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use campaign::{Catalogue, Centre};
use serde_json::json;
use sha2::{Digest, Sha256};
use store::{AllocationRow, ApplicationRow, RunRecord};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::output::{neutralise, private_file, run_file_name};
use crate::staff_changes::{CHANGE_COLUMNS, Change, ChangeKind};
pub use crate::staff_list::{DAY_LIST_COLUMNS, WAITLIST_COLUMNS, list_digest};
use crate::workbook::{ChangeRow, DayRow, Sheets, WaitRow, centre_workbook};

/// Columns of `summary.csv`.
pub const SUMMARY_COLUMNS: [&str; 7] =
    ["centre_id", "state", "date", "capacity", "allocated", "remaining", "waitlisted"];

/// What to export.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Only these centres (all when empty).
    pub centres: Vec<String>,
    /// Only centres in these states (all when empty).
    pub states: Vec<campaign::State>,
    /// Leave out the UTF-8 byte-order mark (for tools that choke on it).
    pub no_bom: bool,
    /// Language of the printed workbooks' headings.
    pub lang: campaign::Lang,
    /// The changes since the previous export, for each centre's changes
    /// list; `None` on a run's first export, which has none.
    pub changes: Option<Vec<Change>>,
}

/// One file written, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedFile {
    /// Path relative to the export folder.
    pub path: String,
    /// Data rows (without the header).
    pub rows: usize,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// For a day list (CSV or workbook): the [`list_digest`] of its appointments.
    pub list_sha256: Option<String>,
}

/// Writes every file into `out`; returns them in writing order.
pub fn write_exports(
    catalogue: &Catalogue,
    run: &RunRecord,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    options: &ExportOptions,
    out: &Path,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<ExportedFile>> {
    let by_reference: HashMap<&str, &ApplicationRow> = applications.iter().map(|a| (a.reference.as_str(), a)).collect();
    let chosen = |c: &Centre| {
        (options.centres.is_empty() || options.centres.iter().any(|id| id.eq_ignore_ascii_case(c.id.as_str())))
            && (options.states.is_empty() || options.states.contains(&c.state))
    };
    let mut per_centre: BTreeMap<&str, Vec<(&AllocationRow, &ApplicationRow)>> = BTreeMap::new();
    for allocation in allocations {
        let application = by_reference
            .get(allocation.reference.as_str())
            .with_context(|| format!("allocation {} has no application", allocation.reference))?;
        per_centre.entry(allocation.centre_id.as_str()).or_default().push((allocation, application));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let on = catalogue.campaign().age_reference_date();
    let mut files = Vec::new();
    let mut summary: Vec<Vec<String>> = Vec::new();
    for centre in catalogue.centres().iter().filter(|c| chosen(c)) {
        let entries = per_centre.remove(centre.id.as_str()).unwrap_or_default();
        // A declined person is on neither list.
        let (mut booked, mut waiting): (Vec<_>, Vec<_>) = entries
            .into_iter()
            .filter(|(a, _)| a.appointment.is_some() || a.is_waiting())
            .partition(|(a, _)| a.appointment.is_some());
        booked.sort_by(|(a, x), (b, y)| {
            let (sa, sb) = (a.appointment.as_ref(), b.appointment.as_ref());
            sa.map(|s| (s.date, s.window.start))
                .cmp(&sb.map(|s| (s.date, s.window.start)))
                .then_with(|| x.full_name.to_lowercase().cmp(&y.full_name.to_lowercase()))
                .then_with(|| a.reference.cmp(&b.reference))
        });
        waiting.sort_by_key(|(a, _)| a.waitlist_position);
        let folder = centre.state.slug();
        // The columns from `reference` to `phone`, alike in both lists.
        let person = |a: &AllocationRow, app: &ApplicationRow| -> [String; 7] {
            [
                a.reference.clone(),
                app.full_name.clone(),
                app.id_type.code().to_owned(),
                printed_id(app),
                campaign::dates::format_date(app.birth_date),
                campaign::dates::age_on(app.birth_date, on).to_string(),
                national_phone(&app.phone),
            ]
        };
        let day_rows: Vec<Vec<String>> = booked
            .iter()
            .map(|(a, app)| {
                let slot = a.appointment.as_ref().expect("partitioned on appointments");
                [campaign::dates::format_date(slot.date), slot.window.to_string()]
                    .into_iter()
                    .chain(person(a, app))
                    .chain([slot.met.to_string(), a.round.to_string(), String::new()])
                    .collect()
            })
            .collect();
        let list_sha256 =
            list_digest(booked.iter().filter_map(|(a, _)| Some((a.appointment.as_ref()?.date, a.reference.as_str()))));
        let mut day_list = write_csv(
            out,
            &run_file_name(run.trial, &format!("{folder}/{}.csv", centre.id)),
            &DAY_LIST_COLUMNS,
            &day_rows,
            options,
            true,
        )?;
        day_list.list_sha256 = Some(list_sha256.clone());
        files.push(day_list);
        let wait_rows: Vec<Vec<String>> = waiting
            .iter()
            .map(|(a, app)| {
                std::iter::once(a.waitlist_position.unwrap_or_default().to_string()).chain(person(a, app)).collect()
            })
            .collect();
        files.push(write_csv(
            out,
            &run_file_name(run.trial, &format!("{folder}/{}-waitlist.csv", centre.id)),
            &WAITLIST_COLUMNS,
            &wait_rows,
            options,
            true,
        )?);

        // The staff copy to print: the same people, every cell as text.
        let mut days: Vec<(time::Date, Vec<DayRow>)> = Vec::new();
        for row in &day_rows {
            let date = campaign::dates::parse_date(&row[0]).context("an exported date reads back")?;
            if days.last().is_none_or(|(d, _)| *d != date) {
                days.push((date, Vec::new()));
            }
            let [_, time, reference, name, id_type, id_number, birth, age, phone, choice, round, _] = row.as_slice()
            else {
                continue;
            };
            let cells =
                [time, reference, name, id_type, id_number, birth, age, phone, choice, round].map(|c| c.clone());
            days.last_mut().expect("pushed above").1.push(cells);
        }
        let waitlist: Vec<WaitRow> = wait_rows.iter().filter_map(|r| <[String; 8]>::try_from(r.clone()).ok()).collect();
        let changes = match &options.changes {
            Some(all) => {
                let (kinds, rows): (Vec<ChangeKind>, Vec<Vec<String>>) =
                    changes_of(centre.id.as_str(), all, &by_reference)?.into_iter().unzip();
                let path = run_file_name(run.trial, &format!("{folder}/{}-changes.csv", centre.id));
                files.push(write_csv(out, &path, &CHANGE_COLUMNS, &rows, options, true)?);
                // The printed copy says what changed in words, in the workbook's language.
                let words = campaign::Messages::of(options.lang);
                let printed = kinds.into_iter().zip(rows).filter_map(|(kind, mut row)| {
                    row[2] = words.text(kind.message_key()).to_owned();
                    ChangeRow::try_from(row).ok()
                });
                Some(printed.collect::<Vec<_>>())
            }
            None => None,
        };
        let sheets = Sheets { days: &days, changes: changes.as_deref(), waitlist: &waitlist };
        let bytes = centre_workbook(
            options.lang,
            catalogue.campaign().first_day(),
            &centre.name,
            centre.id.as_str(),
            run.trial,
            &sheets,
        )
        .with_context(|| format!("cannot build the workbook of {}", centre.id))?;
        let relative = run_file_name(run.trial, &format!("{folder}/{}.xlsx", centre.id));
        private_file(&out.join(&relative))?.write_all(&bytes)?;
        files.push(ExportedFile {
            path: relative,
            rows: day_rows.len() + wait_rows.len(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            list_sha256: Some(list_sha256),
        });

        let mut totals = (0u64, 0u64);
        for day in catalogue.campaign().days().filter(|d| catalogue.is_open(centre, *d)) {
            let capacity = u64::from(centre.daily_capacity);
            let allocated =
                booked.iter().filter(|(a, _)| a.appointment.as_ref().is_some_and(|s| s.date == day)).count() as u64;
            totals = (totals.0 + capacity, totals.1 + allocated);
            summary.push(vec![
                centre.id.to_string(),
                centre.state.name().into(),
                campaign::dates::format_date(day),
                capacity.to_string(),
                allocated.to_string(),
                (capacity - allocated).to_string(),
                String::new(),
            ]);
        }
        summary.push(vec![
            centre.id.to_string(),
            centre.state.name().into(),
            "total".into(),
            totals.0.to_string(),
            totals.1.to_string(),
            (totals.0 - totals.1).to_string(),
            waiting.len().to_string(),
        ]);
    }
    files.push(write_csv(out, &run_file_name(run.trial, "summary.csv"), &SUMMARY_COLUMNS, &summary, options, false)?);
    let manifest = json!({
        "run_id": run.run_id,
        "trial": run.trial,
        "seed": run.seed,
        "rule": run.rule,
        "input_fingerprint": run.input_fingerprint,
        "exported_at": now.format(&Rfc3339).unwrap_or_default(),
        "files": files.iter().map(manifest_entry).collect::<Vec<_>>(),
    });
    std::fs::write(
        out.join(run_file_name(run.trial, "manifest.json")),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    Ok(files)
}

fn write_csv(
    out: &Path,
    relative: &str,
    header: &[&str],
    rows: &[Vec<String>],
    options: &ExportOptions,
    personal: bool,
) -> anyhow::Result<ExportedFile> {
    let mut bytes: Vec<u8> = Vec::new();
    if !options.no_bom {
        bytes.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut bytes);
        writer.write_record(header)?;
        for row in rows {
            writer
                .write_record(row.iter().map(|cell| neutralise(cell)).collect::<Vec<_>>().iter().map(|c| c.as_ref()))?;
        }
        writer.flush()?;
    }
    let path: PathBuf = out.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut file = if personal { private_file(&path)? } else { std::fs::File::create(&path)? };
    file.write_all(&bytes).with_context(|| format!("cannot write {}", path.display()))?;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(ExportedFile { path: relative.to_owned(), rows: rows.len(), sha256, list_sha256: None })
}

fn manifest_entry(file: &ExportedFile) -> serde_json::Value {
    let mut entry = json!({ "path": file.path, "rows": file.rows, "sha256": file.sha256 });
    if let Some(list) = &file.list_sha256 {
        entry["list_sha256"] = json!(list);
    }
    entry
}

/// A centre's changes as CSV rows, in [`CHANGE_COLUMNS`] order.
fn changes_of(
    centre_id: &str,
    changes: &[Change],
    by_reference: &HashMap<&str, &ApplicationRow>,
) -> anyhow::Result<Vec<(ChangeKind, Vec<String>)>> {
    changes
        .iter()
        .filter(|c| c.centre_id == centre_id)
        .map(|c| {
            let app = by_reference
                .get(c.reference.as_str())
                .with_context(|| format!("change {} has no application", c.reference))?;
            let row = vec![
                campaign::dates::format_date(c.date),
                c.window.to_string(),
                c.kind.code().to_owned(),
                c.reference.clone(),
                app.full_name.clone(),
                printed_id(app),
                c.round.to_string(),
            ];
            Ok((c.kind, row))
        })
        .collect()
}

/// The identity number as printed: MyKad `YYMMDD-PB-###G`, passports as stored.
fn printed_id(app: &ApplicationRow) -> String {
    match app.id_type {
        campaign::application::IdType::MyKad => campaign::application::MyKadNumber::parse(&app.id_number)
            .map(|n| n.formatted())
            .unwrap_or_else(|_| app.id_number.clone()),
        campaign::application::IdType::Passport => app.id_number.clone(),
    }
}

/// The phone as dialled in Malaysia (`012-345 6789`).
fn national_phone(e164: &str) -> String {
    campaign::application::MobilePhone::parse(e164).map(|p| p.national()).unwrap_or_else(|_| e164.to_owned())
}
