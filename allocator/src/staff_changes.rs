//! What changed at each centre since the previous staff export, so the
//! door staff holding an older list learn of each day's new appointments
//! (from rounds after it) and of places given back (declined after it).

use campaign::TimeWindow;
use store::{AllocationRow, DeclineRecord, ExportRecord};
use time::Date;

/// Columns of a centre's changes list.
pub const CHANGE_COLUMNS: [&str; 7] = ["date", "time_window", "change", "reference", "full_name", "id_number", "round"];

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Given by a round after the previous export.
    New,
    /// Given back after the previous export.
    Declined,
}

impl ChangeKind {
    /// As written in the CSV.
    pub fn code(self) -> &'static str {
        match self {
            ChangeKind::New => "new",
            ChangeKind::Declined => "declined",
        }
    }

    /// The key of its words for the printed list (`staff.change_new`, ...).
    pub fn message_key(self) -> &'static str {
        match self {
            ChangeKind::New => "staff.change_new",
            ChangeKind::Declined => "staff.change_declined",
        }
    }
}

/// One change at a centre.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The centre.
    pub centre_id: String,
    /// The appointment's day.
    pub date: Date,
    /// Its time window.
    pub window: TimeWindow,
    /// New or given back.
    pub kind: ChangeKind,
    /// The application.
    pub reference: String,
    /// The round that gave the place.
    pub round: u32,
}

/// Every change since `previous`, by centre, day, window, kind and reference.
/// A place given and declined since is on neither list, so it is left out.
pub fn since(previous: &ExportRecord, allocations: &[AllocationRow], declines: &[DeclineRecord]) -> Vec<Change> {
    let new = allocations.iter().filter(|a| a.round > previous.last_round).filter_map(|a| {
        let appointment = a.appointment?;
        Some(Change {
            centre_id: a.centre_id.clone(),
            date: appointment.date,
            window: appointment.window,
            kind: ChangeKind::New,
            reference: a.reference.clone(),
            round: a.round,
        })
    });
    let declined = declines
        .iter()
        .filter(|d| d.declined_at > previous.exported_at && d.round <= previous.last_round)
        .map(|d| Change {
            centre_id: d.centre_id.clone(),
            date: d.date,
            window: d.window,
            kind: ChangeKind::Declined,
            reference: d.reference.clone(),
            round: d.round,
        });
    let mut changes: Vec<Change> = new.chain(declined).collect();
    changes.sort();
    changes
}

/// The stored allocation an export is made of.
pub struct Exported<'a> {
    /// The run.
    pub run: &'a store::RunRecord,
    /// Every application.
    pub applications: &'a [store::ApplicationRow],
    /// Every allocation row.
    pub allocations: &'a [AllocationRow],
}

/// What [`export_and_record`] did.
pub struct ExportDone {
    /// The files written.
    pub files: Vec<crate::export::ExportedFile>,
    /// The export as stored.
    pub record: ExportRecord,
    /// The export its changes lists count from, if any.
    pub previous: Option<ExportRecord>,
}

/// Writes the staff export, with each centre's changes since the run's
/// previous export (none on the first), and stores that it was made.
pub async fn export_and_record(
    store: &store::Store,
    catalogue: &campaign::Catalogue,
    stored: &Exported<'_>,
    mut options: crate::export::ExportOptions,
    out: &std::path::Path,
    now: time::OffsetDateTime,
) -> anyhow::Result<ExportDone> {
    use sha2::{Digest, Sha256};
    let run = stored.run;
    let previous = store.exports(&run.run_id).await?.pop();
    options.changes = match &previous {
        Some(previous) => Some(since(previous, stored.allocations, &store.declines().await?)),
        None => None,
    };
    let files =
        crate::export::write_exports(catalogue, run, stored.applications, stored.allocations, &options, out, now)?;
    let manifest = out.join(crate::output::run_file_name(run.trial, "manifest.json"));
    let record = ExportRecord {
        run_id: run.run_id.clone(),
        number: previous.as_ref().map_or(1, |p| p.number + 1),
        exported_at: now,
        last_round: store.rounds().await?.last().map_or(store::FIRST_ROUND, |r| r.round),
        manifest_sha256: hex::encode(Sha256::digest(std::fs::read(&manifest)?)),
    };
    store.record_export(record.clone()).await?;
    Ok(ExportDone { files, record, previous })
}
