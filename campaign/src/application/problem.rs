//! What can be wrong with each field of an application, and how it is said.

use std::collections::BTreeMap;
use std::fmt;

use time::Date;

use crate::calendar::CampaignWeek;
use crate::lang::Lang;
use crate::messages::Messages;

/// A field of the application form, in form order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `id_type`.
    IdType,
    /// `id_number`.
    IdNumber,
    /// `birth_date`.
    BirthDate,
    /// `full_name`.
    FullName,
    /// `phone`.
    Phone,
    /// `email`.
    Email,
    /// `lang`.
    Lang,
    /// `centre`.
    Centre,
    /// `week1` ... `weekN`.
    Week(CampaignWeek),
    /// `consent`.
    Consent,
}

impl fmt::Display for Field {
    /// The field's name in forms, JSON and the `errors` object of responses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::IdType => f.write_str("id_type"),
            Field::IdNumber => f.write_str("id_number"),
            Field::BirthDate => f.write_str("birth_date"),
            Field::FullName => f.write_str("full_name"),
            Field::Phone => f.write_str("phone"),
            Field::Email => f.write_str("email"),
            Field::Lang => f.write_str("lang"),
            Field::Centre => f.write_str("centre"),
            Field::Week(w) => write!(f, "week{}", w.number()),
            Field::Consent => f.write_str("consent"),
        }
    }
}

/// One thing wrong with one field. Each variant has one message per language,
/// under `error.<key>` in the catalogues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// No identity document type chosen.
    IdTypeMissing,
    /// An identity document type other than MyKad or passport.
    IdTypeUnknown,
    /// No identity number.
    IdNumberMissing,
    /// A MyKad number that is not 12 digits.
    MyKadShape,
    /// A MyKad whose first six digits are no calendar date.
    MyKadBirthDate,
    /// A passport number that is not 5-20 letters and digits.
    PassportShape,
    /// A "passport" number that is the holder's own MyKad number.
    PassportIsMyKad,
    /// No birth date: the form asks everyone, and passport holders have no other way to give it.
    BirthDateMissing,
    /// A birth date not written `YYYY-MM-DD` or not a real date.
    BirthDateShape,
    /// The birth date is not the one the MyKad number's first six digits encode.
    BirthDateMismatch {
        /// The MyKad number's first six digits.
        yymmdd: String,
    },
    /// Younger than the campaign's minimum age on its reference date.
    TooYoung {
        /// The campaign's minimum age.
        minimum_age: u8,
        /// The date ages are computed at.
        on: Date,
    },
    /// Older than anyone alive: a typo in the year.
    TooOld,
    /// No name.
    NameMissing,
    /// More characters than the name field takes.
    NameTooLong {
        /// The limit.
        max: usize,
    },
    /// A character that does not belong in a name.
    NameCharacter {
        /// The character, as the person typed it.
        found: char,
    },
    /// An invisible or direction-changing character, usually pasted in with the name.
    NameInvisible {
        /// The character, shown by its code point since it cannot be seen.
        found: char,
    },
    /// Punctuation only: no letter in any script.
    NameNoLetter,
    /// No phone number.
    PhoneMissing,
    /// Not a Malaysian mobile number.
    PhoneShape,
    /// An email address that cannot be one.
    EmailShape,
    /// A language other than `en` and `ms`.
    LangUnknown,
    /// No centre chosen.
    CentreMissing,
    /// A centre id that is not in the catalogue.
    CentreUnknown,
    /// No choice for a campaign week.
    WeekMissing {
        /// The week.
        week: CampaignWeek,
    },
    /// A week's choice that is neither a date nor `any`.
    WeekShape {
        /// The week.
        week: CampaignWeek,
    },
    /// A date outside the week it was given for.
    WeekDateOutside {
        /// The week.
        week: CampaignWeek,
        /// The week's first day.
        from: Date,
        /// The week's last day.
        to: Date,
    },
    /// A date on which the chosen centre is closed.
    WeekDateClosed {
        /// The week.
        week: CampaignWeek,
        /// The date chosen.
        date: Date,
    },
    /// Consent to data processing not given.
    ConsentMissing,
}

