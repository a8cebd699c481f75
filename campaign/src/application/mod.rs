//! An application: what one person submits, and the one way to make it valid.
//!
//! A [`RawApplication`] holds the strings as submitted. [`Application::parse`]
//! is the only way to get an [`Application`], and it reports every field's
//! problem at once, so code holding an `Application` never re-checks it.

mod choice;
mod contact;
mod identity;
mod problem;

use time::Date;

pub use choice::{ANY_DAY, DayPick, WeekChoice};
pub use contact::{Email, FullName, MobilePhone};
pub use identity::{IdType, Identity, MyKadNumber, PassportNumber};
pub use problem::{Field, FieldError, FieldErrors, Problem};

use crate::catalogue::Catalogue;
use crate::centre::CentreId;
use crate::dates::{age_on, parse_date};
use crate::lang::Lang;

/// The fields as submitted, before any checking. Adapters (form, JSON,
/// database rows) fill this in; see `data/README.md` for the field names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawApplication {
    /// `mykad` or `passport`.
    pub id_type: String,
    /// The document number.
    pub id_number: String,
    /// Full name as on the document.
    pub full_name: String,
    /// `YYYY-MM-DD`. Required for passports, and for MyKad when
    /// [`RawApplication::birth_date_required`]; otherwise a MyKad's `YYMMDD`
    /// gives it in the most recent century.
    pub birth_date: String,
    /// Set for submissions from the form, which asks every applicant for the
    /// date: the card alone cannot tell a centenarian from a child. API
    /// clients may leave it out.
    pub birth_date_required: bool,
    /// Malaysian mobile number.
    pub phone: String,
    /// Optional email address.
    pub email: String,
    /// `en` or `ms`; empty means English.
    pub lang: String,
    /// Centre id.
    pub centre: String,
    /// One entry per campaign week, in week order: a date or `any`.
    pub weeks: Vec<String>,
    /// `None` when the field was not sent: the default is yes.
    pub accept_other_dates: Option<bool>,
    /// Consent to the processing of the data.
    pub consent: bool,
}

/// A valid application: every field parsed and cross-checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The identity document (unique across applications).
    pub identity: Identity,
    /// Date of birth: as given, or for a MyKad without one, read from its `YYMMDD`.
    pub birth_date: Date,
    /// Full name.
    pub full_name: FullName,
    /// Mobile phone for the SMS.
    pub phone: MobilePhone,
    /// Optional email.
    pub email: Option<Email>,
    /// The language of every message the applicant gets.
    pub lang: Lang,
    /// The chosen centre.
    pub centre: CentreId,
    /// One choice per campaign week, in week order.
    pub choices: Vec<WeekChoice>,
    /// Whether another open date at the centre is acceptable when all choices are full.
    pub accept_other_dates: bool,
}

