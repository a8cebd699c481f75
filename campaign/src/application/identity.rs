//! Identity documents: MyKad numbers (which carry the birth date) and passports.

use std::fmt;

use time::{Date, Month};

use super::problem::Problem;

/// The kind of identity document, as sent in `id_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdType {
    /// Malaysian identity card (12 digits, `YYMMDD-PB-###G`).
    MyKad,
    /// A passport of any country.
    Passport,
}

impl IdType {
    /// The value in forms, JSON and storage.
    pub fn code(self) -> &'static str {
        match self {
            IdType::MyKad => "mykad",
            IdType::Passport => "passport",
        }
    }

    /// Reads `id_type`.
    pub fn parse(text: &str) -> Result<IdType, Problem> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" => Err(Problem::IdTypeMissing),
            "mykad" => Ok(IdType::MyKad),
            "passport" => Ok(IdType::Passport),
            _ => Err(Problem::IdTypeUnknown),
        }
    }
}

/// A 12-digit MyKad number, without separators.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MyKadNumber(String);

impl MyKadNumber {
    /// Accepts 12 digits with any spaces and dashes (`900101-14-5678`).
    pub fn parse(text: &str) -> Result<MyKadNumber, Problem> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.is_empty() {
            return Err(Problem::IdNumberMissing);
        }
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Problem::MyKadShape);
        }
        Ok(MyKadNumber(digits))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As printed on the card: `YYMMDD-PB-###G`.
    pub fn formatted(&self) -> String {
        format!("{}-{}-{}", &self.0[..6], &self.0[6..8], &self.0[8..])
    }

    /// The birth date, month and day the first six digits (`YYMMDD`) encode,
    /// or [`Problem::MyKadBirthDate`] when they are no month and day of any year.
    fn encoded_birth(&self) -> Result<(i32, Month, u8), Problem> {
        let field = |range: std::ops::Range<usize>| self.0[range].parse::<u8>().unwrap_or(0);
        let (yy, mm, dd) = (i32::from(field(0..2)), field(2..4), field(4..6));
        let month = Month::try_from(mm).map_err(|_| Problem::MyKadBirthDate)?;
        // 29 February exists in leap years only; 2000 is one.
        Date::from_calendar_date(2000, month, dd).map_err(|_| Problem::MyKadBirthDate)?;
        Ok((yy, month, dd))
    }

    /// Checks that the first six digits are `born` as `YYMMDD`: the full date
    /// is what places the holder in the queue, the card only confirms it.
    pub fn check_birth_date(&self, born: Date) -> Result<(), Problem> {
        let (yy, month, day) = self.encoded_birth()?;
        if (born.year().rem_euclid(100), born.month(), born.day()) == (yy, month, day) {
            Ok(())
        } else {
            Err(Problem::BirthDateMismatch { yymmdd: self.0[..6].to_owned() })
        }
    }

    /// The birth date when only the card's `YYMMDD` is known: the most
    /// recent century that does not put the birth after `on`.
    ///
    /// The card does not say the century, so this never guesses an older one:
    /// the holder comes out younger than 100, and a real centenarian must give
    /// their full date of birth to be placed first in the queue.
    pub fn birth_date_without_century(&self, on: Date) -> Result<Date, Problem> {
        let (yy, month, day) = self.encoded_birth()?;
        let mut year = on.year() - (on.year() - yy).rem_euclid(100);
        if year == on.year() && (u8::from(month), day) > (u8::from(on.month()), on.day()) {
            year -= 100;
        }
        Date::from_calendar_date(year, month, day).map_err(|_| Problem::MyKadBirthDate)
    }
}

/// A passport number: 5 to 20 letters and digits, upper-cased, separators removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Accepts letters and digits with any spaces and dashes.
    pub fn parse(text: &str) -> Result<PassportNumber, Problem> {
        let cleaned: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
        if cleaned.is_empty() {
            return Err(Problem::IdNumberMissing);
        }
        if !(5..=20).contains(&cleaned.len()) || !cleaned.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Problem::PassportShape);
        }
        Ok(PassportNumber(cleaned))
    }

    /// Refuses a number that is exactly the holder's MyKad (12 digits
    /// starting with `born` as `YYMMDD`): the same person must not hold two
    /// applications by choosing the other document type.
    pub fn check_not_mykad(&self, born: Date) -> Result<(), Problem> {
        match MyKadNumber::parse(&self.0) {
            Ok(mykad) if mykad.check_birth_date(born).is_ok() => Err(Problem::PassportIsMyKad),
            _ => Ok(()),
        }
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The identity document of an applicant: unique across all applications.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A MyKad.
    MyKad(MyKadNumber),
    /// A passport.
    Passport(PassportNumber),
}

impl Identity {
    /// The document type.
    pub fn id_type(&self) -> IdType {
        match self {
            Identity::MyKad(_) => IdType::MyKad,
            Identity::Passport(_) => IdType::Passport,
        }
    }

