//! `allocator publish`: the results as static files for the CDN, one
//! sealed record per applicant (see the `result-files` crate and
//! `data/README.md`).

mod records;

use std::path::Path;

use result_files::write::PublishOptions;
use result_files::{Published, publish};
use store::{AllocationRow, ApplicationRow, RunRecord};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Writes `out/results/` for the stored allocation, replacing any earlier publication.
pub fn write_results(
    run: &RunRecord,
    applications: &[ApplicationRow],
    allocations: &[AllocationRow],
    iterations: u32,
    out: &Path,
    now: OffsetDateTime,
) -> anyhow::Result<Published> {
    let results = records::results(applications, allocations)?;
    let options = PublishOptions {
        iterations,
        run_id: run.run_id.clone(),
        trial: run.trial,
        published_at: now.format(&Rfc3339)?,
    };
    Ok(publish(&results, &options, out)?)
}