impl Application {
    /// Checks every field of `raw` against the campaign; all problems at once.
    pub fn parse(raw: &RawApplication, catalogue: &Catalogue) -> Result<Application, FieldErrors> {
        let mut errors = FieldErrors::default();
        let campaign = catalogue.campaign();
        let (minimum_age, on) = (campaign.minimum_age(), campaign.age_reference_date());
        let id_type = keep(&mut errors, Field::IdType, IdType::parse(&raw.id_type));
        let stated_birth = match raw.birth_date.trim() {
            "" => None,
            text => keep(&mut errors, Field::BirthDate, parse_date(text).ok_or(Problem::BirthDateShape)),
        };
        let (identity, birth_date) = match id_type {
            Some(IdType::MyKad) => {
                let number = keep(&mut errors, Field::IdNumber, MyKadNumber::parse(&raw.id_number));
                let born = match (&number, stated_birth) {
                    (Some(number), Some(stated)) => match number.check_birth_date(stated) {
                        Ok(()) => keep(&mut errors, Field::BirthDate, check_age(stated, minimum_age, on)),
                        Err(Problem::MyKadBirthDate) => {
                            keep(&mut errors, Field::IdNumber, Err(Problem::MyKadBirthDate))
                        }
                        Err(mismatch) => keep(&mut errors, Field::BirthDate, Err(mismatch)),
                    },
                    (Some(number), None) if raw.birth_date.trim().is_empty() && raw.birth_date_required => {
                        keep(&mut errors, Field::IdNumber, number.birth_date_without_century(on));
                        keep(&mut errors, Field::BirthDate, Err::<(), _>(Problem::BirthDateMissing));
                        None
                    }
                    (Some(number), None) if raw.birth_date.trim().is_empty() => keep(
                        &mut errors,
                        Field::IdNumber,
                        number.birth_date_without_century(on).and_then(|d| check_age(d, minimum_age, on)),
                    ),
                    _ => None,
                };
                (number.map(Identity::MyKad), born)
            }
            Some(IdType::Passport) => {
                let number = keep(&mut errors, Field::IdNumber, PassportNumber::parse(&raw.id_number));
                if let (Some(number), Some(stated)) = (&number, stated_birth) {
                    keep(&mut errors, Field::IdNumber, number.check_not_mykad(stated));
                }
                if raw.birth_date.trim().is_empty() {
                    keep(&mut errors, Field::BirthDate, Err::<(), _>(Problem::BirthDateMissing));
                }
                let born =
                    stated_birth.and_then(|d| keep(&mut errors, Field::BirthDate, check_age(d, minimum_age, on)));
                (number.map(Identity::Passport), born)
            }
            None => (None, None),
        };
        let full_name = keep(&mut errors, Field::FullName, FullName::parse(&raw.full_name));
        let phone = keep(&mut errors, Field::Phone, MobilePhone::parse(&raw.phone));
        let email = keep(&mut errors, Field::Email, Email::parse_optional(&raw.email));
        let lang = match raw.lang.trim() {
            "" => Some(Lang::En),
            code => keep(&mut errors, Field::Lang, code.parse::<Lang>().map_err(|_| Problem::LangUnknown)),
        };
        let centre = match raw.centre.trim() {
            "" => keep(&mut errors, Field::Centre, Err(Problem::CentreMissing)),
            id => keep(
                &mut errors,
                Field::Centre,
                catalogue.centre(&id.to_ascii_uppercase()).ok_or(Problem::CentreUnknown),
            ),
        };
        let choices: Vec<Option<WeekChoice>> = campaign
            .weeks()
            .map(|week| {
                let text = raw.weeks.get(week.index()).map(String::as_str).unwrap_or("");
                keep(&mut errors, Field::Week(week), WeekChoice::parse(text, week, centre, catalogue))
            })
            .collect();
        if !raw.consent {
            keep(&mut errors, Field::Consent, Err::<(), _>(Problem::ConsentMissing));
        }

        match (identity, birth_date, full_name, phone, email, lang, centre) {
            (Some(identity), Some(birth_date), Some(full_name), Some(phone), Some(email), Some(lang), Some(centre))
                if errors.is_empty() =>
            {
                Ok(Application {
                    identity,
                    birth_date,
                    full_name,
                    phone,
                    email,
                    lang,
                    centre: centre.id.clone(),
                    choices: choices.into_iter().flatten().collect(),
                    accept_other_dates: raw.accept_other_dates.unwrap_or(true),
                })
            }
            _ => Err(errors),
        }
    }

    /// The application as the raw fields it would be submitted with; parsing
    /// it again gives back the same application.
    pub fn to_raw(&self) -> RawApplication {
        RawApplication {
            id_type: self.identity.id_type().code().to_owned(),
            id_number: self.identity.number().to_owned(),
            full_name: self.full_name.as_str().to_owned(),
            birth_date: crate::dates::format_date(self.birth_date),
            birth_date_required: false,
            phone: self.phone.e164().to_owned(),
            email: self.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
            lang: self.lang.code().to_owned(),
            centre: self.centre.as_str().to_owned(),
            weeks: self.choices.iter().map(|c| c.pick.to_string()).collect(),
            accept_other_dates: Some(self.accept_other_dates),
            consent: true,
        }
    }
}

/// The value of a field, or `None` with its problem recorded.
fn keep<T>(errors: &mut FieldErrors, field: Field, result: Result<T, Problem>) -> Option<T> {
    result.map_err(|p| errors.add(field, p)).ok()
}

fn check_age(born: Date, minimum_age: u8, on: Date) -> Result<Date, Problem> {
    let age = age_on(born, on);
    if age < i32::from(minimum_age) {
        Err(Problem::TooYoung { minimum_age, on })
    } else if age > crate::calendar::MAXIMUM_AGE {
        Err(Problem::TooOld)
    } else {
        Ok(born)
    }
}

#[cfg(test)]
mod tests;