    /// The normalised number, as stored.
    pub fn number(&self) -> &str {
        match self {
            Identity::MyKad(n) => n.as_str(),
            Identity::Passport(n) => n.as_str(),
        }
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.id_type().code(), self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const ON: Date = date!(2028 - 01 - 10);

    fn guessed(mykad: &str) -> Result<Date, Problem> {
        MyKadNumber::parse(mykad).and_then(|n| n.birth_date_without_century(ON))
    }

    fn checked(mykad: &str, born: Date) -> Result<(), Problem> {
        MyKadNumber::parse(mykad).and_then(|n| n.check_birth_date(born))
    }

    #[test]
    fn mykad_numbers_normalise() {
        let n = MyKadNumber::parse(" 900101-14 5678 ").expect("valid");
        assert_eq!(n.as_str(), "900101145678");
        assert_eq!(n.formatted(), "900101-14-5678");
        assert_eq!(MyKadNumber::parse(""), Err(Problem::IdNumberMissing));
        assert_eq!(MyKadNumber::parse("90010114567"), Err(Problem::MyKadShape));
        assert_eq!(MyKadNumber::parse("90010114567X"), Err(Problem::MyKadShape));
        assert_eq!(MyKadNumber::parse("９00101145678"), Err(Problem::MyKadShape), "full-width digits");
    }

    #[test]
    fn a_stated_birth_date_must_match_the_first_six_digits() {
        assert_eq!(checked("120314105127", date!(2012 - 03 - 14)), Ok(()));
        assert_eq!(checked("120314105127", date!(1912 - 03 - 14)), Ok(()), "a real centenarian");
        assert_eq!(
            checked("120314105127", date!(2012 - 03 - 15)),
            Err(Problem::BirthDateMismatch { yymmdd: "120314".to_owned() })
        );
        assert_eq!(
            checked("120314105127", date!(2013 - 03 - 14)),
            Err(Problem::BirthDateMismatch { yymmdd: "120314".to_owned() })
        );
        assert_eq!(checked("000229145678", date!(2000 - 02 - 29)), Ok(()));
    }

    #[test]
    fn without_a_full_date_the_century_is_the_most_recent_one() {
        // A child's card is a child's, never a centenarian's.
        assert_eq!(guessed("120314105127"), Ok(date!(2012 - 03 - 14)));
        assert_eq!(guessed("900101145678"), Ok(date!(1990 - 01 - 01)));
        assert_eq!(guessed("280110145678"), Ok(date!(2028 - 01 - 10)), "born on the reference date");
        assert_eq!(guessed("280111145678"), Ok(date!(1928 - 01 - 11)), "2028-01-11 is after it");
        assert_eq!(guessed("290101145678"), Ok(date!(1929 - 01 - 01)));
        assert_eq!(guessed("000229145678"), Ok(date!(2000 - 02 - 29)));
        assert_eq!(guessed("960229145678"), Ok(date!(1996 - 02 - 29)));
    }

    #[test]
    fn mykad_with_an_impossible_date_is_reported_as_such() {
        for mykad in ["901301145678", "900001145678", "900230145678", "900431145678", "900100145678"] {
            assert_eq!(guessed(mykad), Err(Problem::MyKadBirthDate), "{mykad}");
            assert_eq!(checked(mykad, date!(1990 - 01 - 01)), Err(Problem::MyKadBirthDate), "{mykad}");
        }
        // 29 Feb '01 exists in no century.
        assert_eq!(guessed("010229145678"), Err(Problem::MyKadBirthDate));
    }

    #[test]
    fn a_passport_number_that_is_the_holders_mykad_is_refused() {
        let check = |number: &str, born: Date| PassportNumber::parse(number).and_then(|p| p.check_not_mykad(born));
        assert_eq!(check("750808105432", date!(1975 - 08 - 08)), Err(Problem::PassportIsMyKad));
        assert_eq!(check("750808-10-5432", date!(1975 - 08 - 08)), Err(Problem::PassportIsMyKad));
        // Twelve digits that are not this person's MyKad: a passport of some country.
        assert_eq!(check("750808105432", date!(1975 - 08 - 09)), Ok(()));
        assert_eq!(check("A50808105432", date!(1975 - 08 - 08)), Ok(()));
        assert_eq!(check("K1234567", date!(1975 - 08 - 08)), Ok(()));
    }

    #[test]
    fn passports_normalise() {
        assert_eq!(PassportNumber::parse(" a12 345-67 ").map(|p| p.0), Ok("A1234567".to_owned()));
        assert_eq!(PassportNumber::parse(""), Err(Problem::IdNumberMissing));
        assert_eq!(PassportNumber::parse("A123"), Err(Problem::PassportShape));
        assert_eq!(PassportNumber::parse(&"A".repeat(21)), Err(Problem::PassportShape));
        assert_eq!(PassportNumber::parse("A1234/567"), Err(Problem::PassportShape));
    }
}
