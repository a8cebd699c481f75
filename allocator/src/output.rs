//! Files that hold personal data are created readable by their owner only.

use std::fs::File;
use std::path::Path;

use anyhow::Context;

/// Creates (or truncates) `path` with owner-only permissions (0600 on Unix).
pub fn private_file(path: &Path) -> anyhow::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    // An existing file keeps its old mode on open: set it explicitly.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    Ok(file)
}

/// The name to write `relative` under for a run: a trial run's files are
/// named `TRIAL-...`, so none is sent or handed over as the real allocation
/// by mistake (a gateway or a centre looking for `confirmations.csv` or
/// `SGR-0012.csv` does not find them).
pub fn run_file_name(trial: bool, relative: &str) -> String {
    if !trial {
        return relative.to_owned();
    }
    match relative.rsplit_once('/') {
        Some((folder, name)) => format!("{folder}/TRIAL-{name}"),
        None => format!("TRIAL-{relative}"),
    }
}

#[cfg(test)]
mod tests {
    use super::run_file_name;

    #[test]
    fn only_a_trial_run_marks_its_file_names() {
        assert_eq!(run_file_name(false, "sgr/SGR-0001.csv"), "sgr/SGR-0001.csv");
        assert_eq!(run_file_name(true, "sgr/SGR-0001.csv"), "sgr/TRIAL-SGR-0001.csv");
        assert_eq!(run_file_name(true, "manifest.json"), "TRIAL-manifest.json");
    }
}
