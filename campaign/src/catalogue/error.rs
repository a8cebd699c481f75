//! What is wrong with a campaign's data files, said so an operator can fix it.

use std::fmt;
use std::path::PathBuf;

/// One problem in one file, at a line and field where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, when the problem belongs to one.
    pub line: Option<u64>,
    /// The column or key at fault, when the problem belongs to one.
    pub field: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found while loading a campaign (loading does not stop at the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The problems, in file and line order.
    pub problems: Vec<LoadProblem>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(f, "the campaign data has {n} problem{}:", if n == 1 { "" } else { "s" })?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i == MAX_LISTED {
                return write!(f, "  ... and {} more", n - MAX_LISTED);
            }
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// Enough to fix a typo without burying the terminal under a broken file.
const MAX_LISTED: usize = 50;

/// Collects problems for one file.
#[derive(Debug)]
pub(crate) struct Problems<'a> {
    pub(crate) file: &'a std::path::Path,
    pub(crate) found: &'a mut Vec<LoadProblem>,
}

impl Problems<'_> {
    pub(crate) fn at(&mut self, line: Option<u64>, field: Option<&str>, message: impl Into<String>) {
        self.found.push(LoadProblem {
            file: self.file.to_path_buf(),
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        });
    }

    pub(crate) fn whole_file(&mut self, message: impl Into<String>) {
        self.at(None, None, message);
    }
}