impl Problem {
    /// The message key under `error.` in the catalogues.
    pub fn key(&self) -> &'static str {
        match self {
            Problem::IdTypeMissing => "id_type_missing",
            Problem::IdTypeUnknown => "id_type_unknown",
            Problem::IdNumberMissing => "id_number_missing",
            Problem::MyKadShape => "mykad_shape",
            Problem::MyKadBirthDate => "mykad_birth_date",
            Problem::PassportShape => "passport_shape",
            Problem::PassportIsMyKad => "passport_is_mykad",
            Problem::BirthDateMissing => "birth_date_missing",
            Problem::BirthDateShape => "birth_date_shape",
            Problem::BirthDateMismatch { .. } => "birth_date_mismatch",
            Problem::TooYoung { .. } => "too_young",
            Problem::TooOld => "too_old",
            Problem::NameMissing => "name_missing",
            Problem::NameTooLong { .. } => "name_too_long",
            Problem::NameCharacter { .. } => "name_character",
            Problem::NameInvisible { .. } => "name_invisible",
            Problem::NameNoLetter => "name_no_letter",
            Problem::PhoneMissing => "phone_missing",
            Problem::PhoneShape => "phone_shape",
            Problem::EmailShape => "email_shape",
            Problem::LangUnknown => "lang_unknown",
            Problem::CentreMissing => "centre_missing",
            Problem::CentreUnknown => "centre_unknown",
            Problem::WeekMissing { .. } => "week_missing",
            Problem::WeekShape { .. } => "week_shape",
            Problem::WeekDateOutside { .. } => "week_date_outside",
            Problem::WeekDateClosed { .. } => "week_date_closed",
            Problem::ConsentMissing => "consent_missing",
        }
    }

    /// The message in `lang`, placeholders filled.
    pub fn message(&self, lang: Lang) -> String {
        let m = Messages::of(lang);
        let key = format!("error.{}", self.key());
        let date = |d: &Date| m.date(*d);
        match self {
            Problem::BirthDateMismatch { yymmdd } => m.render(&key, &[("yymmdd", yymmdd)]),
            Problem::TooYoung { minimum_age, on } => {
                m.render(&key, &[("minimum_age", &minimum_age.to_string()), ("date", &date(on))])
            }
            Problem::NameTooLong { max } => m.render(&key, &[("max", &max.to_string())]),
            Problem::NameCharacter { found } => m.render(&key, &[("character", &found.to_string())]),
            Problem::NameInvisible { found } => m.render(&key, &[("code", &format!("U+{:04X}", u32::from(*found)))]),
            Problem::WeekMissing { week } | Problem::WeekShape { week } => {
                m.render(&key, &[("week", &week.to_string())])
            }
            Problem::WeekDateOutside { week, from, to } => {
                m.render(&key, &[("week", &week.to_string()), ("from", &date(from)), ("to", &date(to))])
            }
            Problem::WeekDateClosed { week, date: d } => {
                m.render(&key, &[("week", &week.to_string()), ("date", &date(d))])
            }
            _ => m.text(&key).to_owned(),
        }
    }
}

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field at fault.
    pub field: Field,
    /// What is wrong with it.
    pub problem: Problem,
}

/// Every field error of one submission, at most one per field, in form order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<Field, Problem>);

impl FieldErrors {
    /// Records a problem unless the field already has one (the first is the most basic).
    pub fn add(&mut self, field: Field, problem: Problem) {
        self.0.entry(field).or_insert(problem);
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields are wrong.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The problem with `field`, if any.
    pub fn get(&self, field: Field) -> Option<&Problem> {
        self.0.get(&field)
    }

    /// Each error in form order.
    pub fn iter(&self) -> impl Iterator<Item = FieldError> + '_ {
        self.0.iter().map(|(field, problem)| FieldError { field: *field, problem: problem.clone() })
    }

    /// Field name and message pairs in `lang`, in form order.
    pub fn messages(&self, lang: Lang) -> Vec<(String, String)> {
        self.0.iter().map(|(f, p)| (f.to_string(), p.message(lang))).collect()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, message)) in self.messages(Lang::En).into_iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{field}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}
