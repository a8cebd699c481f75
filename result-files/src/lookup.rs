//! Finding one result in the published files, as the page does: read the
//! manifest, derive, read one bucket, open the record whose tag matches.

use std::io::Read;
use std::path::Path;

use crate::derive::{Locator, Secret};
use crate::manifest::{self, Manifest, ManifestError};
use crate::record::{RECORD_BYTES, ResultRecord};

/// The largest manifest read.
const MANIFEST_LIMIT: u64 = 16 * 1024;

/// Why a lookup could not be answered (a wrong secret is not an error: it is `Ok(None)`).
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// A file could not be read.
    #[error("cannot read {file}: {source}")]
    Io {
        /// Which file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The manifest is not usable.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A bucket file's size is not the manifest's.
    #[error("bucket {0} does not have the size the manifest gives")]
    BucketSize(String),
}

/// Reads and checks `dir/manifest.json`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, LookupError> {
    let bytes = read_bounded(dir, manifest::FILE_NAME, MANIFEST_LIMIT)?;
    Ok(Manifest::parse(&bytes)?)
}

/// The result of `secret` in the publication in `dir`, or `None` when no
/// record opens with it (a wrong reference or a wrong birth date alike).
pub fn lookup(dir: &Path, secret: &Secret) -> Result<Option<ResultRecord>, LookupError> {
    let manifest = read_manifest(dir)?;
    let salt = manifest.salt_bytes().unwrap_or_default();
    let locator = Locator::derive(secret, &salt, manifest.iterations, manifest.buckets);
    find_in_bucket(dir, &manifest, &locator)
}

/// The record `locator` opens in its bucket, if any.
pub fn find_in_bucket(dir: &Path, manifest: &Manifest, locator: &Locator) -> Result<Option<ResultRecord>, LookupError> {
    // The name is made from a number below the bucket count: it names a
    // file in `dir` and nothing else.
    let name = manifest::bucket_file_name(locator.bucket);
    let expected = manifest.bucket_file_bytes();
    let bytes = read_bounded(dir, &name, expected)?;
    if bytes.len() as u64 != expected {
        return Err(LookupError::BucketSize(name));
    }
    Ok(bytes.chunks_exact(RECORD_BYTES).find_map(|record| ResultRecord::open(record, locator)))
}

/// At most `limit` bytes of `dir/name` (one more is read to tell a file
/// that is too long).
fn read_bounded(dir: &Path, name: &str, limit: u64) -> Result<Vec<u8>, LookupError> {
    let io = |source| LookupError::Io { file: name.to_owned(), source };
    let file = std::fs::File::open(dir.join(name)).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(if name == manifest::FILE_NAME {
            LookupError::Manifest(ManifestError::Bounds("size"))
        } else {
            LookupError::BucketSize(name.to_owned())
        });
    }
    Ok(bytes)
}
