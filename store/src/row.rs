//! An application as stored: the parsed application plus its reference and time.

use campaign::application::{DayPick, WeekChoice};
use campaign::{Application, RawApplication};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

/// One row of the `applications` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    /// The applicant's reference.
    pub reference: String,
    /// `mykad` or `passport`.
    pub id_type: String,
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
    /// `en` or `ms`.
    pub lang: String,
    /// Centre id.
    pub centre_id: String,
    /// Week choices in week order, comma-separated (`2028-01-11,any,...`).
    pub choices: String,
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
        let choices = choices_to_text(&app.choices);
        let mut row = ApplicationRow {
            reference,
            id_type: app.identity.id_type().code().to_owned(),
            id_number: app.identity.number().to_owned(),
            full_name: app.full_name.as_str().to_owned(),
            birth_date: app.birth_date,
            phone: app.phone.e164().to_owned(),
            email: app.email.as_ref().map(|e| e.as_str().to_owned()),
            lang: app.lang.code().to_owned(),
            centre_id: app.centre.as_str().to_owned(),
            choices,
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
            id_type: self.id_type.clone(),
            id_number: self.id_number.clone(),
            full_name: self.full_name.clone(),
            birth_date: campaign::dates::format_date(self.birth_date),
            birth_date_required: false,
            phone: self.phone.clone(),
            email: self.email.clone().unwrap_or_default(),
            lang: self.lang.clone(),
            centre: self.centre_id.clone(),
            weeks: self.choices.split(',').map(str::to_owned).collect(),
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
        let fields = [
            self.id_type.as_str(),
            &self.id_number,
            &self.full_name,
            &birth,
            &self.phone,
            email,
            &self.lang,
            &self.centre_id,
            &self.choices,
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

/// Week choices as stored: `YYYY-MM-DD` or `any`, comma-separated, in week order.
pub fn choices_to_text(choices: &[WeekChoice]) -> String {
    choices
        .iter()
        .map(|c| match c.pick {
            DayPick::Date(d) => campaign::dates::format_date(d),
            DayPick::AnyDay => campaign::application::ANY_DAY.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
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
