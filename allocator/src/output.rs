//! What every file the allocator writes shares: files that hold personal
//! data are created readable by their owner only, and no CSV cell runs as a
//! formula when the file is opened in a spreadsheet.

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

/// Makes a cell safe to open in a spreadsheet without running anything: one
/// that starts with `=`, `+`, `-`, `@`, tab or carriage return is written with
/// a leading apostrophe, per OWASP's CSV-injection advice. A plain number such
/// as an E.164 phone (`+60123456789`) runs nothing and stays as it is, so a
/// gateway reading the file gets it unchanged.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let plain_number = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    match cell.chars().next() {
        Some('+' | '-') if plain_number(&cell[1..]) => cell.into(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{neutralise, run_file_name};

    #[test]
    fn only_a_trial_run_marks_its_file_names() {
        assert_eq!(run_file_name(false, "sgr/SGR-0001.csv"), "sgr/SGR-0001.csv");
        assert_eq!(run_file_name(true, "sgr/SGR-0001.csv"), "sgr/TRIAL-SGR-0001.csv");
        assert_eq!(run_file_name(true, "manifest.json"), "TRIAL-manifest.json");
    }

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        for formula in ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "+", "-", "+60-12"] {
            assert_eq!(neutralise(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["+60123456789", "-5", "siti@example.my", "Ahmad bin Ali @ Abu", "", "012-345 6789"] {
            assert_eq!(neutralise(plain), plain, "{plain:?}");
        }
    }
}
