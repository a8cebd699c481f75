//! Changes and withdrawals of a stored application, by the person who made
//! it: proven by the identity document (and, for a change, the birth date)
//! the application was made with.

use time::OffsetDateTime;

use crate::ApplicationRow;

/// The columns of a version, in `applications` and `application_history`
/// alike, on both backends: a version is copied into the history by name.
const VERSION_COLUMNS: &str = "reference, version, id_type, id_number, full_name, birth_date, phone, \
     email, lang, centre_id, choices, accept_other_dates, fingerprint, submitted_at, changed_at, changed_via";

/// The statement that copies an application's current version into the
/// history, one text for both backends but for `mark`, the backend's
/// parameter prefix (`?` or `$`). Its parameters: the reference, how the
/// version ended (`changed` or `withdrawn`), when, and through which channel.
pub(crate) fn keep_version_sql(mark: char) -> String {
    format!(
        "INSERT INTO application_history ({VERSION_COLUMNS}, ended_by, ended_at, ended_via) \
         SELECT {VERSION_COLUMNS}, {mark}2, {mark}3, {mark}4 FROM applications WHERE reference = {mark}1"
    )
}

/// Where a change or withdrawal came from, kept in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The site's form without JavaScript (a form post).
    Form,
    /// JSON: the form's script or another client of the API.
    Api,
}

impl Channel {
    /// The stored form.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Form => "form",
            Channel::Api => "api",
        }
    }

    /// The stored form read back.
    pub fn parse(code: &str) -> Option<Channel> {
        match code {
            "form" => Some(Channel::Form),
            "api" => Some(Channel::Api),
            _ => None,
        }
    }
}

/// One change or withdrawal, as intake's writer commits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amendment {
    /// Replace the application's fields with `row`'s (its reference is the
    /// one changed). Refused unless `row`'s identity document and birth
    /// date are the stored ones.
    Change {
        /// The new version, under the reference it changes.
        row: ApplicationRow,
        /// When intake took it.
        at: OffsetDateTime,
        /// Where it came from.
        via: Channel,
    },
    /// Withdraw the application; refused unless `id_number` (normalised)
    /// is the stored one.
    Withdraw {
        /// The application.
        reference: String,
        /// The identity number that proves who asks.
        id_number: String,
        /// When intake took it.
        at: OffsetDateTime,
        /// Where it came from.
        via: Channel,
    },
    /// Give back the appointment after allocation; refused unless the
    /// identity number is the stored one.
    Decline(crate::Decline),
}

/// What happened to one amendment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmendOutcome {
    /// Changed: this is now the current version.
    Changed {
        /// The new version's number (the first submission is 1).
        version: u32,
    },
    /// The stored version already says exactly this (a retry): nothing written.
    Unchanged,
    /// Withdrawn now.
    Withdrawn,
    /// Withdrawn before, with the same identity (a retry): nothing written.
    AlreadyWithdrawn,
    /// A decline's outcome (see [`crate::DeclineOutcome`]).
    Decline(crate::DeclineOutcome),
    /// No application has this reference, or its identity is another's:
    /// the two are answered alike, so neither can be told from the other.
    NotFound,
}

/// How many changes and withdrawals are kept, for the audit report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryCounts {
    /// Versions replaced by a change.
    pub changes: u64,
    /// Applications withdrawn.
    pub withdrawals: u64,
}
