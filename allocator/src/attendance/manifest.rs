//! The export's manifest, as the attendance import reads it back: which run
//! the lists came from, and each day list's fingerprint of appointments.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// What `allocator export` wrote to `manifest.json`, as far as it matters here.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    /// The run the lists were exported from.
    pub run_id: String,
    /// Whether that run was a trial.
    pub trial: bool,
    /// The run's input fingerprint.
    pub input_fingerprint: String,
    /// Every file exported.
    pub files: Vec<ManifestFile>,
    /// SHA-256 of the manifest file itself, as `allocator export` recorded it.
    #[serde(skip)]
    pub sha256: String,
}

/// One exported file.
#[derive(Debug, Clone, Deserialize)]
pub struct ManifestFile {
    /// Path in the export folder.
    pub path: String,
    /// SHA-256 of the file as exported.
    pub sha256: String,
    /// For a day list: the fingerprint of its appointments.
    #[serde(default)]
    pub list_sha256: Option<String>,
}

impl Manifest {
    /// Reads and parses one.
    pub fn read(path: &Path) -> Result<Manifest, String> {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
        let mut manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| format!("{} is not an export manifest: {e}", path.display()))?;
        manifest.sha256 = hex::encode(Sha256::digest(&bytes));
        Ok(manifest)
    }

    /// The day list exported under `file_name` (its last path part), if any.
    pub fn day_list(&self, file_name: &str) -> Option<&ManifestFile> {
        self.files.iter().find(|f| f.list_sha256.is_some() && f.path.rsplit('/').next() == Some(file_name))
    }
}

impl ManifestFile {
    /// The centre whose list this is: the file's name without the trial mark and extension.
    pub fn centre_id(&self) -> &str {
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        let name = name.strip_prefix("TRIAL-").unwrap_or(name);
        name.rsplit_once('.').map_or(name, |(stem, _)| stem)
    }
}

/// Where the manifest of a returned file is when none is named: in the
/// export folder the file sits in (its folder, or one or two above, as
/// `export/<state>/<centre>.csv` is laid out).
pub fn find_beside(file: &Path) -> Option<PathBuf> {
    let folder = file.parent()?;
    folder
        .ancestors()
        .take(3)
        .flat_map(|dir| ["manifest.json", "TRIAL-manifest.json"].map(|n| dir.join(n)))
        .find(|p| p.is_file())
}
