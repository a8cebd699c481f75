//! `allocator attendance`: the centres' filled-in day lists, read back and
//! stored.
//!
//! A file is checked whole before anything of it is stored. It is refused,
//! with every problem listed, when its manifest is not of the stored run or
//! not byte for byte one that `allocator export` recorded,
//! when its people are not the ones exported to that centre (the manifest's
//! `list_sha256`), when a row's reference is not allocated at that centre on
//! that day, or when a cell cannot be read. A person who declined the place
//! after the export is skipped, unless the list says they came. Storing is
//! idempotent: the same file again changes nothing.

pub mod cell;
pub mod manifest;
pub mod problem;
pub mod read;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use store::{AllocationRow, AttendanceImport, AttendanceRow, DeclineRecord, RunRecord, Store};
use time::{Date, OffsetDateTime};

use crate::staff_list::list_digest;
use manifest::{Manifest, ManifestFile};
use problem::{Place, Problem, Problems};
use read::ReturnedRow;

/// What the stored allocation says, to check returned lists against.
pub struct StoredAllocation {
    run: RunRecord,
    allocations: HashMap<String, AllocationRow>,
    /// Declines of the run, by reference.
    declines: HashMap<String, Vec<DeclineRecord>>,
    /// SHA-256 of the manifest of each export of the run.
    manifests: HashSet<String>,
}

impl StoredAllocation {
    /// Reads the stored run, its allocations and declines.
    pub async fn read(store: &Store) -> anyhow::Result<StoredAllocation> {
        let run = store
            .current_run()
            .await?
            .ok_or_else(|| anyhow::anyhow!("no allocation is stored: there is nothing to record attendance for"))?;
        let allocations = store.all_allocations().await?.into_iter().map(|a| (a.reference.clone(), a)).collect();
        let mut declines: HashMap<String, Vec<DeclineRecord>> = HashMap::new();
        for decline in store.declines().await? {
            declines.entry(decline.reference.clone()).or_default().push(decline);
        }
        let manifests = store.exports(&run.run_id).await?.into_iter().map(|e| e.manifest_sha256).collect();
        Ok(StoredAllocation { run, allocations, declines, manifests })
    }

    /// The stored run.
    pub fn run(&self) -> &RunRecord {
        &self.run
    }

    /// Every day someone had an appointment: the days a workbook's sheets can be.
    fn days(&self) -> BTreeSet<Date> {
        let held = self.allocations.values().filter_map(|a| a.appointment.map(|s| s.date));
        held.chain(self.declines.values().flatten().map(|d| d.date)).collect()
    }

    fn declined_here(&self, reference: &str, centre_id: &str, date: Date) -> bool {
        self.declines.get(reference).is_some_and(|all| all.iter().any(|d| d.centre_id == centre_id && d.date == date))
    }
}

/// A returned file that passed every check: what to store from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The rows whose attendance is known.
    pub rows: Vec<AttendanceRow>,
    /// Rows left empty (unknown).
    pub unknown: u64,
    /// Rows of people who declined the place after the export (not stored).
    pub declined: u64,
    /// SHA-256 of the file, stored as the rows' source.
    pub sha256: String,
}

/// Checks one returned file against its manifest and the stored allocation.
pub fn check_file(
    stored: &StoredAllocation,
    manifest: Result<&Manifest, &str>,
    name: &str,
    bytes: &[u8],
) -> Result<Accepted, Vec<Problem>> {
    let mut problems = Problems::new(name);
    let entry = match manifest {
        Ok(manifest) => listed_day_list(stored, manifest, name, &mut problems),
        Err(why) => {
            problems.add(&Place::File, None, why);
            None
        }
    };
    let is_workbook = name.to_ascii_lowercase().ends_with(".xlsx");
    let rows = if is_workbook {
        read::read_xlsx(bytes, stored.days().into_iter(), &mut problems)
    } else {
        read::read_csv(bytes, &mut problems)
    };
    let Some(entry) = entry else { return Err(problems.found) };
    let centre_id = entry.centre_id();
    if entry.list_sha256.as_deref() != Some(list_digest(rows.iter().map(|r| (r.date, r.reference.as_str()))).as_str())
        && problems.found.is_empty()
    {
        problems.add(
            &Place::File,
            None,
            format!("its people are not the {centre_id} list exported (rows added, removed or changed): fill in the attended column only"),
        );
    }
    let mut accepted =
        Accepted { rows: Vec::new(), unknown: 0, declined: 0, sha256: hex::encode(Sha256::digest(bytes)) };
    let mut seen = HashSet::new();
    for row in &rows {
        if !seen.insert(row.reference.as_str()) {
            problems.add(&row.place, Some("reference"), format!("{} is listed twice", row.reference));
            continue;
        }
        match where_allocated(stored, centre_id, row) {
            Ok(true) => match row.attended {
                Some(attended) => accepted.rows.push(AttendanceRow {
                    reference: row.reference.clone(),
                    centre_id: centre_id.to_owned(),
                    date: row.date,
                    attended,
                }),
                None => accepted.unknown += 1,
            },
            Ok(false) if row.attended == Some(true) => problems.add(
                &row.place,
                Some("attended"),
                format!("{} declined this place, yet is marked as having come: check with the centre", row.reference),
            ),
            Ok(false) => accepted.declined += 1,
            Err((field, message)) => problems.add(&row.place, Some(field), message),
        }
    }
    if problems.found.is_empty() { Ok(accepted) } else { Err(problems.found) }
}

