//! Writing a whole publication at once: every record derived and sealed
//! in memory, every bucket padded to the same count with dummy records,
//! the files written to a fresh folder beside `results/` and then renamed
//! into its place, so no reader ever sees half a publication.

use std::path::{Path, PathBuf};

use crate::derive::{Locator, Secret};
use crate::manifest::{self, Manifest};
use crate::record::{RECORD_BYTES, ResultRecord, TooLong};

/// Applicants per bucket on average: with the padding that the fullest
/// bucket brings, a bucket stays near 10 KB (see `data/README.md`).
pub const MEAN_PER_BUCKET: usize = 32;

/// PBKDF2 iterations of a real publication: see `docs/performance.md`
/// for why this many.
pub const DEFAULT_ITERATIONS: u32 = 100_000;

/// What to publish besides the results.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The run the results come from.
    pub run_id: String,
    /// Whether it was a trial run.
    pub trial: bool,
    /// When, RFC 3339.
    pub published_at: String,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Published {
    /// The `results/` folder.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Real records written.
    pub records: usize,
}

/// Why a publication failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A result does not fit a record.
    #[error(transparent)]
    TooLong(#[from] TooLong),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Out of the format's bounds.
    #[error("{0}")]
    Bounds(String),
}

/// The number of buckets for `records`: a power of two with about
/// [`MEAN_PER_BUCKET`] records each.
pub fn bucket_count(records: usize) -> u32 {
    let wanted = records.div_ceil(MEAN_PER_BUCKET).max(1).next_power_of_two();
    u32::try_from(wanted).unwrap_or(manifest::MAX_BUCKETS).min(manifest::MAX_BUCKETS)
}

/// Writes `out/results/` for `results`, replacing what was there.
pub fn publish(
    results: &[(Secret, ResultRecord)],
    options: &PublishOptions,
    out: &Path,
) -> Result<Published, PublishError> {
    let buckets = bucket_count(results.len());
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the system's random source");
    let sealed = seal_all(results, &salt, options.iterations, buckets)?;
    let mut by_bucket: Vec<Vec<[u8; RECORD_BYTES]>> = vec![Vec::new(); buckets as usize];
    for (bucket, record) in sealed {
        by_bucket[bucket as usize].push(record);
    }
    let fullest = by_bucket.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let records_per_bucket = u32::try_from(fullest)
        .ok()
        .filter(|n| *n <= manifest::MAX_RECORDS_PER_BUCKET)
        .ok_or_else(|| PublishError::Bounds(format!("a bucket would hold {fullest} records")))?;
    let manifest = Manifest {
        format: manifest::FORMAT.to_owned(),
        kdf: "PBKDF2-HMAC-SHA256".to_owned(),
        iterations: options.iterations,
        salt: hex::encode(salt),
        buckets,
        records_per_bucket,
        record_bytes: RECORD_BYTES as u32,
        run_id: options.run_id.clone(),
        trial: options.trial,
        published_at: options.published_at.clone(),
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PublishError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let fresh = tempfile::Builder::new().prefix(".results-new-").tempdir_in(out).map_err(io(out))?;
    for (index, mut records) in by_bucket.into_iter().enumerate() {
        records.resize_with(fullest, ResultRecord::dummy);
        // Tags are pseudo-random: sorted by them, real and dummy records mix.
        records.sort_unstable();
        let path = fresh.path().join(manifest::bucket_file_name(index as u32));
        std::fs::write(&path, records.concat()).map_err(io(&path))?;
    }
    let manifest_path = fresh.path().join(manifest::FILE_NAME);
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    std::fs::write(&manifest_path, json).map_err(io(&manifest_path))?;
    let target = out.join("results");
    let fresh = fresh.keep();
    set_public(&fresh).map_err(io(&fresh))?;
    if target.exists() {
        let old = tempfile::Builder::new().prefix(".results-old-").tempdir_in(out).map_err(io(out))?.keep();
        std::fs::rename(&target, old.join("results")).map_err(io(&target))?;
        std::fs::rename(&fresh, &target).map_err(io(&target))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        std::fs::rename(&fresh, &target).map_err(io(&target))?;
    }
    Ok(Published { dir: target, manifest, records: results.len() })
}

/// Every result sealed, with its bucket, the slow derivations shared among
/// the machine's cores.
fn seal_all(
    results: &[(Secret, ResultRecord)],
    salt: &[u8],
    iterations: u32,
    buckets: u32,
) -> Result<Vec<(u32, [u8; RECORD_BYTES])>, PublishError> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let chunk = results.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = results
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(secret, result)| {
                            let locator = Locator::derive(secret, salt, iterations, buckets);
                            Ok((locator.bucket, result.seal(&locator)?))
                        })
                        .collect::<Result<Vec<_>, PublishError>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(results.len());
        for worker in workers {
            all.extend(worker.join().map_err(|_| PublishError::Bounds("a sealing thread panicked".into()))??);
        }
        Ok(all)
    })
}

/// The temporary folder is created owner-only; what is published is for everyone to read.
fn set_public(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    }
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;
    use crate::lookup::lookup;

    fn waitlisted(position: u64) -> ResultRecord {
        ResultRecord::waitlisted("SGR-0001", position)
    }

    #[test]
    fn every_result_is_found_with_its_secret_and_every_bucket_has_one_size() {
        let results: Vec<(Secret, ResultRecord)> = (0..200u64)
            .map(|i| {
                let symbol = |shift: u64| char::from(campaign::reference::ALPHABET[((i >> shift) & 31) as usize]);
                let reference = format!("ABCDE-XYZ{}{}", symbol(5), symbol(0));
                (Secret::new(&reference, date!(1960 - 03 - 15)).expect("valid"), waitlisted(i))
            })
            .collect();
        let out = tempfile::tempdir().expect("temp dir");
        let options = PublishOptions {
            iterations: 1_000,
            run_id: "run".into(),
            trial: false,
            published_at: "2028-01-02T00:00:00Z".into(),
        };
        let published = publish(&results, &options, out.path()).expect("published");
        assert_eq!(published.manifest.buckets, 8);
        let sizes: std::collections::BTreeSet<u64> = std::fs::read_dir(&published.dir)
            .expect("dir")
            .map(|e| e.expect("entry"))
            .filter(|e| e.file_name() != manifest::FILE_NAME)
            .map(|e| e.metadata().expect("size").len())
            .collect();
        assert_eq!(sizes.len(), 1, "{sizes:?}");
        for (secret, result) in results.iter().step_by(17) {
            assert_eq!(lookup(&published.dir, secret).expect("readable").as_ref(), Some(result));
        }
        let wrong = Secret::new(results[0].0.reference(), date!(1960 - 03 - 16)).expect("valid");
        assert_eq!(lookup(&published.dir, &wrong).expect("readable"), None);
        // Publishing again replaces the whole folder.
        let again = publish(&results[..3], &options, out.path()).expect("published");
        assert_eq!(again.manifest.buckets, 1);
        assert_eq!(std::fs::read_dir(out.path()).expect("dir").count(), 1, "nothing left beside results/");
        assert_eq!(lookup(&again.dir, &results[150].0).expect("readable"), None);
    }
}
