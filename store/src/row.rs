//! An application as stored: the parsed application plus its reference and time.

use campaign::application::{ANY_DAY, DayPick, IdType};
use campaign::{Application, Lang, RawApplication};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

/// One row of the `applications` table, in typed values: text exists only
/// inside each backend's mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    /// The applicant's reference.
    pub reference: String,
    /// The kind of identity document.
    pub id_type: IdType,
    /// Normalised document number.
    pub id_number: String,
    /// Normalised full name.
    pub full_name: String,
    /// Birth date.
    pub birth_date: Date,
    /// E.164 phone.
    pub phone: String,
    /// Optional email.
    pub email: Option<String>,
    /// The language of every message the applicant gets.
    pub lang: Lang,
    /// Centre id.
    pub centre_id: String,
    /// One pick per campaign week, in week order.
    pub choices: Vec<DayPick>,
    /// Whether another date at the centre is acceptable.
    pub accept_other_dates: bool,
    /// SHA-256 (hex) of the normalised application, without reference or time.
    pub fingerprint: String,
    /// When intake accepted it (audit only).
    pub submitted_at: OffsetDateTime,
}

impl ApplicationRow {
    /// The row for a valid application.
    pub fn new(app: &Application, reference: String, submitted_at: OffsetDateTime) -> ApplicationRow {
        let mut row = ApplicationRow {
            reference,
            id_type: app.identity.id_type(),
            id_number: app.identity.number().to_owned(),
            full_name: app.full_name.as_str().to_owned(),
            birth_date: app.birth_date,
            phone: app.phone.e164().to_owned(),
            email: app.email.as_ref().map(|e| e.as_str().to_owned()),
            lang: app.lang,
            centre_id: app.centre.as_str().to_owned(),
            choices: app.choices.iter().map(|c| c.pick).collect(),
            accept_other_dates: app.accept_other_dates,
            fingerprint: String::new(),
            submitted_at,
        };
        row.fingerprint = row.compute_fingerprint();
        row
    }

    /// The fields as submitted, for parsing back into an [`Application`]
    /// (the allocator re-checks every stored row against the campaign).
    pub fn to_raw(&self) -> RawApplication {
        RawApplication {
            id_type: self.id_type.code().to_owned(),
            id_number: self.id_number.clone(),
            full_name: self.full_name.clone(),
            birth_date: campaign::dates::format_date(self.birth_date),
            birth_date_required: false,
            phone: self.phone.clone(),
            email: self.email.clone().unwrap_or_default(),
            lang: self.lang.code().to_owned(),
            centre: self.centre_id.clone(),
            weeks: self.choices.iter().map(DayPick::to_string).collect(),
            accept_other_dates: Some(self.accept_other_dates),
            consent: true,
        }
    }

    /// Every field that makes the application what it is, unambiguously
    /// joined (unit separator), hashed. Reference and time are left out so a
    /// retry of the same application has the same fingerprint.
    fn compute_fingerprint(&self) -> String {
        let birth = campaign::dates::format_date(self.birth_date);
        let accept = if self.accept_other_dates { "1" } else { "0" };
        let email = self.email.as_deref().unwrap_or("");
        let choices = choices_to_text(&self.choices);
        let fields = [
            self.id_type.code(),
            &self.id_number,
            &self.full_name,
            &birth,
            &self.phone,
            email,
            self.lang.code(),
            &self.centre_id,
            &choices,
            accept,
        ];
        let mut hasher = Sha256::new();
        for field in fields {
            hasher.update(field.as_bytes());
            hasher.update([0x1f]);
        }
        hex::encode(hasher.finalize())
    }
}

/// Week picks as stored: `YYYY-MM-DD` or `any`, comma-separated, in week order.
pub(crate) fn choices_to_text(choices: &[DayPick]) -> String {
    let mut text = String::with_capacity(choices.len() * 11);
    for (n, pick) in choices.iter().enumerate() {
        if n > 0 {
            text.push(',');
        }
        match pick {
            DayPick::Date(d) => text.push_str(&campaign::dates::format_date(*d)),
            DayPick::AnyDay => text.push_str(ANY_DAY),
        }
    }
    text
}

/// The inverse of [`choices_to_text`]; `None` when a pick is neither a date nor `any`.
pub(crate) fn choices_from_text(text: &str) -> Option<Vec<DayPick>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|pick| match pick {
            ANY_DAY => Some(DayPick::AnyDay),
            date => campaign::dates::parse_date(date).map(DayPick::Date),
        })
        .collect()
}

/// What happened to one row of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    /// Stored now, under the row's reference.
    Inserted,
    /// The same application was stored before (a retry): here is its reference.
    AlreadyStored {
        /// The reference it was stored under.
        reference: String,
    },
    /// A different application for the same identity document is stored.
    IdentityTaken,
    /// The random reference was already in use; nothing was stored. Retry with another.
    ReferenceTaken,
}

#[cfg(test)]
mod tests {
    use super::{choices_from_text, choices_to_text};
    use campaign::application::DayPick;
    use time::macros::date;

    #[test]
    fn stored_choices_round_trip_and_bad_text_is_refused() {
        let picks = vec![DayPick::Date(date!(2028 - 01 - 11)), DayPick::AnyDay, DayPick::Date(date!(2028 - 01 - 20))];
        let text = choices_to_text(&picks);
        assert_eq!(text, "2028-01-11,any,2028-01-20");
        assert_eq!(choices_from_text(&text), Some(picks));
        assert_eq!(choices_from_text(""), Some(vec![]));
        for bad in ["2028-13-01", "any,", "ANY", "2028-01-11;any"] {
            assert_eq!(choices_from_text(bad), None, "{bad:?}");
        }
    }
}
