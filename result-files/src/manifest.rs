//! `results/manifest.json`: the parameters a reader needs to find and open
//! a record. It holds nothing about any applicant.

use serde::{Deserialize, Serialize};

use crate::record::RECORD_BYTES;

/// The format's name and version; a reader refuses any other.
pub const FORMAT: &str = "temujanji-results-1";

/// The manifest's file name inside `results/`.
pub const FILE_NAME: &str = "manifest.json";

/// Fewest and most PBKDF2 iterations a manifest may ask for: below, the
/// files are a test's; above, a phone would take too long.
pub const ITERATIONS: std::ops::RangeInclusive<u32> = 1_000..=2_000_000;

/// Most buckets a publication may have.
pub const MAX_BUCKETS: u32 = 1 << 24;

/// Most records one bucket may hold (so a reader's read is bounded).
pub const MAX_RECORDS_PER_BUCKET: u32 = 4096;

/// The published parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always `PBKDF2-HMAC-SHA256`.
    pub kdf: String,
    /// PBKDF2 iterations.
    pub iterations: u32,
    /// The salt, hex: fresh for every publication.
    pub salt: String,
    /// Bucket files `0.bin` ... `(buckets-1).bin`; a power of two.
    pub buckets: u32,
    /// Records in every bucket file, real and dummy.
    pub records_per_bucket: u32,
    /// Bytes of one record.
    pub record_bytes: u32,
    /// The allocation run the results come from.
    pub run_id: String,
    /// Whether that run was a trial (made before registration closed).
    pub trial: bool,
    /// When the files were written (RFC 3339).
    pub published_at: String,
}

/// Why a manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON of the manifest's shape.
    #[error("the manifest cannot be read: {0}")]
    Shape(#[from] serde_json::Error),
    /// A value out of the format's bounds.
    #[error("the manifest is not a {FORMAT} manifest within bounds: {0}")]
    Bounds(&'static str),
}

impl Manifest {
    /// Parses and checks a manifest.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = serde_json::from_slice(bytes)?;
        let check = |ok: bool, what| if ok { Ok(()) } else { Err(ManifestError::Bounds(what)) };
        check(manifest.format == FORMAT, "format")?;
        check(manifest.kdf == "PBKDF2-HMAC-SHA256", "kdf")?;
        check(ITERATIONS.contains(&manifest.iterations), "iterations")?;
        check(manifest.buckets.is_power_of_two() && manifest.buckets <= MAX_BUCKETS, "buckets")?;
        check((1..=MAX_RECORDS_PER_BUCKET).contains(&manifest.records_per_bucket), "records_per_bucket")?;
        check(manifest.record_bytes as usize == RECORD_BYTES, "record_bytes")?;
        check(manifest.salt_bytes().is_some_and(|s| s.len() >= 16), "salt")?;
        Ok(manifest)
    }

    /// The salt's bytes.
    pub fn salt_bytes(&self) -> Option<Vec<u8>> {
        hex::decode(&self.salt).ok()
    }

    /// The bytes of every bucket file.
    pub fn bucket_file_bytes(&self) -> u64 {
        u64::from(self.records_per_bucket) * u64::from(self.record_bytes)
    }
}

/// The file name of bucket `index`.
pub fn bucket_file_name(index: u32) -> String {
    format!("{index}.bin")
}