/// The manifest's entry for the returned file, if the manifest is of the
/// stored run and lists it as a day list.
fn listed_day_list<'m>(
    stored: &StoredAllocation,
    manifest: &'m Manifest,
    name: &str,
    problems: &mut Problems,
) -> Option<&'m ManifestFile> {
    let run = &stored.run;
    if manifest.run_id != run.run_id
        || manifest.input_fingerprint != run.input_fingerprint
        || manifest.trial != run.trial
    {
        problems.add(
            &Place::File,
            None,
            format!(
                "the manifest is of run {}, not of the stored run {}: these lists were exported from another allocation",
                manifest.run_id, run.run_id
            ),
        );
        return None;
    }
    if !stored.manifests.contains(&manifest.sha256) {
        problems.add(
            &Place::File,
            None,
            format!(
                "the manifest (SHA-256 {}) is not that of any export of run {} recorded here: it was altered, or the lists come from another database",
                manifest.sha256, run.run_id
            ),
        );
        return None;
    }
    let file_name = Path::new(name).file_name().and_then(|n| n.to_str()).unwrap_or(name);
    let entry = manifest.day_list(file_name);
    if entry.is_none() {
        problems.add(
            &Place::File,
            None,
            format!("{file_name} is not a centre's day list in the manifest: keep the name it was exported under"),
        );
    }
    entry
}

/// `Ok(true)` when the row's person holds this appointment, `Ok(false)` when
/// they declined it, or the field and message of why the row is not theirs.
fn where_allocated(
    stored: &StoredAllocation,
    centre_id: &str,
    row: &ReturnedRow,
) -> Result<bool, (&'static str, String)> {
    let reference = &row.reference;
    let Some(allocation) = stored.allocations.get(reference) else {
        return Err(("reference", format!("{reference} is not in run {}", stored.run.run_id)));
    };
    if allocation.appointment.is_some_and(|a| a.date == row.date) && allocation.centre_id == centre_id {
        return Ok(true);
    }
    if stored.declined_here(reference, centre_id, row.date) {
        return Ok(false);
    }
    if allocation.centre_id != centre_id {
        return Err((
            "reference",
            format!("{reference} is allocated at centre {}, not {centre_id}", allocation.centre_id),
        ));
    }
    match allocation.appointment {
        Some(a) => Err((
            "date",
            format!("{reference} has their appointment on {}, not this day", campaign::dates::format_date(a.date)),
        )),
        None => Err(("reference", format!("{reference} holds no appointment at {centre_id}"))),
    }
}

/// What importing one file did.
#[derive(Debug)]
pub struct FileImport {
    /// The file as named.
    pub name: String,
    /// What was stored, or why nothing was.
    pub outcome: Result<(Accepted, AttendanceImport), Vec<Problem>>,
}

/// Checks every file and stores each one that passes, in one transaction per file.
pub async fn import_files(
    store: &Store,
    files: &[PathBuf],
    manifest: Option<&Path>,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<FileImport>> {
    let stored = StoredAllocation::read(store).await?;
    let named = manifest.map(Manifest::read);
    let mut imports = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let beside = || {
            manifest::find_beside(path)
                .ok_or_else(|| {
                    "no manifest.json beside it or above it: name the export's manifest with --manifest".to_owned()
                })
                .and_then(|p| Manifest::read(&p))
        };
        let manifest = named.clone().unwrap_or_else(beside);
        let checked = match std::fs::read(path) {
            Ok(bytes) => check_file(&stored, manifest.as_ref().map_err(String::as_str), &name, &bytes),
            Err(error) => Err(vec![Problem {
                file: name.clone(),
                place: Place::File,
                field: None,
                message: format!("cannot read it: {error}"),
            }]),
        };
        let outcome = match checked {
            Ok(accepted) => {
                let rows = accepted.rows.clone();
                let done = store.record_attendance(&stored.run.run_id, rows, &accepted.sha256, now).await?;
                Ok((accepted, done))
            }
            Err(problems) => Err(problems),
        };
        imports.push(FileImport { name, outcome });
    }
    Ok(imports)
}
