//! The staff exports made of a run, so the next one can list what changed since.

use time::OffsetDateTime;

/// One stored export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// The run exported.
    pub run_id: String,
    /// 1 for the run's first export, then 2, 3, ...
    pub number: u32,
    /// When it was made.
    pub exported_at: OffsetDateTime,
    /// The last round whose appointments it included (1: the first run only).
    pub last_round: u32,
    /// SHA-256 of its manifest.
    pub manifest_sha256: String,
}
