//! Which of an applicant's choices an appointment met.

use std::fmt;
use std::str::FromStr;

/// Which choice an allocation met: the allocator decides it, the store
/// keeps it, the reports and exports count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChoiceMet {
    /// The choice for this week (1-based).
    Week(u8),
    /// Another open day at the centre.
    Other,
}

impl fmt::Display for ChoiceMet {
    /// `week1` ... `weekN` or `other`, the form in storage and exports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChoiceMet::Week(k) => write!(f, "week{k}"),
            ChoiceMet::Other => f.write_str("other"),
        }
    }
}

/// Text that is neither `weekN` (N from 1) nor `other`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a choice: {0:?} (weekN or other)")]
pub struct NotAChoice(pub String);

impl FromStr for ChoiceMet {
    type Err = NotAChoice;

    fn from_str(s: &str) -> Result<ChoiceMet, NotAChoice> {
        if s == "other" {
            return Ok(ChoiceMet::Other);
        }
        s.strip_prefix("week")
            .filter(|n| !n.starts_with(['0', '+']))
            .and_then(|n| n.parse::<u8>().ok())
            .map(ChoiceMet::Week)
            .ok_or_else(|| NotAChoice(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::ChoiceMet;

    #[test]
    fn the_stored_form_round_trips_and_nothing_else_reads() {
        for met in [ChoiceMet::Week(1), ChoiceMet::Week(12), ChoiceMet::Other] {
            assert_eq!(met.to_string().parse::<ChoiceMet>(), Ok(met));
        }
        for bad in ["week0", "week", "week+1", "Other", "none", "week256", ""] {
            assert!(bad.parse::<ChoiceMet>().is_err(), "{bad:?} read as a choice");
        }
    }
}
