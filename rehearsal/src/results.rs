//! The published results, checked as an applicant would use them: a sample
//! of applicants each find their own result with reference and birth date,
//! and nobody's with a wrong birth date.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, ensure};
use result_files::{Secret, Status};

/// Applicants looked up.
const SAMPLE: usize = 200;

/// What the lookups found.
pub struct Lookups {
    /// Results looked up and found as stored.
    pub found: usize,
    /// Lookups with a wrong birth date, none of which found anything.
    pub refused: usize,
    /// Bucket files, all of one size.
    pub buckets: u32,
    /// Bytes of each.
    pub bucket_bytes: u64,
}

impl Lookups {
    /// One line for the table.
    pub fn describe(&self) -> String {
        format!(
            "{} found, {} wrong birth dates refused; {} buckets of {} bytes",
            self.found, self.refused, self.buckets, self.bucket_bytes
        )
    }
}

/// Looks up an evenly spread sample of the stored allocation in `dir/results`.
pub async fn sample_agrees(store: &store::Store, dir: &Path) -> anyhow::Result<Lookups> {
    let dir = dir.join("results");
    let manifest = result_files::lookup::read_manifest(&dir)?;
    for index in 0..manifest.buckets {
        let name = result_files::manifest::bucket_file_name(index);
        let size = std::fs::metadata(dir.join(&name)).with_context(|| format!("bucket {name}"))?.len();
        ensure!(
            size == manifest.bucket_file_bytes(),
            "bucket {name} is {size} bytes, not {}",
            manifest.bucket_file_bytes()
        );
    }
    let applications = store.all_applications().await?;
    let birth_dates: HashMap<&str, time::Date> =
        applications.iter().map(|a| (a.reference.as_str(), a.birth_date)).collect();
    let allocations = store.all_allocations().await?;
    let step = (allocations.len() / SAMPLE).max(1);
    let mut lookups =
        Lookups { found: 0, refused: 0, buckets: manifest.buckets, bucket_bytes: manifest.bucket_file_bytes() };
    for allocation in allocations.iter().step_by(step) {
        let born = birth_dates[allocation.reference.as_str()];
        let secret = Secret::new(&allocation.reference, born)?;
        let found = result_files::lookup(&dir, &secret)?
            .with_context(|| format!("{}: no published result opens", allocation.reference))?;
        let status = if allocation.appointment.is_some() { Status::Allocated } else { Status::Waitlisted };
        ensure!(
            found.status == status
                && found.centre == allocation.centre_id
                && found.position == allocation.waitlist_position,
            "{}: the published result differs from the stored one",
            allocation.reference
        );
        lookups.found += 1;
        let wrong = Secret::new(&allocation.reference, born.next_day().context("a birth date")?)?;
        ensure!(
            result_files::lookup(&dir, &wrong)?.is_none(),
            "{}: opened with a wrong birth date",
            allocation.reference
        );
        lookups.refused += 1;
    }
    Ok(lookups)
}
