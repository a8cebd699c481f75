//! What is wrong with a returned day list, said so the operator can find it:
//! the file, the line (CSV) or sheet and row (workbook), and the field.

use std::fmt;

/// Where in a returned file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The file as a whole (its manifest, its name, its set of rows).
    File,
    /// A CSV line, 1-based as an editor shows it.
    Line(u64),
    /// A workbook row, 1-based as a spreadsheet shows it.
    Cell {
        /// The sheet's name.
        sheet: String,
        /// The row.
        row: u32,
    },
}

/// One reason a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file as named on the command line.
    pub file: String,
    /// Where in it.
    pub place: Place,
    /// The column, when the problem is one cell's.
    pub field: Option<&'static str>,
    /// What is wrong, and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match &self.place {
            Place::File => {}
            Place::Line(line) => write!(f, ": line {line}")?,
            Place::Cell { sheet, row } => write!(f, ": sheet {sheet:?} row {row}")?,
        }
        if let Some(field) = self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Collects the problems of one file.
#[derive(Debug)]
pub struct Problems {
    file: String,
    /// What was found, in reading order.
    pub found: Vec<Problem>,
}

impl Problems {
    /// No problem yet in `file`.
    pub fn new(file: &str) -> Problems {
        Problems { file: file.to_owned(), found: Vec::new() }
    }

    /// Notes one.
    pub fn add(&mut self, place: &Place, field: Option<&'static str>, message: impl Into<String>) {
        self.found.push(Problem { file: self.file.clone(), place: place.clone(), field, message: message.into() });
    }
}
